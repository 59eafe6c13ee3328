"""Poll rounds as records applied to the inventory: changes become history lines and alerts, findings follow
the last complete poll, and nothing is deleted by an incomplete one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from connectors.snmp.hygiene import VulnerableFirmware
from connectors.snmp.probes import CommunityAnswer, MessageVersion, ProbeResult
from connectors.snmp.records import (
    Device,
    FailureReason,
    Interface,
    PhysicalEntity,
    PollResult,
    PollStatus,
)
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import AlertSeverity
from ght_soc.models import Alert, DeviceChange, DeviceFinding, NetworkDevice
from ght_soc.services.devices import DevicePolicy, PollRoundResult, apply_poll
from tests.conftest import Establishments

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
KEY = "ch-amboise-demo"
POLICY = DevicePolicy(
    silent_after=3,
    critical_interfaces=frozenset({"Gi1/0/48"}),
    vulnerable=(VulnerableFirmware("Cisco", "17.3.1", "CVE-2023-20198"),),
)


def switch(address: str = "10.37.64.2", **changes: object) -> Device:
    ports = tuple(
        Interface(i, f"Gi1/0/{i}", "", 6, 10**9, f"00:11:22:33:44:{i:02x}", True, True) for i in (1, 2, 48)
    )
    entity = PhysicalEntity(1, "C9300 chassis", "C9300-48P", "FOC1234", "V01", "17.9.4", "17.9.4")
    base = Device(
        KEY,
        address,
        "sw-urgences",
        "Cisco IOS",
        "1.3.6.1.4.1.9.1.2066",
        500_000,
        "",
        "Urgences",
        "Cisco",
        ports,
        (entity,),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def ok(device: Device, at: datetime, status: PollStatus = PollStatus.OK) -> PollResult:
    return PollResult(KEY, device.address, status, at, device)


def failed(address: str, at: datetime) -> PollResult:
    return PollResult(KEY, address, PollStatus.FAILED, at, reason=FailureReason.TIMEOUT, detail="no answer")


def apply(
    app: Flask, establishment_id: int, *results: PollResult, at: datetime, **kw: object
) -> PollRoundResult:
    with db.session_for(SYSTEM, app) as session:
        return apply_poll(
            session=session,
            establishment_id=establishment_id,
            target="coeur",
            results=list(results),
            now=at,
            **{"policy": POLICY, **kw},  # type: ignore[arg-type]
        )


def alerts(app: Flask) -> list[tuple[str, AlertSeverity]]:
    with db.session_for(SYSTEM, app) as session:
        return [
            (a.title, a.severity)
            for a in session.scalars(select(Alert).where(Alert.source == "snmp").order_by(Alert.id))
        ]


def history(app: Flask) -> list[tuple[str, bool]]:
    with db.session_for(SYSTEM, app) as session:
        return [
            (c.kind, c.alert_id is not None)
            for c in session.scalars(select(DeviceChange).order_by(DeviceChange.id))
        ]


def stored(app: Flask, address: str = "10.37.64.2") -> NetworkDevice:
    with db.session_for(SYSTEM, app) as session:
        row = session.scalars(select(NetworkDevice).where(NetworkDevice.address == address)).one()
        _ = (row.interfaces, row.entities)
        return row


def down(device: Device, name: str) -> Device:
    return replace(device, interfaces=tuple(replace(i, oper_up=i.name != name) for i in device.interfaces))


def new_firmware(device: Device) -> Device:
    return replace(
        device,
        entities=tuple(replace(e, firmware_rev="17.12.1", software_rev="17.12.1") for e in device.entities),
    )


@pytest.mark.parametrize(
    ("second", "kind", "title", "severity"),
    [
        (
            replace(switch(), sys_uptime_ticks=1_000),
            "rebooted",
            "Équipement réseau redémarré",
            AlertSeverity.MEDIUM,
        ),
        (
            new_firmware(switch()),
            "firmware_changed",
            "Micrologiciel d'un équipement réseau changé",
            AlertSeverity.MEDIUM,
        ),
        (
            down(switch(), "Gi1/0/48"),
            "critical_interface_down",
            "Interface critique tombée",
            AlertSeverity.HIGH,
        ),
    ],
    ids=["reboot-uptime-went-back", "firmware-changed", "critical-interface-down"],
)
def test_a_change_between_two_polls_is_a_history_line_and_an_alert(
    app: Flask, establishments: Establishments, second: Device, kind: str, title: str, severity: AlertSeverity
) -> None:
    est = establishments[KEY].id
    apply(app, est, ok(switch(), T0), at=T0)
    result = apply(app, est, ok(second, T0 + timedelta(minutes=5)), at=T0 + timedelta(minutes=5))
    assert result.changes == 1 and result.alerts_created == 1
    assert history(app) == [("new_device", False), (kind, True)]
    [(alert_title, alert_severity)] = alerts(app)
    assert alert_title == f"{title} : sw-urgences (10.37.64.2)" and alert_severity is severity


def test_an_ordinary_interface_going_down_is_stored_without_an_alert(
    app: Flask, establishments: Establishments
) -> None:
    est = establishments[KEY].id
    apply(app, est, ok(switch(), T0), at=T0)
    apply(app, est, ok(down(switch(), "Gi1/0/2"), T0 + timedelta(minutes=5)), at=T0 + timedelta(minutes=5))
    assert alerts(app) == []
    port = next(i for i in stored(app).interfaces if i.name == "Gi1/0/2")
    assert not port.oper_up and port.updated_at == T0 + timedelta(minutes=5)  # "down since"


def test_a_new_device_alerts_only_after_the_first_round(app: Flask, establishments: Establishments) -> None:
    est = establishments[KEY].id
    first = apply(app, est, ok(switch(), T0), at=T0)
    assert first.alerts_created == 0
    apply(
        app,
        est,
        ok(switch(), T0 + timedelta(minutes=5)),
        ok(switch("10.37.64.3"), T0),
        at=T0 + timedelta(minutes=5),
    )
    assert alerts(app) == [("Nouvel équipement réseau : sw-urgences (10.37.64.3)", AlertSeverity.LOW)]


def test_an_address_that_never_answered_is_not_a_device(app: Flask, establishments: Establishments) -> None:
    result = apply(app, establishments[KEY].id, failed("10.37.64.9", T0), at=T0)
    assert (result.polled, result.failed, result.changes) == (1, 1, 0)
    with db.session_for(SYSTEM, app) as session:
        assert session.scalars(select(NetworkDevice)).all() == []


def test_a_partial_poll_keeps_what_it_did_not_read_and_a_complete_one_removes_it(
    app: Flask, establishments: Establishments
) -> None:
    est = establishments[KEY].id
    apply(app, est, ok(switch(), T0), at=T0)
    system_only = replace(switch(), interfaces=(), entities=(), sys_location="Urgences, baie 2")
    apply(app, est, ok(system_only, T0, PollStatus.PARTIAL), at=T0 + timedelta(minutes=5))
    kept = stored(app)
    assert len(kept.interfaces) == 3 and len(kept.entities) == 1 and kept.sys_location == "Urgences, baie 2"
    assert kept.poll_status == "partial" and kept.last_complete_at == T0
    fewer = replace(switch(), interfaces=switch().interfaces[:2])
    apply(app, est, ok(fewer, T0), at=T0 + timedelta(minutes=10))
    assert [i.name for i in stored(app).interfaces] == ["Gi1/0/1", "Gi1/0/2"]


def test_hygiene_findings_follow_the_last_complete_poll(app: Flask, establishments: Establishments) -> None:
    est = establishments[KEY].id
    vulnerable = replace(
        switch(), entities=(replace(switch().entities[0], firmware_rev="17.3.1", software_rev="17.3.1"),)
    )
    probe = ProbeResult(KEY, "10.37.64.2", T0, (CommunityAnswer("public", MessageVersion.V2C),), False, True)
    result = apply(app, est, ok(vulnerable, T0), at=T0, probes={probe.address: probe})
    assert result.findings == 3
    with db.session_for(SYSTEM, app) as session:
        opened = {f.kind: f.subject for f in session.scalars(select(DeviceFinding))}
    assert set(opened) == {"default_community", "no_v3", "vulnerable_firmware"}
    assert "public" in opened["default_community"] and "CVE-2023-20198" in opened["vulnerable_firmware"]
    apply(app, est, ok(switch(), T0), at=T0 + timedelta(minutes=5))  # upgraded, no probe this round
    with db.session_for(SYSTEM, app) as session:
        assert all(f.resolved_at == T0 + timedelta(minutes=5) for f in session.scalars(select(DeviceFinding)))


def test_failures_below_the_threshold_raise_nothing(app: Flask, establishments: Establishments) -> None:
    est = establishments[KEY].id
    apply(app, est, ok(switch(), T0), at=T0)
    for n in (1, 2):
        apply(app, est, failed("10.37.64.2", T0), at=T0 + timedelta(minutes=5 * n))
    row = stored(app)
    assert row.consecutive_failures == 2 and not row.silent and alerts(app) == []
    assert len(row.interfaces) == 3 and row.firmware == "17.9.4"
