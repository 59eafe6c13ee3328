"""The hub's data: database migrations, event retention, the audit log's verification."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ght_soc import migrate
from ght_soc.access import SYSTEM
from ght_soc.cli.root import config_option, ensure_sqlite_folder, load_or_exit, main


@main.group("db")
def db_group() -> None:
    """Schema migrations (Alembic)."""


@db_group.command("upgrade")
@config_option
@click.argument("revision", default="head")
def db_upgrade(config_path: Path | None, revision: str) -> None:
    config = load_or_exit(config_path)
    ensure_sqlite_folder(config.database_url)
    migrate.upgrade(config.database_url, revision)


@db_group.command("downgrade")
@config_option
@click.argument("revision")
def db_downgrade(config_path: Path | None, revision: str) -> None:
    migrate.downgrade(load_or_exit(config_path).database_url, revision)


@main.group()
def events() -> None:
    """The event store."""


@events.command("purge")
@config_option
def events_purge(config_path: Path | None) -> None:
    """Apply the retention now: delete each establishment's events older than its retention."""
    from ght_soc.app import create_app
    from ght_soc.scheduler import purge_events
    from ght_soc.services.retention import PurgeReport

    app = create_app(load_or_exit(config_path))
    report = purge_events(app)
    assert isinstance(report, PurgeReport)
    for key, deleted in report.deleted.items():
        click.echo(f"{key}\t{deleted}")
    click.echo(f"total\t{report.total}")


# --- security hardening: the audit log (ght_soc/services/audit.py) ------------------------------------------
@main.group()
def audit() -> None:
    """The hash-chained audit log of security-relevant actions."""


@audit.command("verify")
@config_option
def audit_verify(config_path: Path | None) -> None:
    """Check the whole chain; exit 1 naming the first edited, deleted or inserted row."""
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.services.audit import verify

    app = create_app(load_or_exit(config_path))
    try:
        with db.session_for(SYSTEM, app) as session:
            report = verify(session)
    finally:
        db.dispose(app)
    if report.problem is not None:
        row = report.problem.event_id
        click.echo(
            f"Journal d'audit altéré ({report.problem.breach.value}) à l'entrée {row} : "
            f"{report.problem.explanation} ; {report.checked} entrée(s) intègre(s) avant elle.",
            err=True,
        )
        sys.exit(1)
    # The head hash, noted elsewhere (ticket, paper), is what later proves this state of the log.
    click.echo(f"Journal d'audit intègre : {report.checked} entrée(s), empreinte de tête {report.head_hash}")
