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
from ght_soc.declarations_runtime import reminders_job as declaration_reminders_job
from ght_soc.device_polling import add_poll_jobs
from ght_soc.directory_sync import DirectoryRef, configured_directories, due, run_directory
from ght_soc.events.factory import event_store
from ght_soc.mail import mailer_from_config
from ght_soc.services.notifications import deliver_pending
from ght_soc.services.retention import purge_expired_events
from ght_soc.webhooks import poster_from_config

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


def governance_reminders(app: Flask) -> object:
    """Daily governance: today's maturity snapshot, then reminders (designations ending, exercise, budget)."""
    from ght_soc.governance_runtime import catalogue_of
    from ght_soc.services.governance_reminders import OutboxNotifier, run_reminders
    from ght_soc.services.maturity import take_snapshots

    catalogue = catalogue_of(app)
    with db.session_for(SYSTEM, app) as session:
        notifier = app.extensions.get("ght_soc.governance.notifier") or OutboxNotifier(
            session=session, now=now()
        )
        take_snapshots(session=session, catalogue=catalogue, today=now().date())
        sent = run_reminders(session=session, catalogue=catalogue, now=now(), notifier=notifier)
    log.info("governance: %d new reminder(s)", len(sent))
    return len(sent)


JOBS: tuple[Job, ...] = (
    Job(id="purge-events", run=purge_events, trigger=CronTrigger(hour=3, minute=17, timezone="Europe/Paris")),
    Job(
        id="governance-reminders",
        run=governance_reminders,
        trigger=CronTrigger(hour=6, minute=43, timezone="Europe/Paris"),
    ),
)


OUTBOX_INTERVAL_SECONDS = 15
OUTBOX_BATCH = 10
OUTBOX_MAX_BATCHES = 20


def deliver_notifications(app: Flask) -> object:
    """The outbox: send due mails and webhooks, each small batch committed on its own so a crash mid-run
    re-sends at most one batch."""
    config = app.extensions["ght_soc.config"]
    mailer, poster = mailer_from_config(config), poster_from_config(config)
    handled = 0
    for _ in range(OUTBOX_MAX_BATCHES):
        with db.session_for(SYSTEM, app) as session:
            report = deliver_pending(session, now=now(), mailer=mailer, poster=poster, limit=OUTBOX_BATCH)
        done = report.sent + report.retried + report.failed
        handled += done
        if report.retried or report.failed:
            log.warning("outbox: %d sent, %d to retry, %d failed", report.sent, report.retried, report.failed)
        # A short batch: nothing more is due. A retry: the relay is probably down, and each further row would
        # wait out its own timeout; the next run tries again.
        if done < OUTBOX_BATCH or report.retried:
            break
    return handled


PLAYBOOK_TICK_SECONDS = 10


def resume_playbooks(app: Flask) -> object:
    """At start: actions caught mid-way by a stop wait for a person; every running run goes on from its rows."""
    from ght_soc.playbooks.hub import playbook_hub

    engine = playbook_hub(app).engine(app)
    with db.session_for(SYSTEM, app) as session:
        resumed = engine.resume(session, now=now())
    log.info("playbooks: %d running run(s) resumed", resumed)
    return resumed


def tick_playbooks(app: Flask) -> object:
    """Timers of the runs: waits that end, retries that are due, reminders and escalations of late steps."""
    from ght_soc.playbooks import escalation
    from ght_soc.playbooks.hub import playbook_hub

    engine = playbook_hub(app).engine(app)
    link = app.extensions["ght_soc.config"].settings.hub.public_url.rstrip("/")
    settings = app.extensions["ght_soc.config"].settings
    if settings.incidents.auto_open:
        from ght_soc.services.auto_open import auto_open

        with db.session_for(SYSTEM, app) as session:
            opened = auto_open(
                session=session,
                rules=settings.incidents.auto_open,
                engine=engine,
                library=playbook_hub(app).library,
                events=event_store(app),
                now=now(),
            )
        for item in opened:
            log.warning("incident %s opened automatically", item.incident.reference)
    with db.session_for(SYSTEM, app) as session:
        return escalation.tick(engine, session, now=now(), link=link)


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
    add_poll_jobs(scheduler, app)
    scheduler.add_job(
        tick_playbooks,
        trigger=IntervalTrigger(seconds=PLAYBOOK_TICK_SECONDS),
        args=[app],
        id="playbooks",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=60,
    )
    # Once, as soon as the scheduler runs: a restarted hub picks its runs up where they were.
    scheduler.add_job(resume_playbooks, args=[app], id="playbooks-resume", replace_existing=True)
    scheduler.add_job(
        deliver_notifications,
        trigger=IntervalTrigger(seconds=OUTBOX_INTERVAL_SECONDS),
        args=[app],
        id="outbox",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=60,
    )
    # National declarations: reminders before each deadline and when overdue (idempotent, so every minute).
    scheduler.add_job(
        declaration_reminders_job,
        trigger=IntervalTrigger(minutes=1),
        args=[app],
        id="declaration-reminders",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=300,
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
