"""Trap decoding never raises (connectors/snmp/trap_decode.py, trap_mapping.py): random datagrams and real
traps (trap_sender's encoders) mutated byte by byte give a trap or None (pysnmp then judges), values are
bounded, the community never becomes a varbind, and what the fast reader accepts pyasn1 reads the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder  # type: ignore[import-untyped]
from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]
from pysnmp.proto import api

from connectors.snmp.records import TrapVersion
from connectors.snmp.trap_decode import CommunityTrap, decode_community_trap
from connectors.snmp.trap_mapping import SNMP_TRAP_COMMUNITY_0, Value, build_event, printable
from connectors.snmp.trap_sender import encode_v1_trap, encode_v2c_trap
from tests.fuzz.budget import fuzz

MAX_CHARS = 64
RECEIVED = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)

oids = st.lists(st.integers(0, 2**32), min_size=1, max_size=8).map(
    lambda arcs: "1.3." + ".".join(map(str, arcs))
)
values = st.integers(-(2**31), 2**31 - 1) | st.text(max_size=100) | st.binary(max_size=100)
varbinds = st.lists(st.tuples(oids, values), max_size=6)
v2c_traps = st.builds(
    encode_v2c_trap,
    st.text(max_size=12),
    st.integers(0, 2**31 - 1),
    oids,
    varbinds,
    st.integers(0, 2**32 - 1),
)
v1_traps = st.builds(
    encode_v1_trap,
    st.text(max_size=12),
    oids,
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda parts: ".".join(map(str, parts))),
    st.integers(0, 9),
    st.integers(0, 2**31 - 1),
    varbinds,
    st.integers(0, 2**32 - 1),
)
real_traps = v2c_traps | v1_traps


@st.composite
def mutated(draw: st.DrawFn, packets: st.SearchStrategy[bytes]) -> bytes:
    """A real trap with a few bytes replaced, removed or inserted, or cut short."""
    data = bytearray(draw(packets))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        action = draw(st.sampled_from(["replace", "delete", "insert", "cut"]))
        if action == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "delete" and data:
            del data[at]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[at:]
    return bytes(data)


def assert_bounded(trap: CommunityTrap | None) -> None:
    if trap is None:
        return
    assert trap.version in (0, 1)
    for oid, value in trap.varbinds:
        assert isinstance(oid, str) and len(value.text) <= MAX_CHARS
    event = build_event(
        trap.varbinds,
        received_at=RECEIVED,
        sender="192.0.2.1",
        establishment=None,
        version=TrapVersion.V1 if trap.version == 0 else TrapVersion.V2C,
    )
    assert SNMP_TRAP_COMMUNITY_0 not in dict(event.varbinds)
    assert len(event.varbinds) <= 64


def pyasn1_varbinds(data: bytes) -> list[tuple[str, Value]] | None:
    """The reference path: pysnmp's message spec through pyasn1, values made printable alike (v2c only)."""
    try:
        module = api.PROTOCOL_MODULES[int(api.decodeMessageVersion(data))]
        message, rest = decoder.decode(data, asn1Spec=module.Message())
        pdu: Any = module.apiMessage.get_pdu(message)
        binds = module.apiTrapPDU.get_varbinds(pdu)
    except (PyAsn1Error, KeyError, ValueError, TypeError):
        return None
    return None if rest else [(str(oid), printable(value, MAX_CHARS)) for oid, value in binds]


@fuzz(400)
@given(st.binary(max_size=300))
@example(b"\x30\x84\xff\xff\xff\xff")
@example(b"\x30\x03\x02\x01")
def test_any_datagram_gives_a_trap_or_none(data: bytes) -> None:
    assert_bounded(decode_community_trap(data, MAX_CHARS))


@fuzz(150)
@given(mutated(real_traps))
def test_mutated_real_traps_give_a_trap_or_none(data: bytes) -> None:
    assert_bounded(decode_community_trap(data, MAX_CHARS))


@fuzz(60)
@given(v2c_traps)
def test_real_v2c_traps_are_decoded(data: bytes) -> None:
    trap = decode_community_trap(data, MAX_CHARS)
    assert trap is not None and trap.version == 1
    assert_bounded(trap)


@fuzz(60)
@given(st.text(max_size=12), oids, st.integers(0, 9), varbinds)
def test_real_v1_traps_are_decoded_unless_their_generic_number_is_impossible(
    community: str, enterprise: str, generic: int, binds: list[tuple[str, int | str | bytes]]
) -> None:
    trap = decode_community_trap(
        encode_v1_trap(community, enterprise, "10.0.0.9", generic, 7, binds), MAX_CHARS
    )
    assert (trap is not None) == (generic <= 6)  # over 6, pysnmp decides (and counts it malformed)
    assert_bounded(trap)


@fuzz(100)
@given(mutated(v2c_traps) | v2c_traps)
def test_what_the_fast_reader_accepts_pyasn1_reads_the_same(data: bytes) -> None:
    trap = decode_community_trap(data, MAX_CHARS)
    if trap is not None and trap.version == 1:
        assert pyasn1_varbinds(data) == list(trap.varbinds)
