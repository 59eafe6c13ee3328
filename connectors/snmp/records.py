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
    physical_class: int = 0  # entPhysicalClass: 3 chassis, 6 power supply, 7 fan, 9 module... (0: not read)


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


class TrapVersion(StrEnum):
    """The SNMP version a notification arrived in."""

    V1 = "v1"
    V2C = "v2c"
    V3 = "v3"


class IfStatus(StrEnum):
    """IF-MIB ifAdminStatus / ifOperStatus values (RFC 2863), by name."""

    UP = "up"
    DOWN = "down"
    TESTING = "testing"
    UNKNOWN = "unknown"
    DORMANT = "dormant"
    NOT_PRESENT = "notPresent"
    LOWER_LAYER_DOWN = "lowerLayerDown"


@dataclass(frozen=True)
class TrapEvent:
    """One received trap or inform; unknown traps keep their raw varbinds.

    `varbinds` holds every varbind as (numeric OID, printable value), bounded in count and size (`truncated`
    says when something was cut); the v1 community that pysnmp copies into snmpTrapCommunity is left out.
    `authenticated_for` names the establishments whose community or v3 user accepted the message: when it
    does not contain `establishment`, a device used another member's credentials.
    """

    received_at: datetime
    sender: str
    establishment: str | None  # None when no CIDR rule matches: kept, never dropped
    version: str  # a TrapVersion
    name: str  # linkDown, linkUp, coldStart, warmStart, authenticationFailure, a vendor's name, "unknown"
    trap_oid: str
    if_index: int | None = None
    varbinds: tuple[tuple[str, str], ...] = ()
    inform: bool = False  # an InformRequest, acknowledged to the sender
    vendor: str | None = None  # from the enterprise number of an enterprise-specific trap
    if_name: str | None = None
    if_descr: str | None = None
    if_admin_status: IfStatus | None = None
    if_oper_status: IfStatus | None = None
    uptime_ticks: int | None = None  # the sender's sysUpTime.0 when it sent the trap
    authenticated_for: tuple[str, ...] = ()
    truncated: bool = False  # a value or the varbind list was cut to the configured bounds
    malformed: bool = False  # a value could not be read as its type (kept as printed), or no snmpTrapOID
