"""Applying an SNMP poll round to an establishment's network inventory: devices, changes, alerts, findings.

The rules that matter: a failed or partial poll never deletes anything (the last good state stays, and the
device's failure counter says how long it has been silent); a device is reported silent after N consecutive
failed polls, once, never after one lost UDP exchange; interfaces and entities that vanished are removed only
by a complete poll; the first round of a target group records its devices without raising "new device"
alerts (everything would look new). The pages read the inventory through device_queries.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from connectors.snmp.changes import Change, ChangeKind, detect_changes
from connectors.snmp.hygiene import VulnerableFirmware, check_device, check_probe
from connectors.snmp.probes import ProbeResult
from connectors.snmp.records import Device, Interface, PhysicalEntity, PollResult, PollStatus
from ght_soc.domain import AlertSeverity
from ght_soc.models import DeviceChange, DeviceEntity, DeviceFinding, NetworkDevice, NetworkInterface
from ght_soc.services.alerts import NewAlert, ingest_alert

ALERT_SOURCE = "snmp"
ANSWERING_AGAIN = "answering_again"  # a timeline kind of the hub's own: a silent device answers again
_SEVERITY = {
    ChangeKind.NEW_DEVICE: AlertSeverity.LOW,
    ChangeKind.DEVICE_SILENT: AlertSeverity.MEDIUM,
    ChangeKind.FIRMWARE_CHANGED: AlertSeverity.MEDIUM,
    ChangeKind.REBOOTED: AlertSeverity.MEDIUM,
    ChangeKind.CRITICAL_INTERFACE_DOWN: AlertSeverity.HIGH,
}
# Alert titles are stored data read by French teams, like the directory connector's.
_TITLE = {
    ChangeKind.NEW_DEVICE: "Nouvel équipement réseau",
    ChangeKind.DEVICE_SILENT: "Équipement réseau muet",
    ChangeKind.FIRMWARE_CHANGED: "Micrologiciel d'un équipement réseau changé",
    ChangeKind.REBOOTED: "Équipement réseau redémarré",
    ChangeKind.CRITICAL_INTERFACE_DOWN: "Interface critique tombée",
}


@dataclass(frozen=True)
class DevicePolicy:
    """What the configuration says about a target group's devices."""

    silent_after: int = 3
    critical_interfaces: frozenset[str] = frozenset()
    vulnerable: tuple[VulnerableFirmware, ...] = ()


@dataclass(frozen=True)
class PollRoundResult:
    polled: int
    answered: int
    partial: int
    failed: int
    changes: int
    alerts_created: int
    findings: int


def apply_poll(
    *,
    session: Session,
    establishment_id: int,
    target: str,
    results: Sequence[PollResult],
    now: datetime,
    policy: DevicePolicy | None = None,
    probes: Mapping[str, ProbeResult] | None = None,
) -> PollRoundResult:
    """Store one poll round of one target group; flush, never commit.

    `probes` holds the hygiene probes' results by address, when they ran this round.
    """
    policy = policy or DevicePolicy()
    devices = {
        d.address: d
        for d in session.scalars(
            select(NetworkDevice)
            .where(NetworkDevice.establishment_id == establishment_id)
            .options(selectinload(NetworkDevice.interfaces), selectinload(NetworkDevice.entities))
        )
    }
    first_round = not any(d.target == target for d in devices.values())
    counts = {status: 0 for status in PollStatus}
    changed = created = found = 0
    for result in results:
        counts[result.status] += 1
        row = devices.get(result.address)
        previous = _as_record(row, result.establishment) if row is not None else None
        device = result.device if result.status is not PollStatus.FAILED else None
        if device is None:
            if row is None:
                continue  # an address of a range that never answered is not a device
            _record_failure(row, result, now)
        found_changes = detect_changes(
            previous,
            result,
            failed_polls=row.consecutive_failures if row is not None and device is None else 0,
            silent_after=policy.silent_after,
            critical_interfaces=policy.critical_interfaces,
            previous_read_at=row.last_answered_at if row is not None else None,
        )
        if device is not None:
            back = row is not None and row.silent
            row = _store(session, row, establishment_id, target, result, device, now, policy)
            devices[result.address] = row
            if back:
                _timeline(session, row, ANSWERING_AGAIN, "", now, None)
            if result.status is PollStatus.OK:
                found += _record_findings(session, row, device, policy, probes, now)
        assert row is not None  # a failure without a stored device continued above
        for change in found_changes:
            if change.kind is ChangeKind.DEVICE_SILENT:
                row.silent = True
            quiet = first_round and change.kind is ChangeKind.NEW_DEVICE
            alert_id = None if quiet else _raise(session, row, change, result.polled_at)
            created += alert_id is not None
            _timeline(session, row, change.kind.value, change.detail, now, alert_id)
            changed += 1
    session.flush()
    return PollRoundResult(
        polled=len(results),
        answered=counts[PollStatus.OK] + counts[PollStatus.PARTIAL],
        partial=counts[PollStatus.PARTIAL],
        failed=counts[PollStatus.FAILED],
        changes=changed,
        alerts_created=created,
        findings=found,
    )


