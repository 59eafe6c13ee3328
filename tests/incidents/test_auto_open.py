"""An alert of a configured rule opens its incident and starts the ransomware playbook by itself."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.detection.detections import Detection
from ght_soc.domain import AlertSeverity, IncidentCategory
from ght_soc.models import Incident
from ght_soc.models.playbook_run import StepStatus
from ght_soc.playbooks.hub import playbook_hub
from ght_soc.services.auto_open import auto_open
from ght_soc.services.detections import record_detections
from ght_soc.settings import AutoOpenConfig
from tests.conftest import Establishments

AT = datetime(2026, 11, 29, 3, 12, tzinfo=UTC)
RULE = "0f8104c1-8fb9-5e26-8082-e056892b0830"  # config/rules: more than 200 files created in a minute


def test_a_mass_encryption_alert_opens_an_incident_and_starts_the_ransomware_playbook(
    app: Flask, establishments: Establishments
) -> None:
    tours = establishments["chu-tours-demo"]
    rules = (
        AutoOpenConfig(
            rules=(RULE,),
            category=IncidentCategory.RANSOMWARE,
            playbook="rancongiciel",
            inputs={"hote": "$indicator:host.name", "site": "$establishment"},
        ),
    )
    hub = playbook_hub(app)
    with db.session_for(SYSTEM, app) as session:
        record_detections(
            session=session,
            detections=[
                Detection(
                    rule_id=RULE,
                    title="Chiffrement en masse",
                    severity=AlertSeverity.CRITICAL,
                    establishment_id=tours.id,
                    group=(("host.name", "PC-URG-01"),),
                    correlated=True,
                    count=240,
                    indicators=(("host.name", "PC-URG-01"),),
                    event_ids=("1",),
                    first_seen=AT,
                    last_seen=AT,
                )
            ],
        )
        opened = auto_open(session=session, rules=rules, engine=hub.engine(app), library=hub.library, now=AT)
        again = auto_open(session=session, rules=rules, engine=hub.engine(app), library=hub.library, now=AT)
        assert len(opened) == 1 and again == []
        incident = session.get_one(Incident, opened[0].incident.id)
        assert incident.category == IncidentCategory.RANSOMWARE
        run = next(iter(r for r in incident_runs(session, incident)))
        assert run.inputs["hote"] == "PC-URG-01" and run.inputs["site"] == tours.name
        states = {row.step_id: row.status for row in run.steps}
        assert states["main_courante"] == StepStatus.DONE
        assert states["isoler"] == StepStatus.ACTIVE


def incident_runs(session, incident):  # type: ignore[no-untyped-def]
    from ght_soc.playbooks.runs import runs_of

    return runs_of(session, incident)
