"""The demo's qualified incident, and the playbook action that opens a declaration draft."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import Declaration, DeclarationStatus, Incident
from ght_soc.services.declaration_playbooks import open_draft
from ght_soc.services.demo import load_demo_declarations
from tests.declarations_hub.conftest import DISCOVERED, Hub


def test_the_demo_has_a_shared_is_incident_with_running_clocks_for_three_members(hub: Hub) -> None:
    with db.session_for(SYSTEM, hub.app) as session:
        load_demo_declarations(session=session, now=DISCOVERED)
        load_demo_declarations(session=session, now=DISCOVERED)  # once only
        rows = session.scalars(select(Declaration).where(Declaration.regime_id == "health_is_incident")).all()
        running = [r for r in rows if r.stage == "initial"]
        assert len(running) == 3 and all(r.deadline_at and r.deadline_at > DISCOVERED for r in running)
        assert session.scalars(select(Declaration).where(Declaration.regime_id == "ose_nis1")).first()


def test_a_playbook_opens_the_draft_of_a_regime_without_a_qualification(hub: Hub) -> None:
    with db.session_for(SYSTEM, hub.app) as session:
        incident = session.get_one(Incident, hub.incident_id)
        row = open_draft(
            session=session,
            incident=incident,
            playbook_regime="gdpr_cnil",
            summary="fuite",
            context=hub.context,
            now=DISCOVERED + timedelta(minutes=5),
        )
        assert (row.regime_id, row.stage, row.status) == ("gdpr_art33", "initial", DeclarationStatus.DRAFT)
        assert "ouvert par un playbook : fuite" in row.reasons
        again = open_draft(
            session=session,
            incident=incident,
            playbook_regime="gdpr_cnil",
            summary=None,
            context=hub.context,
            now=DISCOVERED + timedelta(minutes=6),
        )
        assert again.id == row.id
        ejs = set(session.scalars(select(Declaration.finess_ej).where(Declaration.regime_id == "gdpr_art33")))
        assert len(ejs) == 3
