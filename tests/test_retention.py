"""Retention: each establishment's events go after its own number of days; the job is scheduled once a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from ght_soc.access import SYSTEM, Scope
from ght_soc.database import db
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.events.store import EventQuery
from ght_soc.scheduler import build_scheduler
from ght_soc.services.retention import UNATTRIBUTED, purge_expired_events
from tests.conftest import Establishments

NOW = datetime(2026, 11, 22, 3, 17, tzinfo=UTC)


def aged(days: int, establishment_id: int | None) -> dict[str, object]:
    return {"@timestamp": (NOW - timedelta(days=days)).isoformat(), "establishment_id": establishment_id}


def test_each_establishment_keeps_its_events_for_its_own_retention(
    app: Flask, event_store: SqliteEventStore, establishments: Establishments
) -> None:
    chu, ch = (
        establishments["chu-tours-demo"].id,
        establishments["ch-amboise-demo"].id,
    )  # 365 days, default 180
    event_store.write([aged(200, chu), aged(400, chu), aged(100, ch), aged(200, ch), aged(200, None)])
    with db.session_for(SYSTEM, app) as session:
        settings = app.extensions["ght_soc.config"].settings
        report = purge_expired_events(session=session, store=event_store, settings=settings, now=NOW)
    assert report.deleted["chu-tours-demo"] == 1 and report.deleted["ch-amboise-demo"] == 1
    assert report.deleted[UNATTRIBUTED] == 1 and report.total == 3
    remaining = event_store.search(EventQuery(), Scope.everything()).events
    assert sorted((e["establishment_id"], e["@timestamp"][:10]) for e in remaining) == [
        (chu, "2026-05-06"),
        (ch, "2026-08-14"),
    ]


def test_the_scheduler_registers_the_retention_job_at_night(app: Flask) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = build_scheduler(app, BackgroundScheduler(timezone="UTC"))
    job = scheduler.get_job("purge-events")
    assert job is not None
    # 03:17 in Paris: after NOW (04:17 in Paris), the next run is the following night, 02:17 UTC in winter
    assert job.trigger.get_next_fire_time(None, NOW) == datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
