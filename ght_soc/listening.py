"""The hub's log listener: the connector's listener, fed by the configuration, emitting into the ingest step.

`ght-soc listen` runs it as its own process; `ght-soc demo` runs it in a thread of its single process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from connectors.syslog.listener import Attribution, ListenerSettings, LogEvent, SyslogListener
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.detection.rules import load_rules
from ght_soc.detection.sqlite_engine import SqliteDetector, compile_rules
from ght_soc.events.factory import event_store
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.models import Establishment
from ght_soc.resources import bundled_config_path
from ght_soc.services.ingest import EventIngestor
from ght_soc.settings import Settings

log = logging.getLogger(__name__)


def listener_settings(settings: Settings) -> list[ListenerSettings]:
    return [
        ListenerSettings(
            name=item.name,
            protocol=item.protocol,
            port=item.port,
            host=item.host,
            establishment=item.establishment,
            certificate=Path(item.certificate) if item.certificate else None,
            key=Path(item.key) if item.key else None,
            client_ca=Path(item.client_ca) if item.client_ca else None,
        )
        for item in settings.logs.listeners
    ]


def attribution(settings: Settings) -> Attribution:
    return Attribution(
        senders={e.key: [str(network) for network in e.log_senders] for e in settings.establishments},
        tls_subjects={e.key: list(e.log_tls_subjects) for e in settings.establishments},
    )


def build_ingestor(app: Flask) -> EventIngestor:
    """The store, and the rules compiled for it; a rule that fails to load is logged, the others run."""
    settings: Settings = app.extensions["ght_soc.config"].settings
    store = event_store(app)
    detector = None
    if isinstance(store, SqliteEventStore):
        folders = [bundled_config_path("rules")] if settings.logs.bundled_rules else []
        folders += [Path(folder) for folder in settings.logs.rules]
        rule_set = load_rules(folders)
        compiled, compile_errors = compile_rules(rule_set)
        for error in (*rule_set.errors, *compile_errors):
            log.error("règle ignorée : %s", error)
        detector = SqliteDetector(store, compiled)
        log.info("%d règles de détection actives", len(compiled))
    else:
        log.warning(
            "détection Sigma non disponible sur ce magasin d'événements : événements stockés seulement"
        )
    return EventIngestor(store=store, detector=detector, unit_of_work=partial(db.session_for, SYSTEM, app))


class IngestSink:
    """What the listener emits into: establishment keys become ids, then the batch is ingested."""

    def __init__(self, app: Flask, ingestor: EventIngestor) -> None:
        with db.session_for(SYSTEM, app) as session:
            self._ids = {e.key: e.id for e in session.scalars(select(Establishment))}
        self._ingestor = ingestor

    def emit(self, record: LogEvent) -> None:
        self.emit_many([record])

    def emit_many(self, records: Iterable[LogEvent]) -> None:
        events = []
        for record in records:
            fields = record.fields
            fields["establishment_id"] = self._ids.get(record.establishment) if record.establishment else None
            events.append(fields)
        result = self._ingestor.ingest(events)
        if result.alerts_created:
            log.info("%d alerte(s) levée(s)", result.alerts_created)


def make_listener(app: Flask) -> SyslogListener:
    settings: Settings = app.extensions["ght_soc.config"].settings
    return SyslogListener(
        listener_settings(settings),
        attribution(settings),
        IngestSink(app, build_ingestor(app)),
        zone=ZoneInfo(settings.logs.senders_timezone),
    )


def run_forever(app: Flask) -> None:
    """Listen until SIGINT or SIGTERM; every event read is stored before returning."""

    async def main() -> None:
        listener = make_listener(app)
        await listener.start()
        log.info("écoute syslog : %s", listener.bound_ports)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await stopping.wait()
        await listener.stop()

    asyncio.run(main())


class BackgroundListener:
    """The listener in a thread of its own (the demo's single process)."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._loop = asyncio.new_event_loop()
        self._listener: SyslogListener | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="syslog-listener", daemon=True)

    def start(self) -> dict[str, int]:
        self._thread.start()
        self._listener = make_listener(self._app)
        asyncio.run_coroutine_threadsafe(self._listener.start(), self._loop).result(timeout=30)
        return self._listener.bound_ports

    def stop(self) -> None:
        if self._listener is not None:
            asyncio.run_coroutine_threadsafe(self._listener.stop(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()
