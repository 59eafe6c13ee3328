"""Triage from the alerts page: filters and bulk changes, each recorded, never beyond the user's scope."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import AlertSeverity, AlertStatus, Role
from ght_soc.models import Alert
from ght_soc.services.alerts import NewAlert, ingest_alert
from tests.conftest import Establishments, HubClient

AT = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def raise_alerts(app: Flask, establishment_id: int, *severities: AlertSeverity) -> list[int]:
    with db.session_for(SYSTEM, app) as session:
        return [
            ingest_alert(
                session=session,
                establishment_id=establishment_id,
                alert=NewAlert(
                    source="test",
                    source_ref=f"{establishment_id}-{n}",
                    title=f"Alerte {severity} {n}",
                    severity=severity,
                    occurred_at=AT,
                ),
            )[0].id
            for n, severity in enumerate(severities)
        ]


def test_bulk_acknowledge_changes_own_alerts_only_and_records_who(
    app: Flask, client: HubClient, make_user, establishments: Establishments
) -> None:
    make_user("correspondant", Role.SITE_CORRESPONDENT, "ch-vendome-demo")
    own = raise_alerts(app, establishments["ch-vendome-demo"].id, AlertSeverity.HIGH, AlertSeverity.LOW)
    other = raise_alerts(app, establishments["chu-tours-demo"].id, AlertSeverity.HIGH)
    client.login("correspondant")
    response = client.post(
        "/alerts/bulk-status",
        data={
            "csrf_token": client.csrf_token("/alerts/"),
            "status": "acknowledged",
            "alert_ids": [*own, *other],
        },
    )
    assert response.status_code == 302
    with db.session_for(SYSTEM, app) as session:
        statuses = {a.id: a.status for a in session.scalars(select(Alert).where(Alert.id.in_(own + other)))}
        histories = {
            a.id: [(c.actor, c.to_status) for c in a.changes] for a in session.scalars(select(Alert))
        }
    assert statuses == {
        own[0]: AlertStatus.ACKNOWLEDGED,
        own[1]: AlertStatus.ACKNOWLEDGED,
        other[0]: AlertStatus.NEW,
    }
    assert histories[own[0]] == [("Correspondant", AlertStatus.ACKNOWLEDGED)]
    assert "1 alerte(s) laissée(s) en l&#39;état." in client.get("/alerts/").text


def test_filters_by_severity_and_status(app: Flask, client: HubClient, make_user, establishments) -> None:
    make_user("rssi", Role.GHT_RSSI)
    raise_alerts(app, establishments["ch-vendome-demo"].id, AlertSeverity.HIGH, AlertSeverity.LOW)
    client.login("rssi")
    page = client.get("/alerts/?severity=high&status=all").text
    assert "Alerte high 0" in page and "Alerte low 1" not in page


def test_an_auditor_sees_alerts_but_cannot_triage(
    app: Flask, client: HubClient, make_user, establishments
) -> None:
    make_user("auditeur", Role.AUDITOR)
    (alert_id,) = raise_alerts(app, establishments["ch-vendome-demo"].id, AlertSeverity.HIGH)
    client.login("auditeur")
    page = client.get("/alerts/").text
    assert "Alerte high 0" in page and 'name="alert_ids"' not in page
    refused = client.post(
        "/alerts/bulk-status",
        data={"csrf_token": client.csrf_token("/alerts/"), "status": "closed", "alert_ids": [alert_id]},
    )
    assert refused.status_code == 403
