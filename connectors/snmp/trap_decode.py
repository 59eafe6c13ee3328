"""A strict BER reader for SNMPv1 and SNMPv2c *traps*, the flood-prone case, ~20x faster than pyasn1.

pyasn1 (behind pysnmp) needs ~0.8 ms to decode one trap here, which caps pysnmp near 1,000 traps/s on one
core. Community-based traps need no reply and no cryptography, so they are read here; everything else
(informs, SNMPv3, any encoding this reader does not fully understand) is left to pysnmp, which stays the
reference: `decode_community_trap` returns None and the caller hands the datagram over unchanged. A test
checks that both paths emit the same events for the same datagrams (net-snmp's own encodings).

SNMPv1 traps are translated as RFC 3584 section 3.1 says (and as pysnmp does): sysUpTime.0, snmpTrapOID.0
(generic 0-5 -> snmpTraps.<generic+1>, 6 -> <enterprise>.0.<specific>), snmpTrapAddress.0, snmpTrapEnterprise.0,
then the trap's own varbinds. The community is returned for checking, never put in the varbinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from connectors.snmp.trap_mapping import SNMP_TRAP_OID_0, SYS_UPTIME_0, Value, octets_value

SNMP_TRAP_ADDRESS_0: Final = "1.3.6.1.6.3.18.1.3.0"
SNMP_TRAP_ENTERPRISE_0: Final = "1.3.6.1.6.3.1.1.4.3.0"
SNMP_TRAPS: Final = "1.3.6.1.6.3.1.1.5"

_INTEGERS: Final = frozenset({0x02, 0x41, 0x42, 0x43, 0x46})  # INTEGER, Counter32, Gauge32, TimeTicks, C64
_V1_TRAP: Final = 0xA4
_V2_TRAP: Final = 0xA7


class _Unsupported(Exception):
    """This reader does not handle the datagram: pysnmp decides."""


@dataclass(frozen=True)
class CommunityTrap:
    """A decoded v1/v2c trap: version (0 or 1), community, and varbinds as printable values."""

    version: int
    community: bytes
    varbinds: tuple[tuple[str, Value], ...]


def _header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """Return (tag, start of contents, end of contents) of the TLV at `pos`."""
    if pos + 2 > end:
        raise _Unsupported
    tag = data[pos]
    first = data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise _Unsupported  # indefinite or absurd lengths: let pysnmp judge
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > end:
        raise _Unsupported
    return tag, pos, pos + length


def _expect(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    found, start, stop = _header(data, pos, end)
    if found != tag:
        raise _Unsupported
    return start, stop


_OID_CACHE: dict[bytes, str] = {}  # the same few OIDs recur in every trap of a flood; bounded below


def _oid(raw: bytes) -> str:
    cached = _OID_CACHE.get(raw)
    if cached is not None:
        return cached
    if not raw or raw[-1] & 0x80:
        raise _Unsupported
    arcs: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    text = ".".join(map(str, (*head, *arcs[1:])))
    if len(_OID_CACHE) < 8192:
        _OID_CACHE[raw] = text
    return text


def _value(tag: int, raw: bytes, max_chars: int) -> Value:
    if tag in _INTEGERS:
        if not raw:
            raise _Unsupported
        number = int.from_bytes(raw, "big", signed=tag == 0x02)
        return Value(str(number)[:max_chars], truncated=len(str(number)) > max_chars)
    if tag == 0x04 or tag == 0x44:  # OCTET STRING, Opaque
        return octets_value(raw, max_chars)
    if tag == 0x06:
        text = _oid(raw)
        return Value(text[:max_chars], truncated=len(text) > max_chars)
    if tag == 0x40 and len(raw) == 4:  # IpAddress
        return Value(".".join(str(b) for b in raw))
    if tag == 0x05 and not raw:  # NULL
        return Value("")
    raise _Unsupported


def _varbinds(data: bytes, pos: int, end: int, max_chars: int) -> list[tuple[str, Value]]:
    found: list[tuple[str, Value]] = []
    while pos < end:
        start, stop = _expect(data, pos, end, 0x30)
        name_start, name_stop = _expect(data, start, stop, 0x06)
        tag, value_start, value_stop = _header(data, name_stop, stop)
        if value_stop != stop:
            raise _Unsupported
        found.append((_oid(data[name_start:name_stop]), _value(tag, data[value_start:value_stop], max_chars)))
        pos = stop
    return found


def _integer(data: bytes, pos: int, end: int) -> tuple[int, int]:
    start, stop = _expect(data, pos, end, 0x02)
    if start == stop or stop - start > 8:
        raise _Unsupported
    return int.from_bytes(data[start:stop], "big", signed=True), stop


def _v1_trap(data: bytes, pos: int, end: int, max_chars: int) -> list[tuple[str, Value]]:
    start, stop = _expect(data, pos, end, 0x06)
    enterprise = _oid(data[start:stop])
    start, address_end = _expect(data, stop, end, 0x40)
    if address_end - start != 4:
        raise _Unsupported
    address = ".".join(str(b) for b in data[start:address_end])
    generic, pos = _integer(data, address_end, end)
    specific, pos = _integer(data, pos, end)
    start, stop = _expect(data, pos, end, 0x43)
    uptime = int.from_bytes(data[start:stop], "big")
    if not 0 <= generic <= 6:
        raise _Unsupported  # pysnmp counts it as malformed
    trap_oid = f"{enterprise}.0.{specific}" if generic == 6 else f"{SNMP_TRAPS}.{generic + 1}"
    binds_start, binds_stop = _expect(data, stop, end, 0x30)
    return [
        (SYS_UPTIME_0, Value(str(uptime))),
        (SNMP_TRAP_OID_0, Value(trap_oid[:max_chars], truncated=len(trap_oid) > max_chars)),
        (SNMP_TRAP_ADDRESS_0, Value(address)),
        (SNMP_TRAP_ENTERPRISE_0, Value(enterprise[:max_chars], truncated=len(enterprise) > max_chars)),
        *_varbinds(data, binds_start, binds_stop, max_chars),
    ]


def decode_community_trap(data: bytes, max_chars: int) -> CommunityTrap | None:
    """Decode an SNMPv1 Trap or SNMPv2c Trap message; None when pysnmp should handle the datagram."""
    try:
        start, stop = _expect(data, 0, len(data), 0x30)
        if stop != len(data):
            return None
        version, pos = _integer(data, start, stop)
        community_start, community_stop = _expect(data, pos, stop, 0x04)
        tag, pdu_start, pdu_stop = _header(data, community_stop, stop)
        if pdu_stop != stop:
            return None
        community = data[community_start:community_stop]
        if version == 0 and tag == _V1_TRAP:
            return CommunityTrap(0, community, tuple(_v1_trap(data, pdu_start, pdu_stop, max_chars)))
        if version == 1 and tag == _V2_TRAP:
            _, pos = _integer(data, pdu_start, pdu_stop)  # request-id
            _, pos = _integer(data, pos, pdu_stop)  # error-status, 0 in a trap
            _, pos = _integer(data, pos, pdu_stop)  # error-index
            binds_start, binds_stop = _expect(data, pos, pdu_stop, 0x30)
            if binds_stop != pdu_stop:
                return None
            return CommunityTrap(1, community, tuple(_varbinds(data, binds_start, binds_stop, max_chars)))
        return None
    except (_Unsupported, IndexError, ValueError):
        return None
