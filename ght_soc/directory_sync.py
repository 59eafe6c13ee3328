"""Running a directory sync for the hub: the connector from the configuration, applied to the inventory.

The CLI (`ght-soc connectors run`) and the scheduler call the same `run_directory`. Its health lands in
the connector status table: entries read, duration, error, and a backoff after failures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from flask import Flask

from connectors.base import ConnectorError
from connectors.ldap.connector import LdapConnector
from connectors.ldap.hygiene import HygieneThresholds
from connectors.ldap.records import DirectoryRecord, SyncSummary
from connectors.ldap.settings import LdapSettings
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.directory_settings import ldap_settings
from ght_soc.models import ConnectorStatus
from ght_soc.services.connectors import (
    ConnectorRef,
    StatusReport,
    establishment_id,
    record_statuses,
    retry_at,
    status_of,
    waiting,
)
from ght_soc.services.directories import DirectorySyncResult, apply_sync
from ght_soc.settings import LoadedConfig

log = logging.getLogger(__name__)
KIND = "ldap"
FULL_SYNC_EVERY = timedelta(hours=24)
MAX_BACKOFF = timedelta(hours=6)  # a directory down for the night is not hammered


@dataclass(frozen=True)
class DirectoryRef(ConnectorRef):
    kind: ClassVar[str] = KIND


def configured_directories(config: LoadedConfig) -> list[DirectoryRef]:
    return [DirectoryRef(e.key, d.name) for e in config.settings.establishments for d in e.directories]


def connector_settings(config: LoadedConfig, ref: DirectoryRef) -> LdapSettings:
    establishment = config.settings.establishment(ref.establishment)
    item = next(d for d in establishment.directories if d.name == ref.name)
    return ldap_settings(config, ref.establishment, item)


class _Collector:
    """Keeps the records (the inventory needs the whole view to resolve nested groups) and reports progress."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.records: list[DirectoryRecord] = []
        self._progress = progress

    def emit(self, record: DirectoryRecord) -> None:
        self.records.append(record)
        if self._progress is not None:
            self._progress(1)

    def emit_many(self, records: Iterable[DirectoryRecord]) -> None:
        for record in records:
            self.emit(record)


def last_entry_count(app: Flask, ref: DirectoryRef) -> int | None:
    """How many entries the last sync read: the length of the next progress bar."""
    status = _status(app, ref)
    return status.events if status is not None else None


def incremental_start(app: Flask, ref: DirectoryRef, now: datetime) -> str | None:
    """The watermark to sync from, or None for a full sync: none yet, or the last full one is a day old.

    Only full syncs conclude deletions, so one runs at least daily; a change of domain controller is caught
    after the sync (its USNs are its own) and the next run is full.
    """
    status = _status(app, ref)
    if status is None:
        return None
    watermark, last_full = status.details.get("watermark"), status.details.get("last_full_at")
    if not watermark or not last_full or now - datetime.fromisoformat(str(last_full)) > FULL_SYNC_EVERY:
        return None
    # A USN watermark is the highest seen: start above it. A modifyTimestamp restarts at its second (>=).
    return str(int(watermark) + 1) if str(watermark).isdigit() else str(watermark)


def run_directory(
    app: Flask, ref: DirectoryRef, progress: Callable[[int], None] | None = None, incremental: bool = False
) -> tuple[SyncSummary | None, DirectorySyncResult | None, str | None]:
    """Sync one directory now: (summary, result, error). A connection or bind failure is an error, recorded."""
    config: LoadedConfig = app.extensions["ght_soc.config"]
    started = datetime.now(UTC)
    collector = _Collector(progress)
    since = incremental_start(app, ref, started) if incremental else None
    try:
        summary = LdapConnector(connector_settings(config, ref), collector).sync(since=since)
    except ConnectorError as failure:
        _report(app, ref, started, entries=0, error=str(failure))
        return None, None, str(failure)
    with db.session_for(SYSTEM, app) as session:
        hygiene = config.settings.ldap_hygiene
        result = apply_sync(
            session=session,
            establishment_id=establishment_id(session, ref.establishment),
            directory=ref.name,
            records=collector.records,
            summary=summary,
            now=datetime.now(UTC),
            thresholds=HygieneThresholds(
                hygiene.inactive_days, hygiene.privileged_password_max_days, hygiene.krbtgt_password_max_days
            ),
        )
    _report(app, ref, started, entries=summary.entries, error=summary.error, summary=summary)
    return summary, result, summary.error