def _timeline(
    session: Session, row: NetworkDevice, kind: str, detail: str, now: datetime, alert_id: int | None
) -> None:
    if row.id is None:
        session.flush()  # a new device needs its id before its first history line
    session.add(
        DeviceChange(
            establishment_id=row.establishment_id,
            device_id=row.id,
            kind=kind,
            detail=detail[:2000],
            occurred_at=now,
            alert_id=alert_id,
        )
    )


def _raise(session: Session, row: NetworkDevice, change: Change, polled_at: datetime) -> int | None:
    """One alert per occurrence: the poll time is part of the reference, so a later reboot alerts again."""
    label = f"{row.sys_name or row.address} ({row.address})"
    digest = hashlib.sha256(change.detail.encode()).hexdigest()[:12]  # two interfaces down in one poll
    alert, created = ingest_alert(
        session=session,
        establishment_id=row.establishment_id,
        alert=NewAlert(
            source=ALERT_SOURCE,
            source_ref=f"{row.address}:{change.kind.value}:{digest}:{polled_at.isoformat()}",
            title=f"{_TITLE[change.kind]} : {label}",
            severity=_SEVERITY[change.kind],
            occurred_at=polled_at,
            description=f"{label}, groupe {row.target} : {change.detail}",
            raw={"kind": change.kind.value, "address": row.address, "detail": change.detail},
        ),
    )
    return alert.id if created else None


def _record_findings(
    session: Session,
    row: NetworkDevice,
    device: Device,
    policy: DevicePolicy,
    probes: Mapping[str, ProbeResult] | None,
    now: datetime,
) -> int:
    probe = (probes or {}).get(device.address)
    # Without a probe nobody asked the device about v3 or default communities: nothing is claimed.
    findings = (
        check_probe(probe, device, policy.vulnerable)
        if probe is not None
        else check_device(
            device, default_communities_answered=(), answers_v3=True, vulnerable=policy.vulnerable
        )
    )
    current = {(f.kind.value, f.detail[:255]): f for f in findings}
    if row.id is None:
        session.flush()
    rows = {
        (f.kind, f.subject): f
        for f in session.scalars(select(DeviceFinding).where(DeviceFinding.device_id == row.id))
    }
    for key, finding in current.items():
        stored = rows.get(key)
        if stored is None:
            stored = DeviceFinding(
                establishment_id=row.establishment_id,
                device_id=row.id,
                kind=key[0],
                subject=key[1],
                first_seen_at=now,
            )
            session.add(stored)
        stored.detail, stored.updated_at, stored.resolved_at = finding.detail, now, None
    for key, stored in rows.items():
        if key not in current and stored.resolved_at is None:
            stored.resolved_at = now
    return len(current)


def _record_failure(row: NetworkDevice, result: PollResult, now: datetime) -> None:
    """Count the failure and say why; everything the device last showed stays as it was."""
    row.consecutive_failures += 1
    row.poll_status, row.last_polled_at = result.status.value, now
    row.failure_reason = result.reason.value if result.reason else None
    row.failure_detail = result.detail[:2000]


