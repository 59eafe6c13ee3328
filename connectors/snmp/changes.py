"""Pure change detection: previous and new device state in, typed change events out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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


# sysUpTime is a TimeTicks (hundredths of a second, 32 bits): it wraps to 0 after 497 days and 2 h of uptime.
TICKS_WRAP = 2**32
# How far from where the wrap puts it the counter may read: the poll round's own duration (the previous reading's
# time is when it was stored) and a device clock's drift, about 1 % at worst.
_WRAP_TOLERANCE = timedelta(minutes=1)


def rebooted(previous_ticks: int, new_ticks: int, elapsed: timedelta | None) -> bool:
    """Whether the uptime going back means a restart. A counter that went past 2^32 during `elapsed` (the time
    between the two readings) and now reads where the wrap puts it is the same boot, not a reboot."""
    if new_ticks >= previous_ticks:
        return False
    if elapsed is None:
        return True
    expected = previous_ticks + int(elapsed.total_seconds() * 100)
    if expected < TICKS_WRAP:
        return True
    slack = max(_WRAP_TOLERANCE, elapsed / 100).total_seconds() * 100
    return abs(new_ticks - expected % TICKS_WRAP) > slack


def _firmware(device: Device) -> tuple[str, ...]:
    return tuple(e.firmware_rev or e.software_rev for e in device.entities)


def detect_changes(
    previous: Device | None,
    result: PollResult,
    *,
    failed_polls: int,
    silent_after: int = 3,
    critical_interfaces: frozenset[str] = frozenset(),
    previous_read_at: datetime | None = None,
) -> list[Change]:
    """Compare the last known device with a new poll result (`previous_read_at`: when the previous state was
    read, which tells a reboot from the uptime counter wrapping).

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
    elapsed = result.polled_at - previous_read_at if previous_read_at is not None else None
    if rebooted(previous.sys_uptime_ticks, new.sys_uptime_ticks, elapsed):
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
