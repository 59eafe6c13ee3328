"""From received varbinds to a :class:`TrapEvent`: printable bounded values, names, interface fields.

Pure functions: `printable` reads one pysnmp/pyasn1 value, `build_event` maps (OID, printable value) pairs.
Nothing here raises on a malformed value: it is kept as printed and the event flagged `malformed`.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pyasn1.error import PyAsn1Error
from pyasn1.type import univ
from pysnmp.proto.rfc1902 import IpAddress

from connectors.snmp.oids import IF_ADMIN_STATUS, IF_DESCR, IF_NAME, IF_OPER_STATUS
from connectors.snmp.records import IfStatus, TrapEvent, TrapVersion
from connectors.snmp.trap_names import STANDARD_TRAPS, trap_name
from connectors.snmp.vendors import vendor_for

SYS_UPTIME_0: Final = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID_0: Final = "1.3.6.1.6.3.1.1.4.1.0"
SNMP_TRAP_ENTERPRISE_0: Final = "1.3.6.1.6.3.1.1.4.3.0"
SNMP_TRAP_COMMUNITY_0: Final = "1.3.6.1.6.3.18.1.4.0"  # a secret: never kept
IF_INDEX: Final = "1.3.6.1.2.1.2.2.1.1"

IF_STATUS: Final[dict[str, IfStatus]] = {
    "1": IfStatus.UP,
    "2": IfStatus.DOWN,
    "3": IfStatus.TESTING,
    "4": IfStatus.UNKNOWN,
    "5": IfStatus.DORMANT,
    "6": IfStatus.NOT_PRESENT,
    "7": IfStatus.LOWER_LAYER_DOWN,
}

_TEXT = frozenset(string.printable)


@dataclass(frozen=True)
class Value:
    """One value made printable: the text, and whether it was cut or could not be read as its type."""

    text: str
    truncated: bool = False
    malformed: bool = False


def _bounded(text: str, max_chars: int, malformed: bool = False) -> Value:
    if len(text) > max_chars:
        return Value(text[:max_chars], truncated=True, malformed=malformed)
    return Value(text, malformed=malformed)


def octets_value(raw: bytes, max_chars: int) -> Value:
    """Return octets as text when they are printable UTF-8, else as 0x-prefixed hex; cut to `max_chars`."""
    # Text when the bytes are printable UTF-8 (device names, messages), else hex like net-snmp's "Hex-STRING".
    head = raw[: max_chars * 4]  # never decode more than can be shown
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    else:
        if all(ch in _TEXT or ch.isprintable() for ch in text):
            return _bounded(text, max_chars) if len(head) == len(raw) else Value(text[:max_chars], True)
    hex_text = "0x" + raw[: max_chars // 2].hex()
    return Value(hex_text[:max_chars], truncated=len(raw) * 2 + 2 > max_chars)


def printable(value: object, max_chars: int) -> Value:
    """Return a value as bounded text: numbers in decimal, OIDs dotted, addresses dotted, octets as text or hex."""
    try:
        if isinstance(value, univ.ObjectIdentifier):
            return _bounded(str(value), max_chars)
        if isinstance(value, univ.OctetString):
            if value.tagSet == IpAddress.tagSet and len(value) == 4:  # v1 and v2 share [APPLICATION 0]
                return Value(".".join(str(b) for b in bytes(value)))
            return octets_value(bytes(value), max_chars)
        if isinstance(value, univ.Integer):
            return _bounded(str(int(value)), max_chars)
        if isinstance(value, univ.Null):
            return Value("")
        pretty = getattr(value, "prettyPrint", None)
        return _bounded(str(pretty() if callable(pretty) else value), max_chars)
    except (PyAsn1Error, ValueError, TypeError) as error:
        return _bounded(f"<unreadable {type(value).__name__}: {type(error).__name__}>", max_chars, True)


def _instance_of(oid: str, column: str) -> int | None:
    prefix = column + "."
    if oid.startswith(prefix) and oid[len(prefix) :].isdigit():
        return int(oid[len(prefix) :])
    return None


@dataclass
class _Interface:
    index: int | None = None
    name: str | None = None
    descr: str | None = None
    admin: IfStatus | None = None
    oper: IfStatus | None = None
    malformed: bool = False

    def read(self, oid: str, value: str) -> None:
        if _instance_of(oid, IF_INDEX) is not None:
            if value.isdigit():
                self.index = int(value)
            else:
                self.malformed = True
            return
        for column in (IF_NAME, IF_DESCR, IF_ADMIN_STATUS, IF_OPER_STATUS):
            instance = _instance_of(oid, column)
            if instance is None:
                continue
            if self.index is None:
                self.index = instance  # the row index is the OID's instance suffix
            if column == IF_NAME:
                self.name = value
            elif column == IF_DESCR:
                self.descr = value
            else:
                status = IF_STATUS.get(value)
                self.malformed |= status is None
                if column == IF_ADMIN_STATUS:
                    self.admin = status
                else:
                    self.oper = status


def build_event(
    varbinds: Sequence[tuple[str, Value]],
    *,
    received_at: datetime,
    sender: str,
    establishment: str | None,
    version: TrapVersion,
    inform: bool = False,
    authenticated_for: tuple[str, ...] = (),
    max_varbinds: int = 64,
) -> TrapEvent:
    """Map a notification's varbinds (already printable, in order) to a TrapEvent."""
    truncated = len(varbinds) > max_varbinds
    malformed = False
    trap_oid = ""
    enterprise = ""
    uptime: int | None = None
    interface = _Interface()
    kept: list[tuple[str, str]] = []
    for oid, value in varbinds[:max_varbinds]:
        if oid == SNMP_TRAP_COMMUNITY_0:
            continue
        truncated |= value.truncated
        malformed |= value.malformed
        kept.append((oid, value.text))
        if oid == SNMP_TRAP_OID_0:
            trap_oid = value.text
        elif oid == SYS_UPTIME_0:
            uptime = int(value.text) if value.text.isdigit() else None
        elif oid == SNMP_TRAP_ENTERPRISE_0:
            enterprise = value.text
        else:
            interface.read(oid, value.text)
    if trap_oid not in STANDARD_TRAPS:
        enterprise = trap_oid  # enterprise-specific: the vendor is the notification's own enterprise
    return TrapEvent(
        received_at=received_at,
        sender=sender,
        establishment=establishment,
        version=version,
        name=trap_name(trap_oid),
        trap_oid=trap_oid,
        if_index=interface.index,
        varbinds=tuple(kept),
        inform=inform,
        vendor=vendor_for(enterprise) if enterprise else None,
        if_name=interface.name,
        if_descr=interface.descr,
        if_admin_status=interface.admin,
        if_oper_status=interface.oper,
        uptime_ticks=uptime,
        authenticated_for=authenticated_for,
        truncated=truncated,
        malformed=malformed or interface.malformed or not trap_oid,
    )
