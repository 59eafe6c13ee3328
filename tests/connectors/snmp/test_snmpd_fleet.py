"""The bench's fast devices: snmpd serving a simulated device's records is inventoried as snmpsim serves it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import pytest

from connectors.base import CollectingSink
from connectors.snmp.poller import SnmpPoller
from connectors.snmp.records import Device, PollResult, PollStatus
from connectors.snmp.settings import EstablishmentTargets, PollerSettings, V2cCredentials
from tests.connectors.snmp.conftest import SimulatedFleet
from tests.connectors.snmp.snmpd import snmpd_missing
from tests.connectors.snmp.snmpd_fleet import assign, running_snmpd_fleet
from tests.connectors.snmp.snmpsim import fleet

TEMPLATES = 10  # the conftest fleet's first ten devices hold every kind: switch, router, printer


def inventory(targets: dict[str, int]) -> dict[str, Device]:
    """Poll each (community, port) once; the devices by community, uptime blanked (snmpd has its own)."""
    settings = PollerSettings(
        tuple(
            EstablishmentTargets("chu-a", V2cCredentials(c), hosts=("127.0.0.1",), port=p)
            for c, p in targets.items()
        ),
        concurrency=4,
        timeout_s=5.0,
    )
    sink: CollectingSink[PollResult] = CollectingSink()
    asyncio.run(SnmpPoller(settings, sink).poll())
    assert all(r.status is PollStatus.OK and r.device for r in sink.records), sink.records
    return {r.device.sys_name: replace(r.device, sys_uptime_ticks=0) for r in sink.records if r.device}


@pytest.fixture(scope="module")
def snmpd_ports(simulated: SimulatedFleet) -> Iterator[dict[str, int]]:
    if snmpd_missing():
        pytest.skip("Debian snmpd not installed")
    devices = list(simulated.devices[:TEMPLATES])
    with running_snmpd_fleet(devices, TEMPLATES) as ports:
        yield ports


def test_snmpd_serves_each_template_exactly_as_snmpsim(
    simulated: SimulatedFleet, snmpd_ports: dict[str, int]
) -> None:
    from_snmpd = inventory(snmpd_ports)
    from_snmpsim = inventory({c: simulated.port for c in snmpd_ports})
    assert len(from_snmpd) == TEMPLATES and {d.kind for d in simulated.devices[:TEMPLATES]} == {
        "switch",
        "router",
        "printer",
    }
    assert from_snmpd == from_snmpsim


@pytest.mark.parametrize(
    ("count", "instances", "templates_used"),
    [(500, 10, 10), (30, 20, 20), (7, 10, 7)],
)
def test_every_device_gets_a_template_of_its_kind_and_every_template_serves(
    count: int, instances: int, templates_used: int
) -> None:
    devices = fleet(count)
    template_of = assign(devices, instances)
    assert all(template_of[d.community].kind == d.kind for d in devices)
    assert len({t.community for t in template_of.values()}) == templates_used
    assert all(template_of[d.community] == d for d in devices[:instances])


def test_a_kind_without_a_template_is_refused() -> None:
    with pytest.raises(ValueError, match="printer"):
        assign(fleet(20), 5)  # the first five are switches
