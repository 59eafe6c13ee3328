"""Only the director or a recorded delegate approves and files (CSP D.1111-16-3); the hub refuses anyone else.

NOW is Saturday 26 October 2024 in the afternoon; the fixtures' mandates run from 2024 to 2099.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.declarations.mandates import (
    MandateExpired,
    MandateKind,
    MandateNotYetValid,
    MandateOutOfScope,
    MandateRevoked,
    NoMandate,
)
from ght_soc.domain import Role
from ght_soc.models import AuditEvent, DeclarantMandate, Declaration, DeclarationStatus, User
from ght_soc.services import declarant_mandates as mandates
from ght_soc.services import declaration_workflow as workflow
from tests.declarations_hub.conftest import DISCOVERED, Hub, grant_mandate
from tests.declarations_hub.test_documents_service import DECLARANT, act, fill, row_of, status
from tests.declarations_hub.test_qualification_service import NOW, qualify

AMBOISE = "ch-amboise-demo"


def ready_amboise_declaration(hub: Hub) -> int:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident", key=AMBOISE)
    fill(hub, declaration, DECLARANT)
    return declaration


def test_a_declarant_without_delegation_is_refused_and_nothing_changes(
    hub: Hub, people, make_user: Callable[..., str]
) -> None:
    # A second pooled RSSI: every permission over every member, but no delegation from Amboise's director.
    make_user("rssi-adjoint", Role.GHT_RSSI)
    declaration = ready_amboise_declaration(hub)
    with pytest.raises(NoMandate) as refused:
        act(hub, declaration, workflow.approve, hub.principal("rssi-adjoint"))
    assert "Rssi-Adjoint n'est ni le directeur de Centre hospitalier intercommunal Amboise" in str(
        refused.value
    )
    assert "délégation" in str(refused.value)
    assert status(hub, declaration) == DeclarationStatus.READY


def test_a_delegation_expired_is_refused_naming_its_end(
    hub: Hub, people, make_user: Callable[..., str]
) -> None:
    make_user("rssi-2023", Role.GHT_RSSI)
    grant_mandate(
        hub.app,
        "rssi-2023",
        AMBOISE,
        MandateKind.DELEGATION,
        valid_from=date(2023, 1, 1),
        valid_until=date(2024, 6, 30),
    )
    declaration = ready_amboise_declaration(hub)
    with pytest.raises(MandateExpired, match="a expiré le 30/06/2024"):
        act(hub, declaration, workflow.approve, hub.principal("rssi-2023"))
    assert status(hub, declaration) == DeclarationStatus.READY


def test_a_delegation_ends_at_midnight_on_the_establishments_calendar(
    hub: Hub, people, make_user: Callable[..., str]
) -> None:
    # Valid until 26 October: at 23:30 that day in Paris (21:30 UTC) it holds; at 00:30 the next day it does not.
    make_user("rssi-octobre", Role.GHT_RSSI)
    grant_mandate(hub.app, "rssi-octobre", AMBOISE, MandateKind.DELEGATION, valid_until=date(2024, 10, 26))
    declaration = ready_amboise_declaration(hub)
    late_evening = DISCOVERED.replace(hour=21, minute=30)
    act(hub, declaration, workflow.approve, hub.principal("rssi-octobre"), now=late_evening)
    with pytest.raises(MandateExpired):
        act(
            hub,
            declaration,
            workflow.record_sent,
            hub.principal("rssi-octobre"),
            now=late_evening + timedelta(hours=2),
            sent_at=late_evening + timedelta(hours=1, minutes=30),  # 00:30 on the 27th in Paris (winter time)
            channel="portail",
            reference="SIG-1",
        )
    assert status(hub, declaration) == DeclarationStatus.APPROVED


def test_filing_is_judged_on_the_day_it_was_filed_not_the_day_it_is_recorded(
    hub: Hub, people, make_user: Callable[..., str]
) -> None:
    make_user("rssi-octobre", Role.GHT_RSSI)
    grant_mandate(hub.app, "rssi-octobre", AMBOISE, MandateKind.DELEGATION, valid_until=date(2024, 10, 26))
    declaration = ready_amboise_declaration(hub)
    act(hub, declaration, workflow.approve, hub.principal("rssi-octobre"))
    # filed on the 26th under a valid delegation, recorded two days later once it had ended: accepted
    act(
        hub,
        declaration,
        workflow.record_sent,
        hub.principal("rssi-octobre"),
        now=NOW + timedelta(days=2),
        sent_at=NOW,
        channel="portail",
        reference="SIG-2",
    )
    assert status(hub, declaration) == DeclarationStatus.SENT


def test_a_delegation_not_yet_in_force_is_refused(hub: Hub, people, make_user: Callable[..., str]) -> None:
    make_user("rssi-2025", Role.GHT_RSSI)
    grant_mandate(hub.app, "rssi-2025", AMBOISE, MandateKind.DELEGATION, valid_from=date(2025, 1, 1))
    declaration = ready_amboise_declaration(hub)
    with pytest.raises(MandateNotYetValid, match="01/01/2025"):
        act(hub, declaration, workflow.approve, hub.principal("rssi-2025"))


def test_a_delegation_covers_only_its_regimes(hub: Hub, people) -> None:
    declaration = ready_amboise_declaration(hub)
    # the DPO is delegated for the GDPR notifications only
    with pytest.raises(MandateOutOfScope, match=r"ne couvre pas « Incident SI de santé \(CERT Santé\) »"):
        act(hub, declaration, workflow.approve, hub.principal(people["dpo"]))


def test_a_revoked_delegation_is_refused_from_its_revocation_day(hub: Hub, people) -> None:
    declaration = ready_amboise_declaration(hub)
    with db.session_for(SYSTEM, hub.app) as session:
        rssi = session.scalars(select(User).where(User.login == people["rssi"])).one()
        row = session.scalars(
            select(DeclarantMandate).where(
                DeclarantMandate.user_id == rssi.id, DeclarantMandate.establishment_id == hub.ids[AMBOISE]
            )
        ).one()
        mandates.revoke(
            session=session, row=row, on=date(2024, 10, 1), reason="Fin de mission", actor=SYSTEM, now=NOW
        )
    with pytest.raises(MandateRevoked, match="révoquée le 01/10/2024"):
        act(hub, declaration, workflow.approve, hub.principal(people["rssi"]))


def test_the_approver_becomes_the_declarant_with_the_quality_they_act_in(hub: Hub, people) -> None:
    declaration = ready_amboise_declaration(hub)  # filled with the director's name by hand
    act(hub, declaration, workflow.approve, hub.principal(people["rssi"]))
    with db.session_for(SYSTEM, hub.app) as session:
        values = session.get_one(Declaration, declaration).draft_values
    assert values["declarant_name"] == "Rssi"
    assert values["delegation"].startswith("Délégation de Le directeur général")
    assert "valable du 01/01/2024 au 31/12/2099 (CSP D.1111-16-3)" in values["delegation"]


def test_a_draft_names_the_director_in_office(hub: Hub, people) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident")  # the CHU's, whose director is recorded
    with db.session_for(SYSTEM, hub.app) as session:
        values = session.get_one(Declaration, declaration).draft_values
    assert values["declarant_name"] == "Directeur-Chu"
    assert values["delegation"] == "Directeur de l'établissement (Directeur)"


# --- recording mandates -------------------------------------------------------------------------------------
def new(hub: Hub, login: str, **overrides) -> mandates.NewMandate:
    with db.session_for(SYSTEM, hub.app) as session:
        user_id = session.scalars(select(User.id).where(User.login == login)).one()
    fields = {
        "establishment_id": hub.ids[AMBOISE],
        "kind": MandateKind.DELEGATION,
        "user_id": user_id,
        "person_name": "Jeanne Martin",
        "valid_from": date(2024, 1, 1),
        "valid_until": date(2024, 12, 31),
        "granted_by": "M. le directeur",
        "act_reference": "DEC-2024-12",
        **overrides,
    }
    return mandates.NewMandate(**fields)


def record(hub: Hub, mandate: mandates.NewMandate, actor=SYSTEM) -> None:
    with db.session_for(SYSTEM, hub.app) as session:
        mandates.record(
            session=session, new=mandate, known_regimes=frozenset(hub.context.regimes), actor=actor, now=NOW
        )


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"valid_until": None}, "une délégation a une date de fin"),
        ({"act_reference": " "}, "la référence de l'acte"),
        ({"valid_until": date(2023, 12, 31)}, "la fin de validité précède son début"),
        ({"regimes": ("nis3",)}, "régimes inconnus : nis3"),
        ({"person_name": ""}, "le nom de la personne est obligatoire"),
        ({"user_id": None}, "une délégation désigne un compte du hub"),
    ],
)
def test_a_delegation_that_makes_no_sense_is_refused(hub: Hub, people, overrides, says: str) -> None:
    with pytest.raises(mandates.MandateError, match=says):
        record(hub, new(hub, people["rssi"], **overrides))


def test_nobody_records_their_own_mandate(hub: Hub, people) -> None:
    with pytest.raises(mandates.MandateError, match="son propre mandat"):
        record(hub, new(hub, people["rssi"]), actor=hub.principal(people["rssi"]))


def test_a_delegate_needs_a_role_that_lets_them_declare(hub: Hub, people) -> None:
    with pytest.raises(mandates.MandateError, match="attribuez-lui d'abord le rôle"):
        record(hub, new(hub, people["oncall"]))


def test_a_site_correspondent_cannot_record_a_mandate_for_another_member(hub: Hub, people) -> None:
    mandate = new(hub, people["rssi"], establishment_id=hub.ids["chu-tours-demo"])
    with pytest.raises(mandates.MandateError, match="gérer les comptes ou la gouvernance"):
        record(hub, mandate, actor=hub.principal(people["site"]))


def test_recording_and_revoking_are_in_the_audit_chain(hub: Hub, people) -> None:
    record(hub, new(hub, people["rssi"]))
    with db.session_for(SYSTEM, hub.app) as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "mandate.recorded" in actions