def due(app: Flask, ref: DirectoryRef, now: datetime) -> bool:
    """False while a failed directory waits out its backoff."""
    return not waiting(_status(app, ref), now)


def _status(app: Flask, ref: DirectoryRef) -> ConnectorStatus | None:
    with db.session_for(SYSTEM, app) as session:
        return status_of(session, ref)


def _report(
    app: Flask,
    ref: DirectoryRef,
    started: datetime,
    entries: int,
    error: str | None,
    summary: SyncSummary | None = None,
) -> None:
    previous = _status(app, ref)
    kept = dict(previous.details) if previous is not None else {}
    failures = (int(previous.details.get("failures", 0)) if previous is not None else 0) + 1 if error else 0
    now = datetime.now(UTC)
    duration = round((now - started).total_seconds(), 2)
    details: dict[str, object] = {
        "duration_s": duration,
        "error": error,
        "failures": failures,
        "watermark": kept.get("watermark"),
        "last_full_at": kept.get("last_full_at"),
        "server": kept.get("server"),
        "mode": summary.mode if summary is not None else None,
    }
    if summary is not None and summary.complete:
        if kept.get("server") and summary.server_identity != kept.get("server"):
            details["last_full_at"] = (
                None  # another DC answered: its USNs mean nothing here, next run is full
            )
        elif summary.mode == "full":
            details["last_full_at"] = now.isoformat()
        if summary.entries or summary.mode == "full":  # an empty incremental saw nothing: keep the old one
            details["watermark"] = summary.watermark
        details["server"] = summary.server_identity
    if error:
        details["retry_at"] = retry_at(now, failures, MAX_BACKOFF).isoformat()
        log.error("annuaire %s : %s", ref.label, error)
    with db.session_for(SYSTEM, app) as session:
        record_statuses(
            session=session,
            reports=[
                StatusReport(
                    kind=KIND,
                    name=ref.name,
                    establishment_id=establishment_id(session, ref.establishment),
                    events=entries if not error else (previous.events if previous is not None else 0),
                    events_per_second=round(entries / max(duration, 0.001), 1),
                    errors=failures,
                    last_event_at=now
                    if not error
                    else (previous.last_event_at if previous is not None else None),
                    healthy=error is None,
                    details=details,
                )
            ],
            now=now,
        )


def sync_demo_directory(app: Flask, establishment_key: str) -> DirectorySyncResult | None:
    """`ght-soc demo`: start a small AD-like slapd, sync it once for `establishment_key`, stop it.

    None when slapd is not installed (the bootstrap installs it; the demo runs without it all the same).
    """
    import shutil

    from ght_soc.demo_directory import DEMO_PASSWORD, DEMO_SERVICE_ACCOUNT, AdLikeSlapd, demo_entries

    if shutil.which("slapd") is None and not Path("/usr/sbin/slapd").exists():
        return None
    server = AdLikeSlapd(demo_entries())
    server.start()
    try:
        settings = LdapSettings(
            establishment=establishment_key,
            uri=server.ldap_uri,
            bind_dn=DEMO_SERVICE_ACCOUNT,
            password=DEMO_PASSWORD,
            base_dns=(server.suffix,),
            start_tls=False,
            allow_plain_ldap=True,
        )
        collector = _Collector(None)
        summary = LdapConnector(settings, collector).sync()
    finally:
        server.stop()
    with db.session_for(SYSTEM, app) as session:
        return apply_sync(
            session=session,
            establishment_id=establishment_id(session, establishment_key),
            directory="ad-demo",
            records=collector.records,
            summary=summary,
            now=datetime.now(UTC),
        )
