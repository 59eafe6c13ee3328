"""Events in, alerts out: deduplicated, linked to their events, with their history."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from flask import Flask
from sqlalchemy import select

from ght_soc.access import SYSTEM, Grant, Principal
from ght_soc.database import db
from ght_soc.detection.rules import load_rules
from ght_soc.detection.sqlite_engine import SqliteDetector, compile_rules
from ght_soc.domain import AlertStatus, Role
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.models import Alert
from ght_soc.resources import bundled_config_path
from ght_soc.services.alerts import AlertTransitionError, change_status
from ght_soc.services.ingest import EventIngestor
from tests.conftest import Establishments, HubClient

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture()
def ingestor(app: Flask, event_store: SqliteEventStore) -> EventIngestor:
    compiled, errors = compile_rules(load_rules([bundled_config_path("rules")]))
    assert not errors
    return EventIngestor(
        store=event_store,
        detector=SqliteDetector(event_store, compiled),
        unit_of_work=partial(db.session_for, SYSTEM, app),
    )


def failed_logon(
    minute: float, establishment_id: int | None, user: str = "administrateur"
) -> dict[str, object]:
    return {
        "@timestamp": (T0 + timedelta(minutes=minute)).isoformat(),
        "establishment_id": establishment_id,
        "event.code": "4625",
        "user.name": user,
        "source.ip": "203.0.113.50",
        "host.name": "dc01",
        "message": f"An account failed to log on: {user}",
    }


def alerts(app: Flask) -> list[Alert]:
    with db.session_for(SYSTEM, app) as session:
        found = list(session.scalars(select(Alert).where(Alert.source == "sigma").order_by(Alert.id)))
        for alert in found:
            _ = (alert.events, alert.changes, alert.indicators)  # loaded while the session is open
        return found


def test_a_burst_of_failed_logons_raises_one_alert_that_grows(
    app: Flask, ingestor: EventIngestor, establishments: Establishments
) -> None:
    site = establishments["ch-amboise-demo"].id
    first = ingestor.ingest([failed_logon(n / 10, site) for n in range(12)])
    assert first.stored == 12 and first.alerts_created == 1
    again = ingestor.ingest([failed_logon(2 + n / 10, site) for n in range(8)])
    assert again.alerts_created == 0
    (alert,) = alerts(app)
    assert alert.title.startswith("Force brute") and alert.establishment_id == site
    assert alert.count == 20 and alert.status is AlertStatus.NEW
    assert alert.first_seen_at == T0 and alert.raw["group"] == {"source.ip": "203.0.113.50"}


def test_a_plain_rule_links_its_events_and_counts_repeats(
    app: Flask, ingestor: EventIngestor, establishments: Establishments, make_user, make_client
) -> None:
    site = establishments["clinique-loire-demo"].id
    cleared = {"event.code": "1102", "establishment_id": site, "message": "The audit log was cleared."}
    ingestor.ingest([{**cleared, "@timestamp": T0.isoformat()}])
    ingestor.ingest([{**cleared, "@timestamp": (T0 + timedelta(minutes=5)).isoformat()}])
    (alert,) = alerts(app)
    assert alert.title == "Journal de sécurité Windows effacé" and alert.count == 2
    assert len(alert.events) == 2
    make_user("correspondant", Role.SITE_CORRESPONDENT, "clinique-loire-demo")
    client: HubClient = make_client()
    client.login("correspondant")
    assert client.get(f"/alerts/{alert.id}").text.count("<summary>The audit log was cleared.</summary>") == 2
    assert alert.last_seen_at == T0 + timedelta(minutes=5)


def test_after_the_window_a_new_alert_is_raised(
    app: Flask, ingestor: EventIngestor, establishments: Establishments
):
    site = establishments["clinique-loire-demo"].id
    cleared = {"event.code": "1102", "establishment_id": site}
    ingestor.ingest([{**cleared, "@timestamp": T0.isoformat()}])
    ingestor.ingest([{**cleared, "@timestamp": (T0 + timedelta(hours=3)).isoformat()}])
    assert [a.count for a in alerts(app)] == [1, 1]


def test_status_changes_follow_the_table_and_are_recorded(
    app: Flask, ingestor: EventIngestor, establishments
):
    ingestor.ingest([failed_logon(n / 10, establishments["ch-amboise-demo"].id) for n in range(12)])
    rssi = Principal(display_name="Claire Martin", grants=(Grant(Role.GHT_RSSI, None),), user_id=None)
    with db.session_for(SYSTEM, app) as session:
        alert = session.scalars(select(Alert).where(Alert.source == "sigma")).one()
        change_status(
            session=session, alert=alert, status=AlertStatus.FALSE_POSITIVE, actor=rssi, now=T0, note="test"
        )
        with pytest.raises(AlertTransitionError):
            change_status(session=session, alert=alert, status=AlertStatus.CLOSED, actor=rssi, now=T0)
    (alert,) = alerts(app)
    assert [(c.actor, c.from_status, c.to_status, c.note) for c in alert.changes] == [
        ("Claire Martin", AlertStatus.NEW, AlertStatus.FALSE_POSITIVE, "test")
    ]
    # a closed or false-positive alert is not grown: a new burst is a new alert
    ingestor.ingest([failed_logon(1 + n / 10, establishments["ch-amboise-demo"].id) for n in range(12)])
    assert len(alerts(app)) == 2


def test_alerts_on_unknown_senders_are_for_ght_wide_roles_only(
    app: Flask, ingestor: EventIngestor, make_client, make_user
) -> None:
    ingestor.ingest([failed_logon(n / 10, None) for n in range(12)])
    make_user("rssi", Role.GHT_RSSI)
    make_user("correspondant", Role.SITE_CORRESPONDENT, "ch-amboise-demo")
    rssi: HubClient = make_client()
    rssi.login("rssi")
    site: HubClient = make_client()
    site.login("correspondant")
    (alert,) = alerts(app)
    assert alert.establishment_id is None
    assert rssi.get(f"/alerts/{alert.id}").status_code == 200
    assert "non attribué" in rssi.get(f"/alerts/{alert.id}").text
    assert site.get(f"/alerts/{alert.id}").status_code == 404
    assert site.get("/api/v1/alerts").get_json()["total"] == 0


def test_an_attacker_hitting_two_establishments_is_flagged_on_each_alert(
    app: Flask, ingestor: EventIngestor, establishments: Establishments, make_client, make_user
) -> None:
    amboise, vendome = establishments["ch-amboise-demo"], establishments["ch-vendome-demo"]
    ingestor.ingest([failed_logon(n / 10, amboise.id) for n in range(12)])
    ingestor.ingest([failed_logon(n / 10, vendome.id) for n in range(12)])
    amboise_alert = next(a for a in alerts(app) if a.establishment_id == amboise.id)
    assert {(i.kind, i.value) for i in amboise_alert.indicators} >= {("source.ip", "203.0.113.50")}

    make_user("correspondant", Role.SITE_CORRESPONDENT, "ch-amboise-demo")
    make_user("rssi", Role.GHT_RSSI)
    site: HubClient = make_client()
    site.login("correspondant")
    page = html.unescape(site.get(f"/alerts/{amboise_alert.id}").text)
    assert "Aussi en alerte dans d'autres établissements" in page
    assert "1 autre établissement" in page and vendome.short_name not in page
    rssi: HubClient = make_client()
    rssi.login("rssi")
    assert vendome.short_name in rssi.get(f"/alerts/{amboise_alert.id}").text
