"""Hygiene probes against real agents: default communities, v3 or not; and the finding rules."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from connectors.base import CollectingSink
from connectors.snmp.hygiene import FindingKind, VulnerableFirmware, check_probe
from connectors.snmp.probes import CommunityAnswer, MessageVersion, ProbeResult, SnmpProber
from connectors.snmp.records import Device, PhysicalEntity
from connectors.snmp.settings import EstablishmentTargets, PollerSettings, V2cCredentials
from tests.connectors.snmp.snmpd import STANDARD, running_snmpd, snmpd_missing
from tests.connectors.snmp.udpproxy import UdpProxy, is_community_message, start_proxy

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def weak_snmpd() -> Iterator[int]:
    """An agent left with the factory `public` community next to the configured ones."""
    if snmpd_missing():
        pytest.skip("Debian snmpd not installed")
    with running_snmpd((*STANDARD, "rocommunity public 127.0.0.1")) as port:
        yield port


def _probe(port: int, *, enabled: bool = True, v2c_only: bool = False) -> ProbeResult:
    sink: CollectingSink[ProbeResult] = CollectingSink()

    async def run() -> None:
        proxy = UdpProxy(("127.0.0.1", port), allow=is_community_message) if v2c_only else None
        target = await start_proxy(proxy) if proxy else port
        targets = (EstablishmentTargets("chu-a", V2cCredentials("x"), hosts=("127.0.0.1",), port=target),)
        settings = PollerSettings(targets, timeout_s=0.5, retries=0, probe_default_communities=enabled)
        try:
            await SnmpProber(settings, sink).run()
        finally:
            if proxy:
                proxy.close()

    asyncio.run(run())
    [result] = sink.records
    return result


def test_default_community_found_in_v1_and_v2c(weak_snmpd: int) -> None:
    result = _probe(weak_snmpd)
    assert set(result.default_communities) == {
        CommunityAnswer("public", MessageVersion.V1),
        CommunityAnswer("public", MessageVersion.V2C),
    }
    assert result.communities == ("public",) and result.answers_v3


def test_configured_community_only_gives_no_default_finding(snmpd: int) -> None:
    result = _probe(snmpd)
    assert result.default_communities == () and result.answers_v3
    assert check_probe(result) == []


def test_community_probing_is_off_unless_enabled(weak_snmpd: int) -> None:
    result = _probe(weak_snmpd, enabled=False)
    assert result.default_communities == () and not result.communities_probed and result.answers_v3


def test_v2c_only_device_is_reported_without_v3(weak_snmpd: int) -> None:
    result = _probe(weak_snmpd, v2c_only=True)
    assert not result.answers_v3 and result.communities == ("public",)
    kinds = [f.kind for f in check_probe(result)]
    assert kinds == [FindingKind.DEFAULT_COMMUNITY, FindingKind.DEFAULT_COMMUNITY, FindingKind.NO_V3]


CHASSIS = PhysicalEntity(1, "chassis", "C9300-48P", "FOC1", "V01", "17.9.4 ", "17.9.4", 3)
SWITCH = Device(
    "chu-a", "10.0.0.1", "sw1", "Cisco IOS", "1.3.6.1.4.1.9.1.2066", 1, "", "", "Cisco", (), (CHASSIS,)
)


@pytest.mark.parametrize(
    ("entry", "found"),
    [
        (VulnerableFirmware("Cisco", "17.9.4", "cisco-sa-1"), True),
        (VulnerableFirmware("cisco", " 17.9.4", "cisco-sa-1"), True),  # spelling differences ignored
        (VulnerableFirmware("Cisco", "17.9.4", "cisco-sa-1", model="C9300-48P"), True),
        (VulnerableFirmware("Cisco", "17.9.4", "cisco-sa-1", model="C9200L"), False),
        (VulnerableFirmware("Cisco", "17.9.5", "cisco-sa-2"), False),
        (VulnerableFirmware("Juniper", "17.9.4", "jsa-1"), False),
    ],
)
def test_vulnerable_firmware_rule(entry: VulnerableFirmware, found: bool) -> None:
    probe = ProbeResult("chu-a", "10.0.0.1", NOW, (), True, True)
    findings = check_probe(probe, SWITCH, (entry,))
    assert [f.kind for f in findings] == ([FindingKind.VULNERABLE_FIRMWARE] if found else [])


def test_silent_target_gets_no_v3_finding() -> None:
    assert check_probe(ProbeResult("chu-a", "10.0.0.9", NOW, (), False, True)) == []
