"""Incidents: opened from alerts of several establishments, moved by a table, written down as they go."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ght_soc.access import SYSTEM, Principal, grants_from
from ght_soc.database import db
from ght_soc.detection.detections import Detection
from ght_soc.domain import (
    AlertSeverity,
    AlertStatus,
    IncidentCategory,
    IncidentStatus,
    ObservableKind,
    Role,
    Severity,
    TimelineKind,
)
from ght_soc.models import Alert, DirectoryObject, Incident, TimelineEntry
from ght_soc.models.incident import AppendOnlyError
from ght_soc.services import evidence, incidents, observables, tasks, timeline
from ght_soc.services.alerts import NewAlert, ingest_alert
from ght_soc.services.detections import record_detections
from tests.conftest import Establishments

AT = datetime(2026, 11, 29, 2, 30, tzinfo=UTC)
ONCALL = Principal(
    display_name="Astreinte", grants=grants_from([(Role.ON_CALL_ENGINEER, None)]), user_id=None
)


def _alert(app: Flask, establishment_id: int, ref: str, severity: AlertSeverity, minutes: int = 0) -> int:
    with db.session_for(SYSTEM, app) as session:
        alert, _ = ingest_alert(
            session=session,
            establishment_id=establishment_id,
            alert=NewAlert(
                source="test",
                source_ref=ref,
                title=f"Alerte {ref}",
                severity=severity,
                occurred_at=AT + timedelta(minutes=minutes),
            ),
        )
        return alert.id


def test_an_incident_opened_from_two_alerts_of_two_establishments_takes_both_and_the_worst_severity(
    app: Flask, establishments: Establishments
) -> None:
    tours, vendome = establishments["chu-tours-demo"].id, establishments["ch-vendome-demo"].id
    first = _alert(app, tours, "a", AlertSeverity.MEDIUM, minutes=5)
    second = _alert(app, vendome, "b", AlertSeverity.HIGH, minutes=0)
    with db.session_for(ONCALL, app) as session:
        incident = incidents.open_from_alerts(
            session=session,
            alert_ids=[first, second],
            actor=ONCALL,
            now=AT + timedelta(hours=1),
            title="Chiffrement sur le SI partagé",
            category=IncidentCategory.RANSOMWARE,
        )
        incident_id = incident.id
    with db.session_for(SYSTEM, app) as session:
        incident = session.get_one(Incident, incident_id)
        assert incident.reference == f"INC-2026-{incident_id:04d}"
        assert {link.establishment_id for link in incident.establishments} == {tours, vendome}
        assert incident.severity == Severity.HIGH
        assert incident.occurred_at == AT  # the earliest alert
        alerts = session.scalars(select(Alert).where(Alert.id.in_([first, second]))).all()
        assert {a.incident_id for a in alerts} == {incident_id}
        assert {a.status for a in alerts} == {AlertStatus.ACKNOWLEDGED}
        kinds = [entry.kind for entry in incident.timeline]
        assert kinds[0] == TimelineKind.OPENED and kinds.count(TimelineKind.ALERT) == 2


def test_a_site_correspondent_sees_only_incidents_touching_their_establishment(
    app: Flask, establishments: Establishments
) -> None:
    tours, vendome = establishments["chu-tours-demo"].id, establishments["ch-vendome-demo"].id
    with db.session_for(SYSTEM, app) as session:
        for title, ids in (("Tours seul", (tours,)), ("Les deux", (tours, vendome))):
            incidents.open_incident(
                session=session,
                new=incidents.NewIncident(title, IncidentCategory.PHISHING, Severity.LOW, ids),
                actor=SYSTEM,
                now=AT,
            )
    vendome_only = Principal("Vendôme", grants_from([(Role.SITE_CORRESPONDENT, vendome)]))
    with db.session_for(vendome_only, app) as session:
        seen = [i.title for i in incidents.list_incidents(session=session)]
        titles = {e.incident.title for e in session.scalars(select(TimelineEntry))}
    assert seen == ["Les deux"]
    assert titles == {"Les deux"}


def test_status_moves_follow_the_table_and_stamp_each_milestone_once(
    app: Flask, establishments: Establishments
) -> None:
    with db.session_for(SYSTEM, app) as session:
        incident = incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                "x", IncidentCategory.OTHER, Severity.LOW, (establishments["chu-tours-demo"].id,)
            ),
            actor=SYSTEM,
            now=AT,
        )
        incidents.change_status(
            session=session, incident=incident, to=IncidentStatus.QUALIFIED, actor=ONCALL, now=AT
        )
        incidents.change_status(
            session=session,
            incident=incident,
            to=IncidentStatus.CONTAINED,
            actor=ONCALL,
            now=AT + timedelta(hours=2),
        )
        incidents.change_status(
            session=session,
            incident=incident,
            to=IncidentStatus.QUALIFIED,
            actor=ONCALL,
            now=AT + timedelta(hours=3),
            reason="reprise du chiffrement",
        )
        incidents.change_status(
            session=session,
            incident=incident,
            to=IncidentStatus.CONTAINED,
            actor=ONCALL,
            now=AT + timedelta(hours=5),
        )
        assert incident.contained_at == AT + timedelta(
            hours=2
        )  # first containment kept; corrections are explicit
        with pytest.raises(incidents.TransitionError):
            incidents.change_status(
                session=session, incident=incident, to=IncidentStatus.OPEN, actor=ONCALL, now=AT
            )
        assert "reprise du chiffrement" in timeline.entries(session=session, incident=incident)[-2].text


def test_the_main_courante_refuses_edits_and_deletions(app: Flask, establishments: Establishments) -> None:
    with db.session_for(SYSTEM, app) as session:
        incident = incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                "x", IncidentCategory.OTHER, Severity.LOW, (establishments["chu-tours-demo"].id,)
            ),
            actor=SYSTEM,
            now=AT,
        )
        entry = timeline.add_note(
            session=session, incident=incident, text="  Appel CERT Santé 02:40  ", actor=ONCALL, now=AT
        )
        assert entry.text == "Appel CERT Santé 02:40"
        with pytest.raises(timeline.EmptyNoteError):
            timeline.add_note(session=session, incident=incident, text="   ", actor=ONCALL, now=AT)
        entry.text = "rewritten"
        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()


def test_a_later_alert_of_the_same_rule_and_site_joins_the_open_incident(
    app: Flask, establishments: Establishments
) -> None:
    tours = establishments["chu-tours-demo"].id

    def detection(at: datetime) -> Detection:
        return Detection(
            rule_id="failed-logon-burst",
            title="Rafale d'échecs de connexion",
            severity=AlertSeverity.HIGH,
            establishment_id=tours,
            first_seen=at,
            last_seen=at,
            count=12,
            event_ids=(1,),
            group=(("user.name", "jdupont"),),
            indicators=(("user.name", "jdupont"),),
            correlated=True,
        )

    with db.session_for(SYSTEM, app) as session:
        first = record_detections(session=session, detections=[detection(AT)])[0].alert
        incident = incidents.open_from_alerts(session=session, alert_ids=[first.id], actor=ONCALL, now=AT)
        later = record_detections(session=session, detections=[detection(AT + timedelta(hours=3))])[0]
        assert later.created and later.alert.incident_id == incident.id
        assert [o.value for o in incident.observables] == ["jdupont"]


def test_an_observable_resolves_to_the_inventory_of_the_incidents_establishments(
    app: Flask, establishments: Establishments
) -> None:
    tours, vendome = establishments["chu-tours-demo"].id, establishments["ch-vendome-demo"].id
    with db.session_for(SYSTEM, app) as session:
        for establishment_id in (tours, vendome):
            session.add(
                DirectoryObject(
                    establishment_id=establishment_id,
                    directory="ad",
                    kind="computer",
                    dn=f"cn=pc-urg-01,{establishment_id}",
                    name="PC-URG-01$",
                    first_seen_at=AT,
                    last_seen_at=AT,
                )
            )
        incident = incidents.open_incident(
            session=session,
            new=incidents.NewIncident("x", IncidentCategory.HOST_COMPROMISE, Severity.HIGH, (tours,)),
            actor=SYSTEM,
            now=AT,
        )
        host = observables.add(
            session=session,
            incident=incident,
            kind=ObservableKind.HOST,
            value="pc-urg-01.chu-tours.local",
            actor=ONCALL,
            now=AT,
        )
        assert [(m["label"], m["establishment_id"]) for m in host.matches] == [("PC-URG-01$", tours)]
        with pytest.raises(observables.ObservableError):
            observables.add(
                session=session,
                incident=incident,
                kind=ObservableKind.IP,
                value="10.0.0.999",
                actor=ONCALL,
                now=AT,
            )


def test_evidence_is_stored_by_hash_with_its_size_and_custody_and_a_dangerous_name_is_defused(
    app: Flask, establishments: Establishments, tmp_path: Path
) -> None:
    files = evidence.EvidenceStore(root=tmp_path / "evidence", max_bytes=1024)
    with db.session_for(SYSTEM, app) as session:
        incident = incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                "x", IncidentCategory.RANSOMWARE, Severity.HIGH, (establishments["chu-tours-demo"].id,)
            ),
            actor=SYSTEM,
            now=AT,
        )
        stored = evidence.store(
            session=session,
            files=files,
            incident=incident,
            stream=io.BytesIO(b"note de rancon"),
            filename="../../etc/LISEZ-MOI.txt\x00.exe",
            content_type="text/plain",
            description="",
            actor=ONCALL,
            now=AT,
        )
        assert stored.filename == "LISEZ-MOI.txt.exe"
        assert stored.size == 14 and files.path_of(stored.sha256).read_bytes() == b"note de rancon"
        with pytest.raises(evidence.EvidenceTooLargeError):
            evidence.store(
                session=session,
                files=files,
                incident=incident,
                stream=io.BytesIO(b"x" * 2048),
                filename="gros.bin",
                content_type="",
                description="",
                actor=ONCALL,
                now=AT,
            )
        with pytest.raises(evidence.EvidenceError):
            evidence.store(
                session=session,
                files=files,
                incident=incident,
                stream=io.BytesIO(b"x"),
                filename="CON.txt",
                content_type="",
                description="",
                actor=ONCALL,
                now=AT,
            )
        assert sorted(p.name for p in files.root.rglob("*") if p.is_file()) == [stored.sha256]
        evidence.open_for_download(
            session=session, files=files, evidence=stored, actor=ONCALL, now=AT
        ).close()
        custody = [
            e.data.get("action")
            for e in timeline.entries(session=session, incident=incident)
            if e.kind == TimelineKind.EVIDENCE
        ]
        assert custody == ["added", "downloaded"]


def test_tasks_are_added_and_finished_on_the_timeline(app: Flask, establishments: Establishments) -> None:
    with db.session_for(SYSTEM, app) as session:
        incident = incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                "x", IncidentCategory.OTHER, Severity.LOW, (establishments["chu-tours-demo"].id,)
            ),
            actor=SYSTEM,
            now=AT,
        )
        task = tasks.add_task(
            session=session, incident=incident, title="Isoler le poste", actor=ONCALL, now=AT
        )
        tasks.finish_task(session=session, task=task, actor=ONCALL, now=AT)
        with pytest.raises(tasks.TaskError):
            tasks.finish_task(session=session, task=task, actor=ONCALL, now=AT)
        assert [e.text for e in timeline.entries(session=session, incident=incident)][-2:] == [
            "Tâche ajoutée : Isoler le poste",
            "Tâche faite : Isoler le poste",
        ]
