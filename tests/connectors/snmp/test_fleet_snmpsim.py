"""Inventory of a simulated establishment: 200+ devices served by snmpsim, polled once for the module."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from connectors.base import CollectingSink
from connectors.snmp.poller import SnmpPoller
from connectors.snmp.records import Device, FailureReason, PollResult, PollStatus
from connectors.snmp.settings import EstablishmentTargets, PollerSettings, V2cCredentials
from tests.connectors.snmp.conftest import FLEET_SIZE, SimulatedFleet
from tests.connectors.snmp.snmpsim import ENTITY_CHASSIS


def poll_communities(
    port: int, communities: list[str], *, concurrency: int = 8, timeout_s: float = 5.0, retries: int = 1
) -> list[PollResult]:
    """Poll each community of snmpsim's endpoint as one device (one target per community).

    snmpsim answers one request at a time (~2-3 k values/s): more requests in flight only lengthen its queue,
    so concurrency stays low and the timeout generous (the poller's own speed is measured in bench/).
    """
    targets = tuple(
        EstablishmentTargets("chu-a", V2cCredentials(c), hosts=("127.0.0.1",), port=port) for c in communities
    )
    sink: CollectingSink[PollResult] = CollectingSink()
    settings = PollerSettings(targets=targets, concurrency=concurrency, timeout_s=timeout_s, retries=retries)
    asyncio.run(SnmpPoller(settings, sink).poll())
    return sink.records


@pytest.fixture(scope="module")
def inventory(simulated: SimulatedFleet) -> dict[str, Device]:
    results = poll_communities(simulated.port, [d.community for d in simulated.devices])
    assert Counter(r.status for r in results) == {PollStatus.OK: FLEET_SIZE}, [r for r in results if r.status]
    return {r.device.sys_name: r.device for r in results if r.device}


def test_every_simulated_device_is_inventoried(
    simulated: SimulatedFleet, inventory: dict[str, Device]
) -> None:
    assert len(inventory) == FLEET_SIZE >= 200
    assert sorted(inventory) == sorted(d.community for d in simulated.devices)


def test_interface_counts_by_kind(simulated: SimulatedFleet, inventory: dict[str, Device]) -> None:
    expected = {d.community: d.ports for d in simulated.devices}
    assert {name: len(dev.interfaces) for name, dev in inventory.items()} == expected
    switch = next(inventory[d.community] for d in simulated.devices if d.kind == "switch")
    uplink = switch.interfaces[-1]
    assert (uplink.name, uplink.alias, uplink.speed_bps, uplink.oper_up) == (
        "Gi1/0/48",
        "uplink",
        10**9,
        True,
    )
    assert sum(not i.oper_up for i in switch.interfaces) == 11 and len(uplink.mac.split(":")) == 6


def test_vendors_from_sys_object_id(inventory: dict[str, Device]) -> None:
    vendors = Counter(d.vendor for d in inventory.values())
    assert set(vendors) == {"Cisco", "HP", "HPE Aruba", "Juniper", "Fortinet", "Lexmark", "Ricoh"}
    assert sum(vendors.values()) == FLEET_SIZE


def test_entity_mib_serials_and_firmware(simulated: SimulatedFleet, inventory: dict[str, Device]) -> None:
    for sim in simulated.devices:
        device = inventory[sim.community]
        if sim.kind == "printer":
            assert device.entities == ()  # no ENTITY-MIB: empty, not an error
            continue
        chassis = next(e for e in device.entities if e.physical_class == ENTITY_CHASSIS)
        assert (chassis.serial, chassis.model, chassis.firmware_rev) == (sim.serial, sim.model, sim.firmware)
    serials = [e.serial for d in inventory.values() for e in d.entities if e.physical_class == ENTITY_CHASSIS]
    assert len(serials) == len(set(serials)) == sum(d.kind != "printer" for d in simulated.devices)


def test_unknown_community_on_the_simulator_fails_typed(simulated: SimulatedFleet) -> None:
    [result] = poll_communities(simulated.port, ["no-such-device"], timeout_s=0.5, retries=0)
    assert result.status is PollStatus.FAILED and result.reason is FailureReason.TIMEOUT
