"""Records the SNMP connector emits: device inventories, poll outcomes and trap events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PollStatus(StrEnum):
    """How complete a poll was; a partial inventory is never presented as complete."""

    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"


class FailureReason(StrEnum):
    """Why a poll failed or stopped short."""

    TIMEOUT = "timeout"
    AUTH = "auth"  # wrong community (seen as silence) or wrong v3 credentials (report PDU)
    TRUNCATED = "truncated"  # answered part of a table, then went silent
    PROTOCOL = "protocol"


@dataclass(frozen=True)
class Interface:
    """One ifTable/ifXTable row."""

    index: int
    name: str
    alias: str
    type: int
    speed_bps: int
    mac: str
    admin_up: bool
    oper_up: bool


@dataclass(frozen=True)
class PhysicalEntity:
    """One entPhysicalTable row (chassis, module, PSU...)."""

    index: int
    description: str
    model: str
    serial: str
    hardware_rev: str
    firmware_rev: str
    software_rev: str


@dataclass(frozen=True)
class Device:
    """What one poll learned about one device."""

    establishment: str
    address: str
    sys_name: str
    sys_descr: str
    sys_object_id: str
    sys_uptime_ticks: int
    sys_contact: str
    sys_location: str
    vendor: str | None
    interfaces: tuple[Interface, ...] = ()
    entities: tuple[PhysicalEntity, ...] = ()


@dataclass(frozen=True)
class PollResult:
    """One target's poll outcome; `device` holds what was read, even when partial."""

    establishment: str
    address: str
    status: PollStatus
    polled_at: datetime
    device: Device | None = None
    reason: FailureReason | None = None
    detail: str = ""


@dataclass(frozen=True)
class TrapEvent:
    """One received trap or inform; unknown traps keep their raw varbinds."""

    received_at: datetime
    sender: str
    establishment: str | None  # None when no CIDR rule matches: kept, never dropped
    version: str
    name: str  # linkDown, linkUp, coldStart, warmStart, authenticationFailure, or "unknown"
    trap_oid: str
    if_index: int | None = None
    varbinds: tuple[tuple[str, str], ...] = ()
