"""The incident pages: opening from the alerts page, one-tap main courante, evidence upload, and limits."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import AlertSeverity, IncidentStatus, Role, TimelineKind
from ght_soc.models import Evidence, Incident, TimelineEntry
from ght_soc.services.alerts import NewAlert, ingest_alert
from tests.conftest import Establishments, HubClient

AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def _alerts(app: Flask, establishments: Establishments) -> list[int]:
    ids = []
    with db.session_for(SYSTEM, app) as session:
        for key in ("chu-tours-demo", "ch-vendome-demo"):
            alert, _ = ingest_alert(
                session=session,
                establishment_id=establishments[key].id,
                alert=NewAlert(
                    source="test",
                    source_ref=key,
                    title=f"Chiffrement {key}",
                    severity=AlertSeverity.CRITICAL,
                    occurred_at=AT,
                ),
            )
            ids.append(alert.id)
    return ids


def _open(app: Flask, client: HubClient, establishments: Establishments) -> int:
    alert_ids = _alerts(app, establishments)
    response = client.post(
        "/incidents/from-alerts",
        data={"csrf_token": client.csrf_token("/alerts/"), "alert_ids": alert_ids, "category": "ransomware"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rstrip("/").split("/")[-1])


def test_the_rssi_opens_one_incident_from_two_alerts_of_two_establishments(
    app: Flask, client: HubClient, make_user, establishments: Establishments
) -> None:
    make_user("rssi", Role.GHT_RSSI)
    client.login("rssi")
    incident_id = _open(app, client, establishments)
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "CHU Tours" in page or "Tours" in page
    with db.session_for(SYSTEM, app) as session:
        incident = session.get_one(Incident, incident_id)
        assert len(incident.establishments) == 2 and incident.category.value == "ransomware"
    board = client.get("/incidents/?view=board").get_data(as_text=True)
    assert incident.reference in board


def test_the_on_call_engineer_writes_the_main_courante_and_moves_the_status_in_one_tap_each(
    app: Flask, client: HubClient, make_user, establishments: Establishments
) -> None:
    make_user("astreinte", Role.ON_CALL_ENGINEER)
    client.login("astreinte")
    incident_id = _open(app, client, establishments)
    token = client.csrf_token(f"/incidents/{incident_id}")
    assert (
        client.post(
            f"/incidents/{incident_id}/notes", data={"csrf_token": token, "text": "Appel du CERT Santé"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/incidents/{incident_id}/status", data={"csrf_token": token, "status": "contained"}
        ).status_code
        == 302
    )
    with db.session_for(SYSTEM, app) as session:
        incident = session.get_one(Incident, incident_id)
        assert incident.status == IncidentStatus.CONTAINED and incident.contained_at is not None
        texts = [
            e.text
            for e in session.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == incident_id))
        ]
    assert "Appel du CERT Santé" in texts
    assert "Appel du CERT Santé" in client.get(f"/incidents/{incident_id}").get_data(as_text=True)


def test_evidence_uploaded_from_the_phone_is_kept_with_its_hash_and_an_oversize_one_is_refused_whole(
    app: Flask, client: HubClient, make_user, establishments: Establishments, tmp_cwd
) -> None:
    make_user("astreinte", Role.ON_CALL_ENGINEER)
    client.login("astreinte")
    incident_id = _open(app, client, establishments)
    token = client.csrf_token(f"/incidents/{incident_id}")
    photo = b"\xff\xd8\xff" + b"p" * 5000
    response = client.post(
        f"/incidents/{incident_id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(photo), "écran rançon.jpg"), "description": "photo"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with db.session_for(SYSTEM, app) as session:
        stored = session.scalars(select(Evidence).where(Evidence.incident_id == incident_id)).one()
        assert stored.size == len(photo) and stored.filename == "écran rançon.jpg"
        evidence_id = stored.id
    download = client.get(f"/incidents/{incident_id}/evidence/{evidence_id}")
    assert download.status_code == 200 and download.data == photo
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()

    limit = app.config["EVIDENCE_MAX_BYTES"] = 1024 * 1024
    too_big = client.post(
        f"/incidents/{incident_id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(b"x" * (limit + 2 * 1024 * 1024)), "disque.img")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert too_big.status_code == 200
    with db.session_for(SYSTEM, app) as session:
        assert session.scalars(select(Evidence).where(Evidence.incident_id == incident_id)).all() == [
            session.get(Evidence, evidence_id)
        ]
        custody = [
            e.data.get("action")
            for e in session.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == incident_id))
            if e.kind == TimelineKind.EVIDENCE
        ]
    assert custody == ["added", "downloaded"]


def test_an_auditor_reads_the_incident_but_cannot_write_to_it(
    app: Flask, client: HubClient, make_user, establishments: Establishments
) -> None:
    make_user("rssi", Role.GHT_RSSI)
    make_user("auditeur", Role.AUDITOR)
    client.login("rssi")
    incident_id = _open(app, client, establishments)
    client.get("/logout")
    client.login("auditeur")
    assert client.get(f"/incidents/{incident_id}").status_code == 200
    token = client.csrf_token(f"/incidents/{incident_id}")
    assert (
        client.post(f"/incidents/{incident_id}/notes", data={"csrf_token": token, "text": "x"}).status_code
        == 403
    )