def _store(
    session: Session,
    row: NetworkDevice | None,
    establishment_id: int,
    target: str,
    result: PollResult,
    device: Device,
    now: datetime,
    policy: DevicePolicy,
) -> NetworkDevice:
    """Upsert what the poll read; a partial poll adds and updates, only a complete one removes."""
    if row is None:
        row = NetworkDevice(
            establishment_id=establishment_id, address=device.address, first_seen_at=now, interfaces=[]
        )
        row.entities = []
        session.add(row)
    row.target = target
    row.sys_name, row.sys_descr = device.sys_name[:255], device.sys_descr
    row.sys_object_id, row.vendor = device.sys_object_id[:255], device.vendor
    row.sys_contact, row.sys_location = device.sys_contact[:255], device.sys_location[:255]
    row.uptime_ticks = device.sys_uptime_ticks
    row.poll_status, row.failure_reason = result.status.value, result.reason.value if result.reason else None
    row.failure_detail = result.detail[:2000]
    row.consecutive_failures, row.silent = 0, False
    row.last_polled_at = row.last_answered_at = now
    complete = result.status is PollStatus.OK
    if complete:
        row.last_complete_at = now
    _store_interfaces(row, device.interfaces, complete, now, policy.critical_interfaces)
    _store_entities(row, device.entities, complete)
    chassis = next((e for e in device.entities if e.model or e.serial), None)
    if chassis is not None:
        row.model, row.serial = chassis.model[:255], chassis.serial[:255]
    firmware = next(
        (e.firmware_rev or e.software_rev for e in device.entities if e.firmware_rev or e.software_rev), ""
    )
    if firmware:
        row.firmware = firmware[:255]
    return row


def _store_interfaces(
    row: NetworkDevice,
    interfaces: Sequence[Interface],
    complete: bool,
    now: datetime,
    critical: frozenset[str],
) -> None:
    # Rows are touched only when a value changed: `updated_at` then says since when a port is in its state,
    # and a 500-switch round does not rewrite 24,000 unchanged rows.
    stored = {i.index: i for i in row.interfaces}
    for iface in interfaces:
        values = {
            "name": iface.name[:255],
            "alias": iface.alias[:255],
            "type": iface.type,
            "speed_bps": iface.speed_bps,
            "mac": iface.mac[:64],
            "admin_up": iface.admin_up,
            "oper_up": iface.oper_up,
            "critical": iface.name in critical,
        }
        current = stored.get(iface.index)
        if current is None:
            row.interfaces.append(
                NetworkInterface(
                    establishment_id=row.establishment_id, index=iface.index, updated_at=now, **values
                )
            )
        elif any(getattr(current, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.updated_at = now
    if complete:
        seen = {i.index for i in interfaces}
        row.interfaces[:] = [i for i in row.interfaces if i.index in seen]


def _store_entities(row: NetworkDevice, entities: Sequence[PhysicalEntity], complete: bool) -> None:
    stored = {e.index: e for e in row.entities}
    for entity in entities:
        current = stored.get(entity.index)
        if current is None:
            current = DeviceEntity(establishment_id=row.establishment_id, index=entity.index)
            row.entities.append(current)
        current.description, current.model = entity.description[:255], entity.model[:255]
        current.serial, current.hardware_rev = entity.serial[:255], entity.hardware_rev[:255]
        current.firmware_rev, current.software_rev = entity.firmware_rev[:255], entity.software_rev[:255]
    if complete:
        seen = {e.index for e in entities}
        row.entities[:] = [e for e in row.entities if e.index in seen]


def _as_record(row: NetworkDevice, establishment: str) -> Device:
    """The stored state as the connector's record, for the pure change rules."""
    return Device(
        establishment=establishment,
        address=row.address,
        sys_name=row.sys_name,
        sys_descr=row.sys_descr,
        sys_object_id=row.sys_object_id,
        sys_uptime_ticks=row.uptime_ticks,
        sys_contact=row.sys_contact,
        sys_location=row.sys_location,
        vendor=row.vendor,
        interfaces=tuple(
            Interface(i.index, i.name, i.alias, i.type, i.speed_bps, i.mac, i.admin_up, i.oper_up)
            for i in row.interfaces
        ),
        entities=tuple(
            PhysicalEntity(
                e.index, e.description, e.model, e.serial, e.hardware_rev, e.firmware_rev, e.software_rev
            )
            for e in row.entities
        ),
    )
