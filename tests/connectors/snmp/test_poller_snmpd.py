"""The poller against Debian's real snmpd (v2c community and v3 authPriv SHA/AES user), and bad peers."""

from __future__ import annotations

import asyncio
import socket

import pytest

from connectors.base import CollectingSink
from connectors.snmp.poller import SnmpPoller
from connectors.snmp.records import FailureReason, PollResult, PollStatus
from connectors.snmp.settings import PollerSettings, V2cCredentials, V3Credentials
from tests.connectors.snmp.udpproxy import UdpProxy, start_proxy

GOOD_V2C = V2cCredentials("hopital-ro")
GOOD_V3 = V3Credentials("socv3", "authpass123", "privpass123")


def _poll(
    port: int,
    creds: V2cCredentials | V3Credentials,
    *,
    proxy: UdpProxy | None = None,
    max_repetitions: int = 25,
) -> PollResult:
    settings = PollerSettings(targets=(), timeout_s=0.5, retries=0, max_repetitions=max_repetitions)
    poller = SnmpPoller(settings, CollectingSink())

    async def run() -> PollResult:
        try:
            target = await start_proxy(proxy) if proxy else port
            return await poller.poll_one("chu-a", creds, "127.0.0.1", target)
        finally:
            poller.close()
            if proxy:
                proxy.close()

    return asyncio.run(run())


@pytest.mark.parametrize("creds", [GOOD_V2C, GOOD_V3], ids=["v2c", "v3-authpriv"])
def test_inventory_over_v2c_and_v3(snmpd: int, creds: V2cCredentials | V3Credentials) -> None:
    result = _poll(snmpd, creds)
    assert result.status is PollStatus.OK, result
    assert result.device is not None and result.device.vendor == "Net-SNMP"
    assert result.device.sys_object_id.startswith("1.3.6.1.4.1.8072.")
    assert result.device.sys_uptime_ticks > 0
    assert any(i.name == "lo" and i.oper_up and i.type == 24 for i in result.device.interfaces)


def test_agent_without_entity_mib_has_no_entities_and_is_ok(snmpd: int) -> None:
    result = _poll(snmpd, GOOD_V2C)
    assert result.status is PollStatus.OK and result.device is not None
    assert result.device.entities == ()


@pytest.mark.parametrize(
    ("creds", "reason"),
    [
        (V2cCredentials("wrong"), FailureReason.TIMEOUT),  # a wrong community is answered by silence
        (V3Credentials("socv3", "wrongpass123", "privpass123"), FailureReason.AUTH),
        (V3Credentials("nobody", "authpass123", "privpass123"), FailureReason.AUTH),
    ],
    ids=["wrong-community", "wrong-v3-key", "unknown-v3-user"],
)
def test_wrong_credentials_fail_typed(snmpd: int, creds: V2cCredentials | V3Credentials, reason: str) -> None:
    bad = _poll(snmpd, creds)
    assert bad.status is PollStatus.FAILED and bad.reason is reason and bad.device is None, bad


def test_never_answering_device_fails_with_timeout() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never answers
        silent.bind(("127.0.0.1", 0))
        result = _poll(int(silent.getsockname()[1]), GOOD_V2C)
    assert result.status is PollStatus.FAILED and result.reason is FailureReason.TIMEOUT


def test_device_silent_in_the_middle_of_a_table_is_partial_and_kept(snmpd: int) -> None:
    # Answers the system group and two one-row GETBULKs of the interface walk, then nothing.
    proxy = UdpProxy(("127.0.0.1", snmpd), max_answers=3)
    result = _poll(snmpd, GOOD_V2C, proxy=proxy, max_repetitions=1)
    assert result.status is PollStatus.PARTIAL and result.reason is FailureReason.TRUNCATED, result
    assert result.device is not None and result.device.sys_name  # what was read is kept
    assert len(result.device.interfaces) == 2
    assert "timeout" in result.detail and proxy.dropped >= 1


def test_device_silent_after_the_system_group_is_partial(snmpd: int) -> None:
    proxy = UdpProxy(("127.0.0.1", snmpd), max_answers=1)
    result = _poll(snmpd, GOOD_V2C, proxy=proxy)
    assert result.status is PollStatus.PARTIAL and result.reason is FailureReason.TRUNCATED
    assert result.device is not None and result.device.interfaces == ()
