"""A paced SNMPv2c trap sender for floods: tests, the benchmark and the demo (not used by the receiver).

Messages are BER-encoded here by hand (a few microseconds each, where pyasn1 takes ~100 µs), so one Python
process can send tens of thousands of traps per second. Each trap is a linkDown whose ifIndex is its sequence
number, which lets a receiver check that none was lost.

    python -m connectors.snmp.trap_sender --port 10162 --count 20000 --rate 4000 --community public
"""

from __future__ import annotations

import argparse
import json
import socket
import time
from collections.abc import Iterable, Sequence

LINK_DOWN = "1.3.6.1.6.3.1.1.5.3"
_IF_INDEX = "1.3.6.1.2.1.2.2.1.1"
_IF_ADMIN = "1.3.6.1.2.1.2.2.1.7"
_IF_OPER = "1.3.6.1.2.1.2.2.1.8"


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + _length(len(payload)) + payload


def _integer(value: int, tag: int = 0x02) -> bytes:
    return _tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return _tlv(0x06, bytes(out))


def _value(value: int | str | bytes) -> bytes:
    if isinstance(value, int):
        return _integer(value)
    return _tlv(0x04, value.encode() if isinstance(value, str) else value)


def encode_v2c_trap(
    community: str,
    request_id: int,
    trap_oid: str,
    varbinds: Sequence[tuple[str, int | str | bytes]] = (),
    uptime_ticks: int = 0,
) -> bytes:
    """Return one SNMPv2c Trap message (RFC 3416): sysUpTime.0, snmpTrapOID.0, then `varbinds`."""
    binds = [
        _tlv(0x30, _oid("1.3.6.1.2.1.1.3.0") + _integer(uptime_ticks, tag=0x43)),
        _tlv(0x30, _oid("1.3.6.1.6.3.1.1.4.1.0") + _oid(trap_oid)),
        *(_tlv(0x30, _oid(oid) + _value(value)) for oid, value in varbinds),
    ]
    pdu = _tlv(0xA7, _integer(request_id) + _integer(0) + _integer(0) + _tlv(0x30, b"".join(binds)))
    return _tlv(0x30, _integer(1) + _tlv(0x04, community.encode()) + pdu)


def encode_v1_trap(
    community: str,
    enterprise: str,
    agent: str,
    generic: int,
    specific: int = 0,
    varbinds: Sequence[tuple[str, int | str | bytes]] = (),
    uptime_ticks: int = 0,
) -> bytes:
    """Return one SNMPv1 Trap message (RFC 1157); any generic-trap number, to test bad ones too."""
    binds = b"".join(_tlv(0x30, _oid(oid) + _value(value)) for oid, value in varbinds)
    address = _tlv(0x40, bytes(int(part) for part in agent.split(".")))
    body = _oid(enterprise) + address + _integer(generic) + _integer(specific) + _integer(uptime_ticks, 0x43)
    pdu = _tlv(0xA4, body + _tlv(0x30, binds))
    return _tlv(0x30, _integer(0) + _tlv(0x04, community.encode()) + pdu)


def link_down_traps(community: str, count: int, first: int = 1) -> list[bytes]:
    """`count` linkDown traps whose ifIndex (and request-id) run from `first` upwards."""
    return [
        encode_v2c_trap(
            community,
            n,
            LINK_DOWN,
            [(f"{_IF_INDEX}.{n}", n), (f"{_IF_ADMIN}.{n}", 1), (f"{_IF_OPER}.{n}", 2)],
            uptime_ticks=n,
        )
        for n in range(first, first + count)
    ]


def send(packets: Iterable[bytes], host: str, port: int, rate: float) -> float:
    """Send the packets at about `rate` per second; return the seconds the sending took."""
    packets = list(packets)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((host, port))
        start = time.perf_counter()
        sent = 0
        while sent < len(packets):
            due = min(len(packets), int((time.perf_counter() - start) * rate) + 1)
            while sent < due:
                sock.send(packets[sent])
                sent += 1
            if sent < len(packets):
                time.sleep(max(0.0, (sent / rate) - (time.perf_counter() - start)))
        return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: encode, send, and print one JSON line with the count and the seconds taken."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--community", default="public")
    parser.add_argument("--first", type=int, default=1)
    args = parser.parse_args(argv)
    packets = link_down_traps(args.community, args.count, args.first)
    seconds = send(packets, args.host, args.port, args.rate)
    print(json.dumps({"sent": len(packets), "seconds": round(seconds, 4)}), flush=True)


if __name__ == "__main__":
    main()
