"""Reminders: mailed once before each deadline and when overdue, to the declarant, DPO, RSSI and on-call chain."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.declarations.mandates import MandateKind
from ght_soc.models import Declaration, Notification
from ght_soc.services import declarant_mandates
from ght_soc.services.declaration_reminders import send_due_reminders
from tests.declarations_hub.conftest import DISCOVERED, Hub, with_emails
from tests.declarations_hub.test_documents_service import _approve_and_send, row_of
from tests.declarations_hub.test_qualification_service import qualify


def run(hub: Hub, hours: float) -> list[tuple[str, list[str], str]]:
    with db.session_for(SYSTEM, hub.app) as session:
        queued = send_due_reminders(
            session=session, context=hub.context, now=DISCOVERED + timedelta(hours=hours)
        )
        return [(n.subject, list(n.recipients), n.body_text) for n in queued]


def health_chu(mails: list[tuple[str, list[str], str]]) -> list[tuple[str, list[str], str]]:
    return [
        m
        for m in mails
        if "Incident SI de santé" in m[0]
        and "Déclaration initiale" in m[0]
        and "universitaire de Tours" in m[0]
    ]


def test_a_reminder_goes_once_to_the_declarant_the_dpo_the_rssi_and_the_on_call_chain(
    hub: Hub, people
) -> None:
    qualify(hub)
    with_emails(hub.app)
    assert run(hub, 11) == []  # before half of the 24 h internal SLA: nothing yet
    mails = health_chu(run(hub, 12.5))
    assert len(mails) == 1
    subject, recipients, body = mails[0]
    assert subject.startswith("[ght-soc] Rappel déclaration")
    assert "dimanche 27 octobre 2024 à 8 h 40 (Europe/Paris, UTC+01:00)" in subject  # 24 h later, across DST
    assert {
        "directeur-chu@ght.invalid",
        "dpo@ght.invalid",
        "rssi@ght.invalid",
        "astreinte@ght.invalid",
    } <= set(recipients)
    assert "correspondant-amboise@ght.invalid" not in recipients
    assert "50 % du délai écoulé" in body and "Le hub ne dépose rien lui-même" in body
    assert run(hub, 12.5) == [] and run(hub, 13) == []  # idempotent: same reminder, nothing new


def test_an_overdue_declaration_is_announced_then_repeated_daily(hub: Hub, people) -> None:
    qualify(hub)
    with_emails(hub.app)
    overdue = health_chu(run(hub, 24.5))
    assert len(overdue) == 1 and "ÉCHÉANCE DÉPASSÉE" in overdue[0][0]
    assert health_chu(run(hub, 30)) == []
    again = health_chu(run(hub, 49))
    assert len(again) == 1 and "dépassée depuis 1 j 0 h" in again[0][2]


def test_a_sent_document_gets_no_reminder_and_its_follow_up_gets_its_own(hub: Hub, people) -> None:
    qualify(hub)
    with_emails(hub.app)
    _approve_and_send(hub, people, row_of(hub, "health_is_incident"), DISCOVERED + timedelta(minutes=30))
    assert health_chu(run(hub, 30)) == []
    with db.session_for(SYSTEM, hub.app) as session:
        keys = session.scalars(select(Notification.idempotency_key)).all()
        sent_id = row_of(hub, "health_is_incident")
        assert not any(k.startswith(f"declaration:{sent_id}:") for k in keys)
        assert session.get_one(Declaration, sent_id).sent_at is not None


def test_a_director_without_an_account_is_reminded_at_the_address_of_their_mandate(hub: Hub, people) -> None:
    with db.session_for(SYSTEM, hub.app) as session:
        declarant_mandates.record(
            session=session,
            new=declarant_mandates.NewMandate(
                establishment_id=hub.ids["ch-amboise-demo"],
                kind=MandateKind.DIRECTOR,
                person_name="Mme la directrice",
                email="direction@ch-amboise.invalid",
                valid_from=date(2020, 1, 1),
            ),
            known_regimes=frozenset(hub.context.regimes),
            actor=SYSTEM,
            now=DISCOVERED,
        )
    qualify(hub)
    amboise = [m for m in run(hub, 12.5) if "Amboise" in m[0] and "Incident SI de santé" in m[0]]
    assert amboise and "direction@ch-amboise.invalid" in amboise[0][1]
