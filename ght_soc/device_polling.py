"""Running an SNMP poll round for the hub: the poller from the configuration, applied to the inventory.

The CLI (`ght-soc connectors run KEY/NAME`) and the scheduler call the same `run_poll`. Its health lands in
the connector status table: devices answered, duration, the failures and why, and a backoff when nothing at
all answered (the network or the credentials are down, not one device).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from connectors.base import CollectingSink, ConnectorError
from connectors.snmp.hygiene import VulnerableFirmware
from connectors.snmp.poller import SnmpPoller
from connectors.snmp.probes import ProbeResult, SnmpProber
from connectors.snmp.records import PollResult, PollStatus
from connectors.snmp.settings import (
    Credentials,
    EstablishmentTargets,
    PollerSettings,
    V2cCredentials,
    V3Credentials,
)
from ght_soc.access import SYSTEM
from ght_soc.database import db
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
from ght_soc.services.devices import DevicePolicy, PollRoundResult, apply_poll
from ght_soc.settings import LoadedConfig, SnmpConfig

log = logging.getLogger(__name__)
KIND = "snmp"
MAX_BACKOFF = timedelta(hours=1)  # a device group: seen again within the hour once back
ERRORS_SHOWN = 20  # the status row names the first failing devices, not all of a dead /20


@dataclass(frozen=True)
class TargetGroupRef(ConnectorRef):
    kind: ClassVar[str] = KIND


def configured_groups(config: LoadedConfig) -> list[TargetGroupRef]:
    """Every SNMP target group of the configuration."""
    return [TargetGroupRef(e.key, s.name) for e in config.settings.establishments for s in e.snmp]


def group_config(config: LoadedConfig, ref: TargetGroupRef) -> SnmpConfig:
    """The configuration of one target group."""
    return next(s for s in config.settings.establishment(ref.establishment).snmp if s.name == ref.name)


def credentials(config: LoadedConfig, ref: TargetGroupRef) -> Credentials:
    """The group's community or v3 user, with the secrets read from the environment at load time."""
    item = group_config(config, ref)
    if item.version == "v2c":
        return V2cCredentials(config.secrets.snmp_communities[ref.label])
    assert item.v3 is not None  # the configuration refuses v3 without a user
    auth, priv = config.secrets.snmp_v3_keys[ref.label]
    return V3Credentials(item.v3.user, auth, priv)


def poller_settings(config: LoadedConfig, ref: TargetGroupRef) -> PollerSettings:
    """The connector's settings for one target group."""
    item = group_config(config, ref)
    targets = EstablishmentTargets(
        key=ref.establishment,
        credentials=credentials(config, ref),
        hosts=item.hosts,
        networks=tuple(str(n) for n in item.networks),
        port=item.port,
    )
    return PollerSettings(
        targets=(targets,),
        concurrency=item.concurrency,
        timeout_s=item.timeout_seconds,
        retries=item.retries,
        probe_default_communities=item.probe_default_communities,
    )


def device_policy(config: LoadedConfig, ref: TargetGroupRef) -> DevicePolicy:
    """What the hub makes of the group's answers: silence threshold, critical ports, vulnerable firmware."""
    item = group_config(config, ref)
    return DevicePolicy(
        silent_after=item.silent_after,
        critical_interfaces=frozenset(item.critical_interfaces),
        vulnerable=tuple(
            VulnerableFirmware(v.vendor, v.revision, v.advisory) for v in item.vulnerable_firmware
        ),
    )


def address_count(config: LoadedConfig, ref: TargetGroupRef) -> int:
    """How many addresses a round polls: the length of the progress bar."""
    return sum(len(t.addresses()) for t in poller_settings(config, ref).targets)


