"""The scheduler process carries every periodic job of the hub, each once."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from ght_soc.scheduler import build_scheduler


def test_the_scheduler_registers_every_periodic_job(app: Flask) -> None:
    scheduler = build_scheduler(app, BackgroundScheduler(timezone="UTC"))
    assert {job.id for job in scheduler.get_jobs()} >= {
        "purge-events",  # retention, nightly
        "outbox",  # mails and webhooks, with retries
        "playbooks",  # run timers, reminders and escalations
        "playbooks-resume",  # once at start: runs go on where they were
        "declaration-reminders",
        "governance-reminders",
    }
