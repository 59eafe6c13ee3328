"""Qualifying an incident: the declarations due per legal entity, kept in step when the answers change."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.declarations.qualification import applicable_regimes
from ght_soc.declarations.regimes import StageKind
from ght_soc.domain import TimelineKind
from ght_soc.models import Declaration, DeclarationStatus, Incident, TimelineEntry
from ght_soc.services import declaration_changes as changes
from ght_soc.services.declarations import NotAllowed
from tests.declarations_hub.conftest import AFFECTED, DISCOVERED, RANSOMWARE, Hub

NOW = DISCOVERED + timedelta(hours=1)


def qualify(hub: Hub, answers=RANSOMWARE, actor=SYSTEM, now=NOW) -> changes.QualificationResult:
    with db.session_for(SYSTEM, hub.app) as session:
        incident = session.get_one(Incident, hub.incident_id)
        return changes.qualify(
            session=session,
            incident=incident,
            answers=answers,
            affected=AFFECTED,
            establishment_ids=hub.ids,
            context=hub.context,
            actor=actor,
            now=now,
        )


def rows(hub: Hub) -> list[Declaration]:
    with db.session_for(SYSTEM, hub.app) as session:
        found = list(session.scalars(select(Declaration).order_by(Declaration.id)))
        session.expunge_all()
    return found


def due(hub: Hub) -> set[tuple[str, str]]:
    return {(r.regime_id, r.finess_ej) for r in rows(hub) if r.status != DeclarationStatus.OBSOLETE}


def test_a_shared_is_ransomware_on_three_members_calls_for_each_members_declarations_and_the_ose_one(
    hub: Hub,
) -> None:
    result = qualify(hub)
    members = [hub.context.establishments[k] for k in AFFECTED]
    expected = applicable_regimes(RANSOMWARE, members, hub.context.regimes, support=hub.context.support)
    assert due(hub) == {a.key for a in expected}
    chu, amboise, epsm = (m.finess_ej for m in members)
    # one health declaration per legal entity; the OSE one by the support establishment only
    assert {ej for regime, ej in due(hub) if regime == "health_is_incident"} == {chu, amboise, epsm}
    assert {ej for regime, ej in due(hub) if regime == "ose_nis1"} == {chu}
    assert {ej for regime, ej in due(hub) if regime == "gdpr_art33"} == {chu, amboise, epsm}
    assert not any(regime == "nis2" for regime, _ in due(hub)), "NIS 2 stays off until the French law applies"
    # one row per stage, each with its T0 proposed from the discovery and a reason shown to the user
    health = [r for r in rows(hub) if r.regime_id == "health_is_incident" and r.finess_ej == chu]
    assert [r.stage for r in health] == ["initial", "complement", "resolution"]
    assert all(r.t0_at == DISCOVERED and r.bound_reason and r.reasons for r in health)
    initial = health[0]
    assert initial.deadline_at == DISCOVERED + timedelta(hours=24)  # the internal SLA for "sans délai"
    assert result.created and len(result.applicable) == len(expected)


def test_an_answer_change_recomputes_the_declarations_and_is_written_on_the_timeline(hub: Hub) -> None:
    qualify(hub)
    no_personal_data = dataclasses.replace(
        RANSOMWARE, personal_data=False, health_data=False, data_confidentiality=False, persons_concerned=None
    )
    result = qualify(hub, answers=no_personal_data, now=NOW + timedelta(minutes=5))
    assert not any(regime.startswith("gdpr") for regime, _ in due(hub))
    obsolete = {r.regime_id for r in rows(hub) if r.status == DeclarationStatus.OBSOLETE}
    assert {"gdpr_art33", "gdpr_art34"} <= obsolete
    assert any("Déclaration plus due" in line for line in result.lines)
    with db.session_for(SYSTEM, hub.app) as session:
        entries = session.scalars(
            select(TimelineEntry)
            .where(
                TimelineEntry.incident_id == hub.incident_id, TimelineEntry.kind == TimelineKind.QUALIFICATION
            )
            .order_by(TimelineEntry.id)
        ).all()
        assert len(entries) == 2
        last = entries[-1]
        assert "Qualification modifiée" in last.text
        assert "Des données de santé sont concernées : oui → non" in last.text
        assert "RGPD art. 33" in last.text
        assert {c["field"] for c in last.data["changes"]} >= {"health_data", "personal_data"}
    # and back: the same rows come back to life, not duplicates
    qualify(hub, now=NOW + timedelta(minutes=10))
    assert len([r for r in rows(hub) if r.regime_id == "gdpr_art33"]) == 3 * 2  # 3 EJ × 2 stages


def test_the_same_answers_twice_write_nothing_more(hub: Hub) -> None:
    qualify(hub)
    before = len(rows(hub))
    result = qualify(hub, now=NOW + timedelta(minutes=1))
    assert result.lines == () and result.created == ()
    assert len(rows(hub)) == before


def test_a_user_who_sees_one_member_cannot_qualify_a_shared_incident(hub: Hub, people) -> None:
    with pytest.raises(NotAllowed):
        qualify(hub, actor=hub.principal(people["director"]))
    assert rows(hub) == []


def test_rows_are_prefilled_from_the_incident(hub: Hub) -> None:
    qualify(hub)
    initial = next(
        r for r in rows(hub) if r.regime_id == "health_is_incident" and r.stage == StageKind.INITIAL.value
    )
    values = initial.draft_values
    assert values["finess_ej"] == initial.finess_ej
    assert values["incident_category"] == "Rançongiciel ou effaceur"
    assert values["care_impact"] == "degraded_mode"
    assert values["facts"] == "Chiffrement des serveurs du DPI partagé."
    assert initial.status == DeclarationStatus.DRAFT  # the declarant's identity is still missing
