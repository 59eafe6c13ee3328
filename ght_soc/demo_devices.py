"""Demo network devices for `ght-soc demo`: a simulated establishment's switches, routers and printers.

The demo applies poll results built here, as the poller would emit them, through the same service as a real
round (two rounds: the second one shows a reboot, a firmware change and a critical uplink down). It needs no
SNMP agent: snmpsim selects its data by community, one per device, while the hub polls a group of addresses
with one community (see the report of the SNMP hub work).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from connectors.snmp.records import Device, Interface, PhysicalEntity, PollResult, PollStatus
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import Establishment, NetworkDevice
from ght_soc.services.devices import DevicePolicy, PollRoundResult, apply_poll

DEMO_GROUP = "reseau-demo"
UPLINK = "Te1/1/1"
# (name, sysObjectID, vendor, model, description, firmware, ports, location)
_FLEET = (
    (
        "sw-coeur-1",
        "1.3.6.1.4.1.9.1.2066",
        "Cisco",
        "C9300-48P",
        "Cisco IOS XE Catalyst 9300",
        "17.9.4",
        48,
        "Salle serveurs A",
    ),
    (
        "sw-urgences",
        "1.3.6.1.4.1.11.2.3.7.11.181",
        "HPE",
        "JL256A",
        "HPE Aruba 2930F-48G-PoE+",
        "WC.16.10.0012",
        48,
        "Urgences, baie 2",
    ),
    (
        "sw-bloc-op",
        "1.3.6.1.4.1.47196.4.1.1.1.300",
        "Aruba",
        "JL659A",
        "Aruba CX 6300M 48G",
        "FL.10.10.1020",
        48,
        "Bloc opératoire",
    ),
    (
        "rt-wan",
        "1.3.6.1.4.1.9.1.2068",
        "Cisco",
        "ISR4331/K9",
        "Cisco IOS XE ISR4300",
        "17.6.5",
        4,
        "Salle serveurs A",
    ),
    (
        "fw-internet",
        "1.3.6.1.4.1.12356.101.1.1001",
        "Fortinet",
        "FG100F",
        "FortiGate-100F",
        "7.2.8",
        4,
        "Salle serveurs B",
    ),
    ("imp-admissions", "1.3.6.1.4.1.367.1.1", "Ricoh", "", "RICOH IM C3000", "", 1, "Bureau des admissions"),
)


def _device(
    key: str, number: int, uptime: int, uplink_up: bool = True, firmware: str | None = None
) -> Device:
    name, oid, vendor, model, descr, default_firmware, ports, location = _FLEET[number]
    firmware = default_firmware if firmware is None else firmware
    interfaces = tuple(
        Interface(
            index=i,
            name=(UPLINK if i == ports and ports == 48 else f"Gi1/0/{i}") if ports > 1 else "eth0",
            alias="uplink coeur" if i == ports and ports == 48 else "",
            type=6,
            speed_bps=10**10 if i == ports and ports == 48 else 10**9,
            mac=f"00:1a:2b:{number:02x}:{i // 256:02x}:{i % 256:02x}",
            admin_up=True,
            oper_up=uplink_up if i == ports and ports == 48 else i % 5 != 0,
        )
        for i in range(1, ports + 1)
    )
    entities = (
        (
            PhysicalEntity(
                1, f"{model} chassis", model, f"FOC{number:04d}{key[:3].upper()}", "V01", firmware, firmware
            ),
            PhysicalEntity(2, "Power supply 1", "PWR-C1-715WAC", f"PSU{number:05d}", "V02", "", ""),
        )
        if model
        else ()
    )
    return Device(
        key,
        f"10.37.1.{10 + number}",
        name,
        descr,
        oid,
        uptime,
        "reseau@chu-demo.invalid",
        location,
        vendor,
        interfaces,
        entities,
    )


def demo_rounds(key: str, now: datetime) -> list[list[PollResult]]:
    """Two poll rounds five minutes apart; the second has a reboot, a firmware upgrade and an uplink down."""
    first_at, second_at = now - timedelta(minutes=5), now
    first = [
        PollResult(key, d.address, PollStatus.OK, first_at, d)
        for d in (_device(key, n, 8_640_000 * (n + 3)) for n in range(len(_FLEET)))
    ]
    second = []
    for n, result in enumerate(first):
        assert result.device is not None
        device = replace(result.device, sys_uptime_ticks=result.device.sys_uptime_ticks + 30_000)
        if n == 0:
            device = _device(key, n, 8_640_000 * 3 + 30_000, uplink_up=False)
        if n == 3:
            device = _device(key, n, 12_000, firmware="17.9.5")  # upgraded, hence rebooted
        second.append(PollResult(key, device.address, PollStatus.OK, second_at, device))
    return [first, second]


def load_demo_devices(app: Flask, key: str, now: datetime) -> PollRoundResult | None:
    """Apply the demo rounds to establishment `key` once; None when its demo devices are already there."""
    policy = DevicePolicy(critical_interfaces=frozenset({UPLINK}))
    result: PollRoundResult | None = None
    for number, round_results in enumerate(demo_rounds(key, now)):
        with db.session_for(SYSTEM, app) as session:
            establishment_id = int(
                session.scalars(select(Establishment.id).where(Establishment.key == key)).one()
            )
            present = select(NetworkDevice.id).where(
                NetworkDevice.establishment_id == establishment_id, NetworkDevice.target == DEMO_GROUP
            )
            if number == 0 and session.scalars(present.limit(1)).first() is not None:
                return None  # a second `ght-soc demo` would replay old uptimes: reboots everywhere
            result = apply_poll(
                session=session,
                establishment_id=establishment_id,
                target=DEMO_GROUP,
                results=round_results,
                now=round_results[0].polled_at,
                policy=policy,
            )
    return result
