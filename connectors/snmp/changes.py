"""Pure change detection: previous and new device state in, typed change events out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from connectors.snmp.records import Device, PollResult, PollStatus


class ChangeKind(StrEnum):
    """Changes worth a timeline event."""

    NEW_DEVICE = "new_device"
    DEVICE_SILENT = "device_silent"
    FIRMWARE_CHANGED = "firmware_changed"
    REBOOTED = "rebooted"
    CRITICAL_INTERFACE_DOWN = "critical_interface_down"


@dataclass(frozen=True)
class Change:
    """One detected change on one device."""

    kind: ChangeKind
    establishment: str
    address: str
    detail: str = ""


def _firmware(device: Device) -> tuple[str, ...]:
    return tuple(e.firmware_rev or e.software_rev for e in device.entities)


def detect_changes(
    previous: Device | None,
    result: PollResult,
    *,
    failed_polls: int,
    silent_after: int = 3,
    critical_interfaces: frozenset[str] = frozenset(),
) -> list[Change]:
    """Compare the last known device with a new poll result.

    `failed_polls` counts consecutive failures including this one; a device is reported silent only when the
    count reaches `silent_after` exactly (once, not on every later failure, and never on one lost poll).
    """
    est, addr = result.establishment, result.address
    if result.status is PollStatus.FAILED or result.device is None:
        if previous is not None and failed_polls == silent_after:
            return [Change(ChangeKind.DEVICE_SILENT, est, addr, f"{failed_polls} consecutive failed polls")]
        return []
    new = result.device
    if previous is None:
        return [Change(ChangeKind.NEW_DEVICE, est, addr, new.sys_descr)]
    changes: list[Change] = []
    if new.sys_uptime_ticks < previous.sys_uptime_ticks:
        changes.append(Change(ChangeKind.REBOOTED, est, addr, f"sysUpTime {new.sys_uptime_ticks} ticks"))
    # A partial poll may miss entities: only compare firmware when the inventory is complete.
    if result.status is PollStatus.OK and new.entities and _firmware(new) != _firmware(previous):
        changes.append(
            Change(ChangeKind.FIRMWARE_CHANGED, est, addr, f"{_firmware(previous)} -> {_firmware(new)}")
        )
    was_up = {i.name for i in previous.interfaces if i.oper_up}
    for iface in new.interfaces:
        if iface.name in critical_interfaces and iface.name in was_up and not iface.oper_up:
            changes.append(Change(ChangeKind.CRITICAL_INTERFACE_DOWN, est, addr, iface.name))
    return changes