class _Collector:
    """Keeps the round's results (applied in one unit of work) and reports progress."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.results: list[PollResult] = []
        self._progress = progress

    def emit(self, record: PollResult) -> None:
        self.results.append(record)
        if self._progress is not None:
            self._progress(1)

    def emit_many(self, records: Iterable[PollResult]) -> None:
        for record in records:
            self.emit(record)


def collect(
    settings: PollerSettings, progress: Callable[[int], None] | None = None
) -> tuple[list[PollResult], dict[str, ProbeResult]]:
    """Run one poll round, then the hygiene probes on the addresses that answered, in one event loop."""
    collector = _Collector(progress)
    probed: CollectingSink[ProbeResult] = CollectingSink()

    async def run() -> None:
        poller = SnmpPoller(settings, collector)
        try:
            await poller.poll()
        finally:
            poller.close()
        # Only devices that answered are probed: a dead range would cost every probe's timeout again.
        answered = {r.address for r in collector.results if r.status is not PollStatus.FAILED}
        targets = tuple(
            replace(t, hosts=tuple(a for a in t.addresses() if a in answered), networks=())
            for t in settings.targets
        )
        await SnmpProber(replace(settings, targets=targets), probed).run()

    asyncio.run(run())
    return collector.results, {p.address: p for p in probed.records}


def run_poll(
    app: Flask, ref: TargetGroupRef, progress: Callable[[int], None] | None = None
) -> tuple[PollRoundResult | None, str | None]:
    """Poll one target group now and store the round: (result, error). An error is recorded, with a backoff."""
    config: LoadedConfig = app.extensions["ght_soc.config"]
    started = datetime.now(UTC)
    try:
        results, probes = collect(poller_settings(config, ref), progress)
    except (ConnectorError, OSError) as failure:
        _report(app, ref, started, None, [], error=str(failure))
        return None, str(failure)
    with db.session_for(SYSTEM, app) as session:
        result = apply_poll(
            session=session,
            establishment_id=establishment_id(session, ref.establishment),
            target=ref.name,
            results=results,
            now=datetime.now(UTC),
            policy=device_policy(config, ref),
            probes=probes,
        )
    error = "aucun équipement n'a répondu" if results and result.answered == 0 else None
    _report(app, ref, started, result, results, error=error)
    return result, error


def due(app: Flask, ref: TargetGroupRef, now: datetime) -> bool:
    """False while a group where nothing answered waits out its backoff."""
    return not waiting(_status(app, ref), now)


def _status(app: Flask, ref: TargetGroupRef) -> ConnectorStatus | None:
    with db.session_for(SYSTEM, app) as session:
        return status_of(session, ref)


def _report(
    app: Flask,
    ref: TargetGroupRef,
    started: datetime,
    result: PollRoundResult | None,
    results: list[PollResult],
    error: str | None,
) -> None:
    previous = _status(app, ref)
    failures = (int(previous.details.get("failures", 0)) if previous is not None else 0) + 1 if error else 0
    now = datetime.now(UTC)
    duration = round((now - started).total_seconds(), 2)
    answered = result.answered if result is not None else 0
    details: dict[str, object] = {
        "duration_s": duration,
        "error": error,
        "failures": failures,
        "polled": len(results),
        "answered": answered,
        "partial": result.partial if result is not None else 0,
        "failed": result.failed if result is not None else 0,
        "devices_failing": [
            {"address": r.address, "status": r.status.value, "reason": r.reason.value if r.reason else None}
            for r in results
            if r.status is not PollStatus.OK
        ][:ERRORS_SHOWN],
    }
    if error:
        details["retry_at"] = retry_at(now, failures, MAX_BACKOFF).isoformat()
        log.error("snmp %s : %s", ref.label, error)
    with db.session_for(SYSTEM, app) as session:
        record_statuses(
            session=session,
            reports=[
                StatusReport(
                    kind=KIND,
                    name=ref.name,
                    establishment_id=establishment_id(session, ref.establishment),
                    events=answered,
                    events_per_second=round(answered / max(duration, 0.001), 1),
                    errors=(result.failed + result.partial) if result is not None else failures,
                    last_event_at=now if answered else (previous.last_event_at if previous else None),
                    healthy=error is None,
                    details=details,
                )
            ],
            now=now,
        )


def scheduled_poll(app: Flask, ref: TargetGroupRef) -> object:
    """One target group's periodic round, skipped while it waits out a backoff."""
    if not due(app, ref, datetime.now(UTC)):
        return None
    return run_poll(app, ref)


def add_poll_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    """Register one job per target group at its configured interval (the scheduler process calls this)."""
    config: LoadedConfig = app.extensions["ght_soc.config"]
    for ref in configured_groups(config):
        scheduler.add_job(
            scheduled_poll,
            trigger=IntervalTrigger(minutes=group_config(config, ref).interval_minutes),
            args=[app, ref],
            id=f"snmp:{ref.label}",
            replace_existing=True,
            coalesce=True,  # a round that overran its interval is not run twice to catch up
            max_instances=1,
            misfire_grace_time=120,
        )
