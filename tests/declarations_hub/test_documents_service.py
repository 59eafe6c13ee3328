"""Documents: T0 corrections, validation, DPO review, approval by DECLARE holders, recording the filing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ght_soc.access import SYSTEM, Principal
from ght_soc.database import db
from ght_soc.declarations.clocks import NaiveTimestamp, T0InFuture
from ght_soc.domain import TimelineKind
from ght_soc.models import Declaration, DeclarationStatus, Incident, TimelineEntry
from ght_soc.services import declaration_changes as changes
from ght_soc.services import declaration_documents as documents
from ght_soc.services import declaration_workflow as workflow
from ght_soc.services import declarations as service
from tests.declarations_hub.conftest import DISCOVERED, Hub
from tests.declarations_hub.test_qualification_service import NOW, qualify

DECLARANT = {
    "declarant_name": "Marie Durand",
    "declarant_function": "Directrice générale",
    "declarant_email": "direction@chu-tours.invalid",
    "declarant_phone": "02 47 00 00 00",
    "delegation": "Directeur",
    "affected_systems": ("DPI", "PACS"),
    "measures_taken": "Isolement du réseau, bascule en mode dégradé.",
    "support_requested": True,
    "complaint_filed": False,
    "cnil_notified": False,
    "crisis_cell": True,
}
GDPR = {
    "dpo_contact": "Sophie Bernard, dpo@ght.invalid",
    "records_concerned": 40_000,
    "likely_consequences": "Divulgation de données de santé.",
}


def row_of(hub: Hub, regime: str, key: str = "chu-tours-demo", stage: str = "initial") -> int:
    ej = hub.context.establishments[key].finess_ej
    with db.session_for(SYSTEM, hub.app) as session:
        return session.scalars(
            select(Declaration.id).where(
                Declaration.regime_id == regime, Declaration.finess_ej == ej, Declaration.stage == stage
            )
        ).one()


def act(hub: Hub, declaration_id: int, call: Callable[..., Any], actor: Principal, **extra: Any) -> Any:
    with db.session_for(SYSTEM, hub.app) as session:
        row = session.get_one(Declaration, declaration_id)
        return call(session=session, row=row, context=hub.context, actor=actor, **{"now": NOW, **extra})


def fill(hub: Hub, declaration_id: int, values: dict[str, Any]) -> documents.DocumentView:
    return act(hub, declaration_id, workflow.save_values, SYSTEM, values=values)


def status(hub: Hub, declaration_id: int) -> DeclarationStatus:
    with db.session_for(SYSTEM, hub.app) as session:
        return session.get_one(Declaration, declaration_id).status


def correct(hub: Hub, t0: datetime, actor: Principal = SYSTEM, regime: str = "health_is_incident", now=NOW):
    with db.session_for(SYSTEM, hub.app) as session:
        return changes.correct_t0(
            session=session,
            incident=session.get_one(Incident, hub.incident_id),
            regime_id=regime,
            finess_ej=hub.context.establishments["chu-tours-demo"].finess_ej,
            t0=t0,
            context=hub.context,
            actor=actor,
            now=now,
        )


@pytest.mark.parametrize(
    ("t0", "error"),
    [
        (NOW + timedelta(minutes=1), T0InFuture),
        (datetime(2024, 10, 26, 9, 0), NaiveTimestamp),  # no zone: ambiguous, refused
    ],
    ids=["in-the-future", "without-zone"],
)
def test_a_t0_in_the_future_or_without_a_zone_is_refused(hub: Hub, t0: datetime, error: type) -> None:
    qualify(hub)
    with pytest.raises(error):
        correct(hub, t0)
    assert all(r == DISCOVERED for r in _t0s(hub))


def _t0s(hub: Hub) -> list[datetime]:
    with db.session_for(SYSTEM, hub.app) as session:
        return list(session.scalars(select(Declaration.t0_at)))


def test_a_corrected_t0_recomputes_the_deadlines_and_says_which_moved(hub: Hub, people) -> None:
    qualify(hub)
    earlier = DISCOVERED - timedelta(hours=3)
    with pytest.raises(service.NotAllowed):  # the T0 is the declarant's to set
        correct(hub, earlier, actor=hub.principal(people["oncall"]))
    moves = correct(hub, earlier, actor=hub.principal(people["director"]))
    assert [m.stage.value for m in moves] == ["initial"]
    assert moves[0].after == earlier + timedelta(hours=24) and not moves[0].already_sent
    with db.session_for(SYSTEM, hub.app) as session:
        initial = session.get_one(Declaration, row_of(hub, "health_is_incident"))
        assert initial.deadline_at == earlier + timedelta(hours=24)
        assert initial.t0_set_by_name == "Directeur-Chu"
        entry = session.scalars(
            select(TimelineEntry).where(TimelineEntry.kind == TimelineKind.DECLARATION)
        ).one()
        assert "T0 Incident SI de santé" in entry.text and "Échéance initial" in entry.text


def test_approving_with_missing_fields_is_refused_and_lists_them(hub: Hub, people) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident")
    with pytest.raises(workflow.MissingFields) as refused:
        act(hub, declaration, workflow.approve, hub.principal(people["director"]))
    assert {"affected_systems", "measures_taken"} <= {m.key for m in refused.value.missing}
    assert status(hub, declaration) == DeclarationStatus.DRAFT


def test_a_complete_document_becomes_ready_and_a_declarant_approves_it(hub: Hub, people) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident")
    view = fill(hub, declaration, DECLARANT)
    assert view.missing == () and status(hub, declaration) == DeclarationStatus.READY
    act(hub, declaration, workflow.approve, hub.principal(people["director"]))
    assert status(hub, declaration) == DeclarationStatus.APPROVED
    # editing what was approved withdraws the approval
    fill(hub, declaration, {"measures_taken": "Isolement, bascule, plainte en cours."})
    assert status(hub, declaration) == DeclarationStatus.READY


@pytest.mark.parametrize("who", ["oncall", "site"])
def test_a_user_without_declare_cannot_approve(hub: Hub, people, who: str) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident")
    fill(hub, declaration, DECLARANT)
    with pytest.raises(service.NotAllowed):
        act(hub, declaration, workflow.approve, hub.principal(people[who]))
    assert status(hub, declaration) == DeclarationStatus.READY


def test_a_declarant_of_another_member_cannot_approve(hub: Hub, people) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident", key="ch-amboise-demo")
    fill(hub, declaration, DECLARANT)
    with pytest.raises(service.NotAllowed):
        act(hub, declaration, workflow.approve, hub.principal(people["director"]))


def test_a_gdpr_declaration_cannot_be_approved_without_the_dpo(hub: Hub, people) -> None:
    qualify(hub)
    declaration = row_of(hub, "gdpr_art33")
    fill(hub, declaration, {**DECLARANT, **GDPR})
    with pytest.raises(workflow.DpoReviewRequired):
        act(hub, declaration, workflow.approve, hub.principal(people["rssi"]))
    with pytest.raises(service.NotAllowed):  # the RSSI cannot stand in for the DPO's review
        act(hub, declaration, workflow.review_as_dpo, hub.principal(people["rssi"]))
    act(hub, declaration, workflow.review_as_dpo, hub.principal(people["dpo"]))
    act(hub, declaration, workflow.approve, hub.principal(people["rssi"]))
    with db.session_for(SYSTEM, hub.app) as session:
        row = session.get_one(Declaration, declaration)
        assert row.status == DeclarationStatus.APPROVED and row.dpo_reviewed_by_name == "Dpo"


def test_the_dpo_approving_reviews_at_the_same_time(hub: Hub, people) -> None:
    qualify(hub)
    declaration = row_of(hub, "gdpr_art33")
    fill(hub, declaration, {**DECLARANT, **GDPR})
    act(hub, declaration, workflow.approve, hub.principal(people["dpo"]))
    assert status(hub, declaration) == DeclarationStatus.APPROVED


def _approve_and_send(hub: Hub, people, declaration: int, sent_at: datetime) -> None:
    fill(hub, declaration, DECLARANT)
    act(hub, declaration, workflow.approve, hub.principal(people["director"]))
    act(
        hub,
        declaration,
        workflow.record_sent,
        hub.principal(people["director"]),
        sent_at=sent_at,
        channel="portail de signalement",
        reference="SIG-2024-0042",
    )


def test_recording_the_filing_freezes_the_document_and_starts_the_follow_ups(hub: Hub, people) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident")
    sent_at = DISCOVERED + timedelta(minutes=50)
    _approve_and_send(hub, people, declaration, sent_at)
    with db.session_for(SYSTEM, hub.app) as session:
        row = session.get_one(Declaration, declaration)
        assert (row.status, row.sent_at, row.sent_reference) == (
            DeclarationStatus.SENT,
            sent_at,
            "SIG-2024-0042",
        )
        assert row.sent_by_name == "Directeur-Chu"
        complement = session.get_one(Declaration, row_of(hub, "health_is_incident", stage="complement"))
        assert complement.starts_at == sent_at  # "sent:initial" starts from the filing
    with pytest.raises(documents.FrozenDocument):
        fill(hub, declaration, {"facts": "réécriture"})


def test_the_hub_itself_never_records_a_filing(hub: Hub, people) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident")
    fill(hub, declaration, DECLARANT)
    act(hub, declaration, workflow.approve, hub.principal(people["director"]))
    with pytest.raises(service.NotAllowed):
        act(hub, declaration, workflow.record_sent, SYSTEM, sent_at=NOW, channel="x", reference="y")


def test_a_t0_corrected_after_filing_keeps_the_sent_document_and_proposes_a_complement(
    hub: Hub, people
) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident")
    _approve_and_send(hub, people, declaration, DISCOVERED + timedelta(minutes=50))
    moves = correct(hub, DISCOVERED - timedelta(hours=2), actor=hub.principal(people["director"]))
    assert [(m.stage.value, m.already_sent) for m in moves] == [("initial", True)]
    with db.session_for(SYSTEM, hub.app) as session:
        sent = session.get_one(Declaration, declaration)
        assert sent.status == DeclarationStatus.SENT and sent.sent_reference == "SIG-2024-0042"
        complements = session.scalars(
            select(Declaration).where(
                Declaration.regime_id == "health_is_incident",
                Declaration.finess_ej == sent.finess_ej,
                Declaration.stage == "complement",
            )
        ).all()
        # the complement row of the qualification was still unsent: it is the one proposed, not a second one
        assert len(complements) == 1 and complements[0].status in service.UNSENT


def test_a_requalification_after_filing_keeps_the_filed_document(hub: Hub, people) -> None:
    import dataclasses

    from tests.declarations_hub.conftest import RANSOMWARE

    qualify(hub)
    declaration = row_of(hub, "health_is_incident")
    _approve_and_send(hub, people, declaration, DISCOVERED + timedelta(minutes=50))
    calmer = dataclasses.replace(RANSOMWARE, spread_risk=False)  # the reasons change, the duty stays
    result = qualify(hub, answers=calmer, now=NOW + timedelta(hours=1))
    assert status(hub, declaration) == DeclarationStatus.SENT
    assert any("Motifs modifiés" in line for line in result.lines)
