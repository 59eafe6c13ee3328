"""The hub's log listener: the connector's listener, fed by the configuration, emitting into the ingest step.

`ght-soc listen` runs it as its own process; `ght-soc demo` runs it in a thread of its single process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from connectors.snmp.traps import TrapReceiver
from connectors.syslog.listener import Attribution, ListenerSettings, LogEvent, SyslogListener
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.detection.detections import Detector
from ght_soc.detection.elastic_engine import ElasticDetector, compile_lucene
from ght_soc.detection.rules import load_rules
from ght_soc.detection.sqlite_engine import SqliteDetector, compile_rules
from ght_soc.events.elastic_store import ElasticEventStore
from ght_soc.events.factory import event_store
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.models import Establishment
from ght_soc.resources import bundled_config_path
from ght_soc.services.connectors import StatusReport, record_statuses
from ght_soc.services.ingest import EventIngestor
from ght_soc.settings import Settings
from ght_soc.trap_listening import TrapHistory, TrapSink, receiver_settings

log = logging.getLogger(__name__)
RECEIVED_PER_ESTABLISHMENT = "journaux reçus"  # the connector row of one establishment, all ports together
_NO_KEY = object()  # no establishment key seen yet in a batch (None is the unattributed one)


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
    folders = [bundled_config_path("rules")] if settings.logs.bundled_rules else []
    folders += [Path(folder) for folder in settings.logs.rules]
    rule_set = load_rules(folders)
    detector: Detector
    if isinstance(store, SqliteEventStore):
        compiled, compile_errors = compile_rules(rule_set)
        detector = SqliteDetector(store, compiled)
    elif isinstance(store, ElasticEventStore):
        store.setup()
        lucene, compile_errors = compile_lucene(rule_set)
        detector = ElasticDetector(store, lucene)
    else:
        raise TypeError(f"no detection engine for {type(store).__name__}")
    for error in (*rule_set.errors, *compile_errors):
        log.error("règle ignorée : %s", error)
    log.info("%d règles de détection actives", len(rule_set.rules) - len(compile_errors))
    return EventIngestor(store=store, detector=detector, unit_of_work=partial(db.session_for, SYSTEM, app))


@dataclass
class _Counters:
    events: int = 0
    errors: int = 0
    last_event_at: datetime | None = None


class IngestSink:
    """What the listener emits into: establishment keys become ids, then the batch is ingested."""

    def __init__(self, app: Flask, ingestor: EventIngestor) -> None:
        with db.session_for(SYSTEM, app) as session:
            self._ids = {e.key: e.id for e in session.scalars(select(Establishment))}
        self._ingestor = ingestor
        self._lock = threading.Lock()
        self.per_establishment: defaultdict[int | None, _Counters] = defaultdict(_Counters)

    def emit(self, record: LogEvent) -> None:
        self.emit_many([record])

    def emit_many(self, records: Iterable[LogEvent]) -> None:
        events = []
        now = datetime.now(UTC)
        with self._lock:
            # Counted per establishment locally, then added once: a batch comes in runs from one sender.
            tallies: dict[int | None, list[int]] = {}
            key: object = _NO_KEY
            tally = [0, 0]
            establishment_id: int | None = None
            for record in records:
                fields = record.fields
                if record.establishment != key:
                    key = record.establishment
                    establishment_id = self._ids.get(record.establishment) if record.establishment else None
                    tally = tallies.setdefault(establishment_id, [0, 0])
                fields["establishment_id"] = establishment_id
                tally[0] += 1
                tally[1] += "event.parse_error" in fields
                events.append(fields)
            for establishment_id, (count, errors) in tallies.items():
                counters = self.per_establishment[establishment_id]
                counters.events += count
                counters.errors += errors
                counters.last_event_at = now
        result = self._ingestor.ingest(events)
        if result.alerts_created:
            log.info("%d alerte(s) levée(s)", result.alerts_created)


class HealthReporter:
    """Writes the listener's health (per port and per establishment) every few seconds."""

    def __init__(
        self,
        app: Flask,
        listener: SyslogListener,
        sink: IngestSink,
        interval: float = 5.0,
        traps: TrapReceiver | None = None,
    ) -> None:
        self._app, self._listener, self._sink, self._interval = app, listener, sink, interval
        self._traps = traps
        self._previous: dict[tuple[str, int | None], tuple[int, float]] = {}

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await asyncio.to_thread(self.report)

    def report(self) -> None:
        now = datetime.now(UTC)
        reports = [
            StatusReport(
                kind="syslog",
                name=name,
                establishment_id=None,
                events=health.events,
                events_per_second=self._rate((name, None), health.events),
                errors=health.parse_errors,
                last_event_at=health.last_event_at,
                healthy=not health.kernel_drops,
                details={
                    "bytes": health.bytes,
                    "truncated": health.truncated,
                    "connections": health.connections,
                    "kernel_drops": health.kernel_drops,
                    "port": self._listener.bound_ports.get(name),
                },
            )
            for name, health in self._listener.health().items()
        ]
        reports += [
            StatusReport(
                kind="snmp-traps",
                name=name,
                establishment_id=None,
                events=health.received,
                events_per_second=self._rate((f"traps:{name}", None), health.received),
                errors=health.malformed + health.auth_failures,
                last_event_at=health.last_trap_at,
                healthy=not health.dropped_sink_full,
                details={
                    "port": self._traps.bound_ports.get(name) if self._traps else None,
                    "unattributed": health.unattributed,
                    "auth_failures": health.auth_failures,
                    "malformed": health.malformed,
                    "informs": health.informs,
                },
            )
            for name, health in (self._traps.health().items() if self._traps else [])
        ]
        reports += [
            StatusReport(
                kind="syslog",
                name=RECEIVED_PER_ESTABLISHMENT,
                establishment_id=establishment_id,
                events=counters.events,
                events_per_second=self._rate((RECEIVED_PER_ESTABLISHMENT, establishment_id), counters.events),
                errors=counters.errors,
                last_event_at=counters.last_event_at,
            )
            for establishment_id, counters in list(self._sink.per_establishment.items())
        ]
        with db.session_for(SYSTEM, self._app) as session:
            record_statuses(session=session, reports=reports, now=now)

    def _rate(self, key: tuple[str, int | None], events: int) -> float:
        now = time.monotonic()
        previous_events, previous_time = self._previous.get(key, (0, now - self._interval))
        self._previous[key] = (events, now)
        return round((events - previous_events) / max(now - previous_time, 1e-6), 1)


