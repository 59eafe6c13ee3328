"""Malformed and oversize values from real agents (snmpsim data), and the codec fed arbitrary bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.snmp import wire
from connectors.snmp.poller import MAX_TEXT
from connectors.snmp.records import FailureReason, PollStatus
from tests.connectors.snmp.conftest import SimulatedFleet
from tests.connectors.snmp.test_fleet_snmpsim import poll_communities


def test_description_too_big_for_a_datagram_is_bounded(simulated: SimulatedFleet) -> None:
    [result] = poll_communities(simulated.port, ["bad-oversize"], timeout_s=1.0, retries=0)
    # 64 KiB cannot travel in one UDP datagram: snmpsim answers without the value (a real agent may answer
    # tooBig or nothing); either way the poll ends, typed, and nothing unbounded is kept.
    if result.status is PollStatus.FAILED:
        assert result.reason in {FailureReason.PROTOCOL, FailureReason.TIMEOUT}
    else:
        assert result.device is not None and len(result.device.sys_descr) <= MAX_TEXT
        assert len(result.device.interfaces) == 48


def test_long_description_is_cut_to_the_bound(simulated: SimulatedFleet) -> None:
    [result] = poll_communities(simulated.port, ["bad-long"])
    assert result.status is PollStatus.OK and result.device is not None
    assert result.device.sys_descr == "B" * MAX_TEXT


def test_binary_strings_become_printable_text(simulated: SimulatedFleet) -> None:
    [result] = poll_communities(simulated.port, ["bad-binary"])
    assert result.status is PollStatus.OK and result.device is not None
    device = result.device
    for value in (device.sys_descr, device.sys_name, device.interfaces[0].name):
        assert value.isprintable(), value
    assert "\x1b" not in device.sys_descr and "sw01" in device.sys_name


def test_wrong_types_are_read_as_unknown_not_fatal(simulated: SimulatedFleet) -> None:
    [result] = poll_communities(simulated.port, ["bad-types"])
    assert result.status is PollStatus.OK and result.device is not None
    device = result.device
    assert (device.sys_object_id, device.vendor, device.sys_uptime_ticks) == ("", None, 0)
    first = device.interfaces[0]
    assert (first.speed_bps, first.oper_up, first.mac) == (10**9, False, "")  # ifHighSpeed still read
    assert device.entities[0].physical_class == 0 and device.entities[0].serial == "SN-bad-types"


@given(st.binary(max_size=300))
def test_codec_raises_only_wire_error_on_arbitrary_bytes(data: bytes) -> None:
    try:
        wire.decode_response(data)
    except wire.WireError:
        pass


@pytest.mark.parametrize("cut", [1, 5, 20, 40])
def test_codec_refuses_a_truncated_response(cut: int) -> None:
    body = wire.encode_request(1, "public", wire.PduType.GET, 7, ["1.3.6.1.2.1.1.5.0"])
    whole = body.replace(bytes([wire.PduType.GET]), bytes([wire.PduType.RESPONSE]), 1)
    assert wire.decode_response(whole).varbinds == [("1.3.6.1.2.1.1.5.0", None)]
    with pytest.raises(wire.WireError):
        wire.decode_response(whole[:-cut])
