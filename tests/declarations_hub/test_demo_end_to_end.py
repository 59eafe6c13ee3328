"""The national declarations on the demo, end to end (issue 7's "done when").

`ght-soc demo` leaves a ransomware incident on the shared IS of three members, the OSE support establishment
among them, with personal data involved. From it: the right set of declarations with their clocks, reminder
mails before the deadlines sent by the scheduler's own jobs to a real SMTP server, PDFs a person can file, and
the filings recorded by the people who hold a mandate, which start the follow-ups and stop the reminders.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from ght_soc import declarations_runtime, scheduler
from ght_soc.access import SYSTEM, Principal
from ght_soc.database import db
from ght_soc.declarations.fields import FIELDS, FieldKind
from ght_soc.declarations_runtime import declaration_context
from ght_soc.domain import IncidentStatus
from ght_soc.models import Declaration, DeclarationStatus, User
from ght_soc.services import declaration_documents as documents
from ght_soc.services import declaration_workflow as workflow
from ght_soc.services import incidents
from ght_soc.services.authentication import principal_for_user
from ght_soc.services.demo import load_demo
from tests.conftest import TEST_PASSWORD, Establishments
from tests.declarations.test_exports import pdf_text
from tests.oncall.peers import Received, SmtpHandler, smtp_server

# The demo is loaded on the evening of Saturday 28 March 2026: Paris moves to summer time that night.
NOW = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
T0 = NOW - timedelta(hours=5)  # the demo discovered its incident five hours earlier
CHU, AMBOISE, LOCHES = "chu-tours-demo", "ch-amboise-demo", "epsm-loches-demo"
MEMBERS = (CHU, AMBOISE, LOCHES)

# (regime, stage) → hours from T0 to its deadline, for each member it binds
INITIAL = {
    ("health_is_incident", "initial"): 24,  # "sans délai": the GHT's internal SLA
    ("gdpr_art33", "initial"): 72,
    ("gdpr_art34", "initial"): 72,
    ("insurance_complaint", "initial"): 72,
}
OSE_ONLY = {("ose_nis1", "initial"): 24}
# follow-ups whose clock starts when the stage before them is filed
FOLLOW_UPS = {
    ("health_is_incident", "complement"),
    ("health_is_incident", "resolution"),
    ("gdpr_art33", "complement"),
}


@pytest.fixture()
def demo(app: Flask, establishments: Establishments) -> Flask:
    with db.session_for(SYSTEM, app) as session:
        load_demo(session=session, password=TEST_PASSWORD, now=NOW)
    return app


@pytest.fixture()
def mailbox(demo: Flask) -> Iterator[SmtpHandler]:
    """The hub's relay is a real SMTP server on 127.0.0.1."""
    with smtp_server() as (port, handler):
        config = demo.extensions["ght_soc.config"]
        hub = config.settings.hub
        smtp = hub.smtp.model_copy(update={"port": port, "timeout_seconds": 5})
        settings = config.settings.model_copy(update={"hub": hub.model_copy(update={"smtp": smtp})})
        demo.extensions["ght_soc.config"] = dataclasses.replace(config, settings=settings)
        yield handler


def keyed(app: Flask) -> dict[tuple[str, str, str], Declaration]:
    """(regime, stage, establishment key) → row."""
    with db.session_for(SYSTEM, app) as session:
        return {(r.regime_id, r.stage, r.establishment.key): r for r in session.scalars(select(Declaration))}