class HubListener:
    """The connector's listeners wired to the hub: syslog and SNMP traps into one ingest sink, and health."""

    def __init__(self, app: Flask, health_interval: float = 5.0) -> None:
        config = app.extensions["ght_soc.config"]
        settings: Settings = config.settings
        self.sink = IngestSink(app, build_ingestor(app))
        self.listener = SyslogListener(
            listener_settings(settings),
            attribution(settings),
            self.sink,
            zone=ZoneInfo(settings.logs.senders_timezone),
        )
        traps = receiver_settings(config)
        self.traps = (
            TrapReceiver(traps, TrapSink(self.sink, history=TrapHistory(app))) if traps is not None else None
        )
        self.reporter = HealthReporter(
            app, self.listener, self.sink, interval=health_interval, traps=self.traps
        )
        self._reporting: asyncio.Task[None] | None = None

    async def start(self) -> dict[str, int]:
        await self.listener.start()
        if self.traps is not None:
            await self.traps.start()
        self._reporting = asyncio.create_task(self.reporter.run())
        return {**self.listener.bound_ports, **(self.traps.bound_ports if self.traps else {})}

    async def stop(self) -> None:
        if self.traps is not None:
            await self.traps.stop()
        await self.listener.stop()
        if self._reporting is not None:
            self._reporting.cancel()
            await asyncio.gather(self._reporting, return_exceptions=True)
        await asyncio.to_thread(self.reporter.report)  # the final figures


def run_forever(app: Flask) -> None:
    """Listen until SIGINT or SIGTERM; every event read is stored before returning."""

    async def main() -> None:
        listener = HubListener(app)
        ports = await listener.start()
        log.info("écoute syslog : %s", ports)
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
        self._listener: HubListener | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="syslog-listener", daemon=True)

    def start(self) -> dict[str, int]:
        self._thread.start()
        self._listener = HubListener(self._app)
        return asyncio.run_coroutine_threadsafe(self._listener.start(), self._loop).result(timeout=30)

    def stop(self) -> None:
        if self._listener is not None:
            asyncio.run_coroutine_threadsafe(self._listener.stop(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()
