"""Trap decoding and mapping as data: RFC 3584 translation, names, interface fields, bounds, bad input."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from pysnmp.proto import rfc1902

from connectors.snmp.records import IfStatus, TrapEvent, TrapVersion
from connectors.snmp.trap_decode import decode_community_trap
from connectors.snmp.trap_mapping import Value, build_event, printable
from connectors.snmp.trap_names import ENTERPRISE_TRAPS, TRAP_NAMES, trap_name
from connectors.snmp.trap_sender import encode_v1_trap, encode_v2c_trap

NOW = datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC)
TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"


def _event(*pairs: tuple[str, str]) -> TrapEvent:
    return build_event(
        [(oid, Value(text)) for oid, text in pairs],
        received_at=NOW,
        sender="10.0.0.1",
        establishment="chu-a",
        version=TrapVersion.V2C,
    )


@pytest.mark.parametrize(
    ("generic", "specific", "trap_oid", "name"),
    [
        (0, 0, "1.3.6.1.6.3.1.1.5.1", "coldStart"),
        (1, 0, "1.3.6.1.6.3.1.1.5.2", "warmStart"),
        (2, 0, "1.3.6.1.6.3.1.1.5.3", "linkDown"),
        (3, 0, "1.3.6.1.6.3.1.1.5.4", "linkUp"),
        (4, 0, "1.3.6.1.6.3.1.1.5.5", "authenticationFailure"),
        (6, 302, "1.3.6.1.4.1.12356.101.2.0.302", "fgTrapVpnTunDown"),
    ],
)
def test_v1_generic_traps_translate_per_rfc3584(
    generic: int, specific: int, trap_oid: str, name: str
) -> None:
    enterprise = "1.3.6.1.4.1.12356.101.2"
    datagram = encode_v1_trap(
        "c", enterprise, "10.0.0.7", generic, specific, [("1.3.6.1.2.1.2.2.1.1.4", 4)], 99
    )
    trap = decode_community_trap(datagram, 1024)
    assert trap is not None and (trap.version, trap.community) == (0, b"c")
    oids = [oid for oid, _ in trap.varbinds]
    assert oids == [
        "1.3.6.1.2.1.1.3.0",
        TRAP_OID,
        "1.3.6.1.6.3.18.1.3.0",
        "1.3.6.1.6.3.1.1.4.3.0",
        "1.3.6.1.2.1.2.2.1.1.4",
    ]
    assert [v.text for _, v in trap.varbinds] == ["99", trap_oid, "10.0.0.7", enterprise, "4"]
    assert trap_name(trap_oid) == name


def test_v2c_trap_decodes_each_value_type() -> None:
    binds: list[tuple[str, int | str | bytes]] = [
        ("1.3.6.1.4.1.9.1", -5),
        ("1.3.6.1.4.1.9.2", "texte"),
        ("1.3.6.1.4.1.9.3", b"\x00\xff"),
    ]
    trap = decode_community_trap(encode_v2c_trap("public", 7, "1.3.6.1.6.3.1.1.5.3", binds, 12), 1024)
    assert trap is not None and trap.version == 1
    assert [(oid, v.text) for oid, v in trap.varbinds] == [
        ("1.3.6.1.2.1.1.3.0", "12"),
        (TRAP_OID, "1.3.6.1.6.3.1.1.5.3"),
        ("1.3.6.1.4.1.9.1", "-5"),
        ("1.3.6.1.4.1.9.2", "texte"),
        ("1.3.6.1.4.1.9.3", "0x00ff"),
    ]


@pytest.mark.parametrize(
    "datagram",
    [
        b"",
        b"\x30\x00",
        b"\x30\x80\x00\x00",  # indefinite length
        encode_v2c_trap("c", 1, "1.3.6.1.6.3.1.1.5.3")[:-1],
        encode_v2c_trap("c", 1, "1.3.6.1.6.3.1.1.5.3") + b"\x00",
        encode_v1_trap("c", "1.3.6.1.4.1.9", "10.0.0.1", generic=9),
        os.urandom(64),
    ],
    ids=["empty", "empty-sequence", "indefinite", "cut", "trailing", "v1-generic-9", "random"],
)
def test_the_fast_reader_leaves_what_it_does_not_fully_understand_to_pysnmp(datagram: bytes) -> None:
    assert decode_community_trap(datagram, 1024) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (rfc1902.Integer32(-3), "-3"),
        (rfc1902.Counter64(2**64 - 1), str(2**64 - 1)),
        (rfc1902.TimeTicks(100), "100"),
        (rfc1902.IpAddress("10.1.2.3"), "10.1.2.3"),
        (rfc1902.ObjectIdentifier("1.3.6.1.4.1.9"), "1.3.6.1.4.1.9"),
        (rfc1902.OctetString("Gi1/0/1"), "Gi1/0/1"),
        (rfc1902.OctetString(hexValue="00ff10"), "0x00ff10"),
        (rfc1902.OctetString("é".encode()), "é"),
    ],
)
def test_printable_values(value: object, text: str) -> None:
    assert printable(value, 1024) == Value(text)


def test_oversize_values_are_cut_and_flagged() -> None:
    assert printable(rfc1902.OctetString("a" * 5000), 100) == Value("a" * 100, truncated=True)
    cut = printable(rfc1902.OctetString(b"\xff" * 5000), 100)
    assert cut.truncated and len(cut.text) <= 100 and cut.text.startswith("0xffff")


def test_link_trap_fields_come_from_the_if_mib_varbinds() -> None:
    event = _event(
        (TRAP_OID, "1.3.6.1.6.3.1.1.5.3"),
        ("1.3.6.1.2.1.2.2.1.1.12", "12"),
        ("1.3.6.1.2.1.2.2.1.2.12", "GigabitEthernet1/0/12"),
        ("1.3.6.1.2.1.2.2.1.7.12", "1"),
        ("1.3.6.1.2.1.2.2.1.8.12", "2"),
        ("1.3.6.1.2.1.31.1.1.1.1.12", "Gi1/0/12"),
    )
    assert (event.name, event.if_index, event.if_name) == ("linkDown", 12, "Gi1/0/12")
    assert event.if_descr == "GigabitEthernet1/0/12"
    assert (event.if_admin_status, event.if_oper_status) == (IfStatus.UP, IfStatus.DOWN)


def test_if_index_falls_back_to_the_instance_suffix() -> None:
    event = _event((TRAP_OID, "1.3.6.1.6.3.1.1.5.4"), ("1.3.6.1.2.1.2.2.1.8.5", "1"))
    assert event.if_index == 5 and not event.malformed


@pytest.mark.parametrize(
    "pairs",
    [
        (("1.3.6.1.2.1.1.3.0", "5"),),  # no snmpTrapOID
        ((TRAP_OID, "1.3.6.1.6.3.1.1.5.3"), ("1.3.6.1.2.1.2.2.1.1.3", "trois")),
        ((TRAP_OID, "1.3.6.1.6.3.1.1.5.3"), ("1.3.6.1.2.1.2.2.1.8.3", "9")),
    ],
    ids=["no-trap-oid", "text-ifindex", "unknown-status"],
)
def test_malformed_varbinds_are_kept_and_flagged(pairs: tuple[tuple[str, str], ...]) -> None:
    event = _event(*pairs)
    assert event.malformed and event.varbinds == pairs


def test_the_trap_name_table_is_numeric_and_names_are_unique() -> None:
    assert all(oid.replace(".", "").isdigit() for oid in TRAP_NAMES)
    assert len(set(ENTERPRISE_TRAPS.values())) == len(ENTERPRISE_TRAPS)
    assert trap_name("1.3.6.1.4.1.99999.0.1") == "unknown"