def run_scheduler_jobs(app: Flask, at: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """The two scheduler jobs that make a reminder reach a mailbox, as they run at `at`."""
    monkeypatch.setattr(declarations_runtime, "now", lambda: at)
    monkeypatch.setattr(scheduler, "now", lambda: at)
    declarations_runtime.reminders_job(app)
    scheduler.deliver_notifications(app)


def text_of(mail: Received) -> str:
    body = mail.message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def principal(app: Flask, login: str) -> Principal:
    with db.session_for(SYSTEM, app) as session:
        user = session.scalars(select(User).where(User.login == login)).one()
        found = principal_for_user(session=session, user_id=user.id)
    assert found is not None
    return found


def complete(app: Flask, declaration_id: int, at: datetime) -> None:
    """What the declarant types into the draft: every field the validation still lists."""
    context = declaration_context(app)
    with db.session_for(SYSTEM, app) as session:
        row = session.get_one(Declaration, declaration_id)
        view = documents.document(session=session, row=row, context=context, now=at)
        values: dict[str, Any] = {m.key: typed_value(m.key) for m in view.missing}
        workflow.save_values(session=session, row=row, values=values, context=context, actor=SYSTEM, now=at)


def typed_value(key: str) -> Any:
    kind = FIELDS[key].kind
    if kind == FieldKind.LIST:
        return ("DPI", "PACS", "messagerie")
    if kind == FieldKind.BOOL:
        return True
    if kind == FieldKind.INT:
        return 25_000
    return f"{FIELDS[key].label} : renseigné par l'établissement"


def approve_and_file(app: Flask, declaration_id: int, login: str, at: datetime, reference: str) -> None:
    context = declaration_context(app)
    actor = principal(app, login)
    with db.session_for(SYSTEM, app) as session:
        row = session.get_one(Declaration, declaration_id)
        workflow.approve(session=session, row=row, context=context, actor=actor, now=at)
    with db.session_for(SYSTEM, app) as session:
        row = session.get_one(Declaration, declaration_id)
        workflow.record_sent(
            session=session,
            row=row,
            sent_at=at,
            channel="portail",
            reference=reference,
            context=context,
            actor=actor,
            now=at + timedelta(minutes=2),
        )


def test_the_demo_incident_calls_for_each_members_declarations_and_the_ose_one(demo: Flask) -> None:
    found = keyed(demo)
    expected = {(regime, stage, key) for (regime, stage) in INITIAL for key in MEMBERS}
    expected |= {(regime, stage, CHU) for (regime, stage) in OSE_ONLY}
    running = {key for key, row in found.items() if row.stage == "initial"}
    assert running == expected  # NIS 2 stays behind its switch; the OSE one is the support's alone
    ejs = {r.finess_ej for r in found.values() if r.regime_id == "health_is_incident"}
    assert len(ejs) == 3  # one health declaration per FINESS EJ
    for (regime, stage, _key), row in found.items():
        hours = (INITIAL | OSE_ONLY).get((regime, stage))
        if hours is not None:
            assert (row.starts_at, row.deadline_at) == (T0, T0 + timedelta(hours=hours)), (regime, stage)
            assert row.status == DeclarationStatus.DRAFT and row.reasons
        else:  # follow-ups wait for the filing they follow
            assert row.deadline_at is None and (regime, stage) in FOLLOW_UPS | {("ose_nis1", "complement")}


def test_reminders_reach_the_declarants_the_dpo_the_rssi_and_on_call_before_each_deadline(
    demo: Flask, mailbox: SmtpHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_scheduler_jobs(demo, NOW, monkeypatch)
    assert mailbox.received == []  # five hours into a 24 h clock: nothing is due yet
    half_way = T0 + timedelta(hours=12, minutes=5)
    run_scheduler_jobs(demo, half_way, monkeypatch)
    health = [m for m in mailbox.received if "Incident SI de santé" in m.message["Subject"]]
    assert len(health) == 3, [m.message["Subject"] for m in mailbox.received]
    chu = next(m for m in health if "universitaire de Tours" in m.message["Subject"])
    # the deadline is shown on the establishment's wall clock, after the change to summer time
    assert "dimanche 29 mars 2026 à 20 h 00 (Europe/Paris, UTC+02:00)" in chu.message["Subject"]
    assert {
        "direction@chu-tours-demo.invalid",
        "directeur@chu-demo.invalid",
        "dpo@chu-demo.invalid",
        "rssi@chu-demo.invalid",
        "astreinte@chu-demo.invalid",
    } <= set(chu.rcpt_tos)
    assert "correspondant-ch-amboise-demo@chu-demo.invalid" not in chu.rcpt_tos
    document = keyed(demo)[("health_is_incident", "initial", CHU)].id
    # one tap from the mail on a phone to the document
    assert f"Document : https://127.0.0.1:5000/declarations/{document}" in text_of(chu)
    assert any("OSE NIS 1" in m.message["Subject"] for m in mailbox.received)
    count = len(mailbox.received)
    run_scheduler_jobs(demo, half_way + timedelta(minutes=1), monkeypatch)
    assert len(mailbox.received) == count  # each reminder once

    two_hours_before = T0 + timedelta(hours=22, minutes=1)
    run_scheduler_jobs(demo, two_hours_before, monkeypatch)
    late = [m for m in mailbox.received[count:] if "Incident SI de santé" in m.message["Subject"]]
    assert len(late) == 3 and all("2 h" in text_of(m) for m in late)


def test_each_initial_document_prints_as_a_french_pdf_with_its_establishment_and_deadline(
    demo: Flask,
) -> None:
    context = declaration_context(demo)
    with db.session_for(SYSTEM, demo) as session:
        for row in session.scalars(select(Declaration).where(Declaration.stage == "initial")):
            view = documents.document(session=session, row=row, context=context, now=NOW)
            text = pdf_text(documents.export_pdf(view, NOW))
            establishment = context.establishments[row.establishment.key]
            assert f"FINESS EJ {row.finess_ej}" in text, row.regime_id
            assert establishment.name in text and view.regime.title in text
            assert view.stage.title in text and "Signature" in text
            assert "Rançongiciel sur le SI partagé" in text or "Chiffrement des serveurs" in text
            if row.deadline_at is not None:
                assert "(Europe/Paris, UTC+0" in text


def test_filings_recorded_by_mandate_holders_start_the_follow_ups_and_stop_the_reminders(
    demo: Flask, mailbox: SmtpHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = keyed(demo)
    filed_at = T0 + timedelta(hours=6)
    filings = [  # (regime, member, who files: the CHU's director, the RSSI or the DPO by delegation)
        ("health_is_incident", CHU, "directeur"),
        ("ose_nis1", CHU, "directeur"),
        ("health_is_incident", AMBOISE, "rssi"),
        ("gdpr_art33", CHU, "dpo"),
    ]
    for number, (regime, member, login) in enumerate(filings):
        declaration = found[(regime, "initial", member)].id
        complete(demo, declaration, filed_at)
        approve_and_file(demo, declaration, login, filed_at, f"REF-2026-{number:04d}")

    after = keyed(demo)
    for regime, member, login in filings:
        sent = after[(regime, "initial", member)]
        assert sent.status == DeclarationStatus.SENT and sent.sent_at == filed_at
        assert sent.sent_by_name and sent.draft_values.get("delegation"), (regime, member, login)
    for regime in ("health_is_incident", "ose_nis1", "gdpr_art33"):  # complements open from the filing
        assert after[(regime, "complement", CHU)].starts_at == filed_at, regime
    assert after[("health_is_incident", "initial", LOCHES)].status == DeclarationStatus.DRAFT
    assert after[("health_is_incident", "resolution", CHU)].deadline_at is None  # not resolved yet

    run_scheduler_jobs(demo, T0 + timedelta(hours=12, minutes=5), monkeypatch)
    health = [
        m.message["Subject"] for m in mailbox.received if "Incident SI de santé" in m.message["Subject"]
    ]
    assert len(health) == 1 and "Lochois" in health[0]  # the filed ones are no longer reminded

    resolved_at = T0 + timedelta(days=3)
    with db.session_for(SYSTEM, demo) as session:
        incident = session.get_one(Declaration, found[("health_is_incident", "initial", CHU)].id).incident
        incidents.change_status(
            session=session, incident=incident, to=IncidentStatus.RESOLVED, actor=SYSTEM, now=resolved_at
        )
    mailbox.received.clear()
    run_scheduler_jobs(demo, resolved_at + timedelta(hours=12, minutes=1), monkeypatch)
    resolution = keyed(demo)[("health_is_incident", "resolution", CHU)]
    assert resolution.deadline_at == resolved_at + timedelta(hours=24)  # "sans délai après la résolution"
    subjects = [m.message["Subject"] for m in mailbox.received]
    assert any("Information de résolution" in s and "universitaire de Tours" in s for s in subjects), subjects
