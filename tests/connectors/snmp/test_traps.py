"""The trap receiver against net-snmp's real `snmptrap` and `snmpinform`, on free loopback ports."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

import pytest

from connectors.base import CollectingSink
from connectors.snmp.records import IfStatus, TrapEvent, TrapVersion
from connectors.snmp.settings import V2cCredentials, V3Credentials
from connectors.snmp.trap_sender import encode_v1_trap, encode_v2c_trap
from connectors.snmp.trap_settings import (
    TrapEstablishment,
    TrapPort,
    TrapReceiverSettings,
    TrapUser,
)
from connectors.snmp.traps import TrapHealth, TrapPortUnavailable, TrapReceiver

pytestmark = pytest.mark.skipif(shutil.which("snmptrap") is None, reason="net-snmp's snmptrap not installed")

ENGINE_ID = "8000000001020304"  # the snmpEngineID the v3 trap sender claims (snmptrap -e)
USER = V3Credentials("socv3", "authpass123", "privpass123")
ESTABLISHMENTS = (
    TrapEstablishment(
        "chu-a",
        networks=("127.0.0.1/32",),
        communities=(V2cCredentials("chu-a-traps"),),
        users=(TrapUser(USER, engine_ids=(ENGINE_ID,)),),
    ),
    TrapEstablishment("ch-b", networks=("127.0.0.2/32",), communities=(V2cCredentials("ch-b-traps"),)),
)
LINK_UP, LINK_DOWN = "1.3.6.1.6.3.1.1.5.4", "1.3.6.1.6.3.1.1.5.3"
IF_INDEX, IF_ADMIN, IF_OPER = "1.3.6.1.2.1.2.2.1.1", "1.3.6.1.2.1.2.2.1.7", "1.3.6.1.2.1.2.2.1.8"


class Running:
    """A receiver running in its own event loop thread, as in the listener process."""

    def __init__(self, settings: TrapReceiverSettings, sink: CollectingSink[TrapEvent] | None = None) -> None:
        self.sink: CollectingSink[TrapEvent] = sink or CollectingSink()
        self.receiver = TrapReceiver(settings, self.sink)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.receiver.start(), self.loop).result(10)
        self.port = next(iter(self.receiver.bound_ports.values()))

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.receiver.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    @property
    def health(self) -> TrapHealth:
        return self.receiver.health()["traps"]

    def wait(self, done: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)

    def events(self, count: int, timeout: float = 5.0) -> list[TrapEvent]:
        """The first `count` events handed to the sink (batches arrive at least every 0.5 s)."""
        self.wait(lambda: len(self.sink.records) >= count, timeout)
        return list(self.sink.records)


def _settings(**changes: object) -> TrapReceiverSettings:
    base = TrapReceiverSettings(ports=(TrapPort("traps", 0),), establishments=ESTABLISHMENTS)
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(params=[True, False], ids=["fast-decode", "pysnmp-decode"])
def receiver(request: pytest.FixtureRequest) -> Iterator[Running]:
    running = Running(_settings(fast_decode=request.param))
    yield running
    running.stop()


def net_snmp(tool: str, port: int, *args: str, clientaddr: str | None = None) -> int:
    """Run snmptrap/snmpinform without MIB files; return its exit status (snmpinform: 0 only if acked)."""
    command = [f"/usr/bin/{tool}", "-m", "", "-M", "/dev/null"]
    if clientaddr:
        command.append(f"--clientaddr={clientaddr}")
    if tool == "snmpinform":
        command += ["-t", "1", "-r", "0"]
    env = dict(os.environ, MIBS="")
    return subprocess.run([*command, *args], env=env, capture_output=True, timeout=10).returncode


def v2c(port: int, trap_oid: str, *varbinds: str, community: str = "chu-a-traps", **kw: str) -> int:
    return net_snmp(
        "snmptrap", port, "-v2c", "-c", community, f"127.0.0.1:{port}", "", trap_oid, *varbinds, **kw
    )


def v3_args(port: int) -> list[str]:
    keys = ["-l", "authPriv", "-a", "SHA", "-A", USER.auth_key, "-x", "AES", "-X", USER.priv_key]
    return ["-v3", "-u", USER.user, *keys, f"127.0.0.1:{port}", ""]


def test_v1_link_down_is_translated_per_rfc3584_and_attributed(receiver: Running) -> None:
    args = ["-v1", "-c", "chu-a-traps", f"127.0.0.1:{receiver.port}", "1.3.6.1.4.1.9.1.1", "10.1.2.3"]
    assert net_snmp("snmptrap", receiver.port, *args, "2", "0", "4242", f"{IF_INDEX}.3", "i", "3") == 0
    (event,) = receiver.events(1)
    assert (event.version, event.name, event.trap_oid) == (TrapVersion.V1, "linkDown", LINK_DOWN)
    assert (event.establishment, event.sender, event.if_index) == ("chu-a", "127.0.0.1", 3)
    assert event.vendor == "Cisco" and event.uptime_ticks == 4242
    assert ("1.3.6.1.6.3.18.1.3.0", "10.1.2.3") in event.varbinds  # the v1 agent-addr, kept
    assert all("chu-a-traps" not in value for _, value in event.varbinds)  # the community is a secret
    assert receiver.health.v1 == 1


def test_v2c_link_up_carries_interface_index_name_and_status(receiver: Running) -> None:
    binds = [f"{IF_INDEX}.7", "i", "7", f"{IF_ADMIN}.7", "i", "1", f"{IF_OPER}.7", "i", "1"]
    assert v2c(receiver.port, LINK_UP, *binds, "1.3.6.1.2.1.31.1.1.1.1.7", "s", "Gi1/0/7") == 0
    (event,) = receiver.events(1)
    assert (event.version, event.name, event.if_index, event.if_name) == ("v2c", "linkUp", 7, "Gi1/0/7")
    assert event.if_admin_status is IfStatus.UP and event.if_oper_status is IfStatus.UP
    assert event.authenticated_for == ("chu-a",) and not event.inform


def test_v3_authpriv_trap_is_accepted_from_a_registered_engine_id_only(receiver: Running) -> None:
    assert (
        net_snmp("snmptrap", receiver.port, "-e", f"0x{ENGINE_ID}", *v3_args(receiver.port), LINK_DOWN) == 0
    )
    assert (
        net_snmp("snmptrap", receiver.port, "-e", "0x8000000009090909", *v3_args(receiver.port), LINK_UP) == 0
    )
    receiver.wait(lambda: receiver.health.auth_failures == 1)
    (event,) = receiver.events(1)
    assert (event.version, event.name, event.establishment) == (TrapVersion.V3, "linkDown", "chu-a")
    assert receiver.health.auth_failures == 1  # the unknown engine ID: pysnmp says "unknown user name"


@pytest.mark.parametrize("version", ["v2c", "v3"])
def test_inform_is_acknowledged_and_emitted(receiver: Running, version: str) -> None:
    port = receiver.port
    args = ["-v2c", "-c", "chu-a-traps", f"127.0.0.1:{port}", ""] if version == "v2c" else v3_args(port)
    assert net_snmp("snmpinform", port, *args, "1.3.6.1.6.3.1.1.5.2") == 0  # 0 only when acknowledged
    (event,) = receiver.events(1)
    assert event.inform and event.name == "warmStart" and event.version == version
    assert receiver.health.informs == 1


def test_inform_with_wrong_community_is_not_acknowledged(receiver: Running) -> None:
    args = ["-v2c", "-c", "wrong", f"127.0.0.1:{receiver.port}", "", "1.3.6.1.6.3.1.1.5.2"]
    assert net_snmp("snmpinform", receiver.port, *args) != 0
    assert receiver.health.auth_failures >= 1 and receiver.sink.records == []


def test_unknown_trap_oid_is_kept_raw_with_every_varbind(receiver: Running) -> None:
    oid = "1.3.6.1.4.1.99999.1.0.7"
    binds = ["1.3.6.1.4.1.99999.2.1", "s", "porte ouverte", "1.3.6.1.4.1.99999.2.2", "x", "DEADBEEF"]
    assert v2c(receiver.port, oid, *binds, "1.3.6.1.4.1.99999.2.3", "a", "10.9.8.7") == 0
    (event,) = receiver.events(1)
    assert (event.name, event.trap_oid, event.vendor) == ("unknown", oid, None)
    assert event.varbinds[1:] == (
        ("1.3.6.1.6.3.1.1.4.1.0", oid),
        ("1.3.6.1.4.1.99999.2.1", "porte ouverte"),
        ("1.3.6.1.4.1.99999.2.2", "0xdeadbeef"),
        ("1.3.6.1.4.1.99999.2.3", "10.9.8.7"),
    )


def test_enterprise_traps_are_named_from_the_table_in_v2c_and_v1(receiver: Running) -> None:
    assert v2c(receiver.port, "1.3.6.1.4.1.12356.101.2.0.302") == 0
    v1 = ["-v1", "-c", "chu-a-traps", f"127.0.0.1:{receiver.port}", "1.3.6.1.4.1.9.9.13.3", "", "6", "3", ""]
    assert net_snmp("snmptrap", receiver.port, *v1) == 0
    first, second = receiver.events(2)
    assert (first.name, first.vendor) == ("fgTrapVpnTunDown", "Fortinet")
    assert (second.name, second.trap_oid) == (
        "ciscoEnvMonTemperatureNotification",
        "1.3.6.1.4.1.9.9.13.3.0.3",
    )


def test_senders_are_attributed_by_address_and_strangers_go_to_the_unattributed_bucket(
    receiver: Running,
) -> None:
    assert v2c(receiver.port, LINK_DOWN, community="ch-b-traps", clientaddr="127.0.0.2") == 0
    assert v2c(receiver.port, LINK_DOWN, community="ch-b-traps", clientaddr="127.0.0.9") == 0
    assert v2c(receiver.port, LINK_DOWN, community="ch-b-traps", clientaddr="127.0.0.1") == 0
    member, stranger, foreign = receiver.events(3)
    assert (member.sender, member.establishment) == ("127.0.0.2", "ch-b")
    assert (stranger.sender, stranger.establishment) == ("127.0.0.9", None)
    # chu-a's address with ch-b's community: attributed by address, the credentials say whose they were.
    assert (foreign.establishment, foreign.authenticated_for) == ("chu-a", ("ch-b",))
    assert receiver.health.unattributed == 1


def test_wrong_community_is_counted_per_sender_and_not_emitted(receiver: Running) -> None:
    assert v2c(receiver.port, LINK_DOWN, community="public", clientaddr="127.0.0.5") == 0
    assert v2c(receiver.port, LINK_UP) == 0
    (event,) = receiver.events(1)
    assert event.name == "linkUp"
    assert receiver.health.auth_failures == 1
    assert receiver.health.auth_failure_senders == {"127.0.0.5": 1}


def _send_raw(port: int, datagrams: Iterable[bytes]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for datagram in datagrams:
            sock.sendto(datagram, ("127.0.0.1", port))


def test_malformed_and_oversize_input_never_stops_the_receiver(receiver: Running) -> None:
    good = encode_v2c_trap("chu-a-traps", 1, LINK_DOWN, [(f"{IF_INDEX}.1", 1)])
    v1_generic_9 = encode_v1_trap("chu-a-traps", "1.3.6.1.4.1.9", "10.0.0.1", generic=9)
    garbage = [
        b"",
        b"\x30",
        b"\x30\x84\xff\xff\xff\xff",
        os.urandom(200),
        good[:-3],
        good + b"\x00",
        v1_generic_9,
    ]
    oversize = encode_v2c_trap(
        "chu-a-traps", 2, LINK_UP, [(f"{IF_INDEX}.2", 2), ("1.3.6.1.4.1.9.2.1", "x" * 5000)]
    )
    many = encode_v2c_trap("chu-a-traps", 3, LINK_UP, [(f"1.3.6.1.4.1.9.3.{n}", n) for n in range(100)])
    _send_raw(receiver.port, [*garbage, oversize, many, good])
    events = receiver.events(3)
    assert [e.name for e in events] == ["linkUp", "linkUp", "linkDown"]
    big = dict(events[0].varbinds)["1.3.6.1.4.1.9.2.1"]
    assert events[0].truncated and len(big) == 1024
    assert events[1].truncated and len(events[1].varbinds) == 64
    assert receiver.health.malformed >= 5 and receiver.health.received == 3


def test_a_flood_of_2000_traps_at_2000_per_second_is_received_without_loss() -> None:
    running = Running(_settings())
    sender = [sys.executable, "-m", "connectors.snmp.trap_sender", "--port", str(running.port)]
    options = ["--count", "2000", "--rate", "2000", "--community", "chu-a-traps"]
    try:
        subprocess.run([*sender, *options], check=True, timeout=30, capture_output=True)
        events = running.events(2000, timeout=10)
        health = running.health
    finally:
        running.stop()
    assert len(events) == 2000 and {e.if_index for e in events} == set(range(1, 2001))
    assert health.received == 2000 and health.kernel_drops == 0


def test_both_decoders_emit_the_same_events_for_net_snmp_encodings() -> None:
    fast, reference = Running(_settings(fast_decode=True)), Running(_settings(fast_decode=False))
    types = [
        "i",
        "-5",
        "u",
        "42",
        "c",
        "4294967295",
        "t",
        "123456",
        "s",
        "été",
        "x",
        "00FF",
        "o",
        "1.3.6.1.9",
    ]
    binds = [
        token
        for n, pair in enumerate(zip(types[::2], types[1::2], strict=True))
        for token in (f"1.3.6.1.4.1.8072.9.{n}", *pair)
    ]
    try:
        for running in (fast, reference):
            v2 = ["-v2c", "-c", "chu-a-traps", f"127.0.0.1:{running.port}", "77"]  # a fixed sysUpTime
            assert net_snmp("snmptrap", running.port, *v2, "1.3.6.1.4.1.8072.4.0.1", *binds) == 0
            v1 = ["-v1", "-c", "chu-a-traps", f"127.0.0.1:{running.port}", "1.3.6.1.4.1.8072.4", "10.0.0.9"]
            assert net_snmp("snmptrap", running.port, *v1, "3", "0", "77", *binds[:6]) == 0
        got = [[replace(e, received_at=None) for e in r.events(2)] for r in (fast, reference)]  # type: ignore[arg-type]
    finally:
        fast.stop()
        reference.stop()
    assert got[0] == got[1] and len(got[0]) == 2
    assert dict(got[0][0].varbinds)["1.3.6.1.4.1.8072.9.4"] == "été"


class _SlowSink(CollectingSink[TrapEvent]):
    def emit_many(self, records: Iterable[TrapEvent]) -> None:
        time.sleep(1.0)  # storage stuck for a second
        super().emit_many(records)


def test_a_slow_sink_never_blocks_reception_and_batches_flush_every_half_second() -> None:
    running = Running(_settings(), _SlowSink())
    try:
        started = time.monotonic()
        for n in range(5):
            _send_raw(running.port, [encode_v2c_trap("chu-a-traps", n, LINK_DOWN)])
            time.sleep(0.3)
        running.wait(lambda: running.health.received == 5)
        assert running.health.received == 5 and time.monotonic() - started < 2.5
        running.wait(lambda: len(running.sink.records) >= 1, timeout=3)
        assert 1 <= len(running.sink.records) < 5  # the sink lags, reception does not
    finally:
        running.stop()
    assert len(running.sink.records) == 5  # stop() hands over everything received


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ports": ()}, "at least one port"),
        ({"engine_id": "zz"}, "not hexadecimal"),
        ({"engine_id": "0102"}, "5 to 32 bytes"),
        ({"max_varbinds": 1}, "max_varbinds"),
    ],
)
def test_bad_settings_fail_at_construction(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _settings(**change)


def test_a_port_in_use_fails_start_with_a_typed_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        settings = _settings(ports=(TrapPort("ok", 0), TrapPort("taken", taken.getsockname()[1])))
        receiver = TrapReceiver(settings, CollectingSink())
        with pytest.raises(TrapPortUnavailable, match="taken"):
            asyncio.run(receiver.start())


def test_one_v3_user_name_cannot_have_two_sets_of_keys() -> None:
    other = TrapEstablishment("ch-c", users=(TrapUser(V3Credentials("socv3", "otherpass1", "otherpass2")),))
    with pytest.raises(ValueError, match="different keys"):
        _settings(establishments=(*ESTABLISHMENTS, other))
