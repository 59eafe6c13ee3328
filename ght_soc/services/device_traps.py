"""Traps in a device's history: what a device announced between two polls (a link down or up, a restart, an
authentication failure), next to what the polls saw.

Only the generic traps of RFC 3418/2863 are written: their meaning is known whatever the vendor, and a history
that took every vendor trap would drown the changes that matter; every trap stays an event all the same. A trap
from an address that is no known device of its establishment writes nothing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.models import DeviceChange, NetworkDevice

HISTORY_KINDS = {
    "linkDown": "trap_link_down",
    "linkUp": "trap_link_up",
    "coldStart": "trap_restart",
    "warmStart": "trap_restart",
    "authenticationFailure": "trap_authentication_failure",
}


@dataclass(frozen=True, slots=True)
class TrapLine:
    establishment_id: int
    sender: str
    name: str  # the trap's name (linkDown...)
    interface: str | None
    received_at: datetime


def record_trap_history(*, session: Session, lines: Sequence[TrapLine]) -> int:
    """Write the generic traps of known devices in their history; returns how many lines were written."""
    wanted = [line for line in lines if line.name in HISTORY_KINDS]
    if not wanted:
        return 0
    devices = {
        (device.establishment_id, device.address): device
        for device in session.scalars(
            select(NetworkDevice).where(NetworkDevice.address.in_({line.sender for line in wanted}))
        )
    }
    written = 0
    for line in wanted:
        device = devices.get((line.establishment_id, line.sender))
        if device is None:
            continue
        detail = f"trap {line.name}" + (f", interface {line.interface}" if line.interface else "")
        session.add(
            DeviceChange(
                establishment_id=device.establishment_id,
                device_id=device.id,
                kind=HISTORY_KINDS[line.name],
                detail=detail,
                occurred_at=line.received_at,
            )
        )
        written += 1
    session.flush()
    return written
