"""The scheduler process: periodic jobs run by one APScheduler instance, never inside web workers.

Several web workers would each run every job; `ght-soc scheduler` is its own process in production, and
`ght-soc demo` starts it in the background of its single process. Jobs are plain functions of the app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.directory_sync import DirectoryRef, configured_directories, due, run_directory
from ght_soc.events.factory import event_store
from ght_soc.services.retention import purge_expired_events

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[[Flask], object]
    trigger: CronTrigger


def purge_events(app: Flask) -> object:
    """Daily retention: delete what each establishment no longer keeps."""
    with db.session_for(SYSTEM, app) as session:
        report = purge_expired_events(
            session=session,
            store=event_store(app),
            settings=app.extensions["ght_soc.config"].settings,
            now=now(),
        )
    log.info("retention: %d events purged %s", report.total, report.deleted)
    return report


JOBS: tuple[Job, ...] = (
    Job(id="purge-events", run=purge_events, trigger=CronTrigger(hour=3, minute=17, timezone="Europe/Paris")),
)


def sync_directory(app: Flask, ref: DirectoryRef) -> object:
    """One directory's periodic sync, skipped while it waits out a backoff after failures."""
    if not due(app, ref, now()):
        return None
    return run_directory(app, ref, incremental=True)


def build_scheduler(app: Flask, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """A scheduler with every job registered (not started)."""
    scheduler = scheduler or BackgroundScheduler(timezone="UTC")
    config = app.extensions["ght_soc.config"]
    for ref in configured_directories(config):
        establishment = config.settings.establishment(ref.establishment)
        minutes = next(d.interval_minutes for d in establishment.directories if d.name == ref.name)
        scheduler.add_job(
            sync_directory,
            trigger=IntervalTrigger(minutes=minutes),
            args=[app, ref],
            id=f"ldap:{ref.label}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=600,
        )
    for job in JOBS:
        scheduler.add_job(
            job.run,
            trigger=job.trigger,
            args=[app],
            id=job.id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
    return scheduler
