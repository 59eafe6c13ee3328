"""Change detection on hand-built device states (pure function, no network)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from connectors.snmp.changes import TICKS_WRAP, ChangeKind, detect_changes, rebooted
from connectors.snmp.records import Device, Interface, PhysicalEntity, PollResult, PollStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)
UPLINK = Interface(1, "Gi1/0/48", "uplink", 6, 10**9, "00:11:22:33:44:55", True, True)
CHASSIS = PhysicalEntity(1, "chassis", "C9300-48P", "FOC123", "V01", "17.9.4", "17.9.4")
DEVICE = Device(
    "chu-a",
    "10.0.0.1",
    "sw1",
    "Cisco IOS",
    "1.3.6.1.4.1.9.1.2066",
    5000,
    "",
    "",
    "Cisco",
    (UPLINK,),
    (CHASSIS,),
)


def _ok(device: Device) -> PollResult:
    return PollResult("chu-a", "10.0.0.1", PollStatus.OK, NOW, device)


def test_new_reboot_firmware_and_critical_link() -> None:
    assert [c.kind for c in detect_changes(None, _ok(DEVICE), failed_polls=0)] == [ChangeKind.NEW_DEVICE]
    new = replace(
        DEVICE,
        sys_uptime_ticks=10,
        entities=(replace(CHASSIS, firmware_rev="17.12.1"),),
        interfaces=(replace(UPLINK, oper_up=False),),
    )
    kinds = [
        c.kind
        for c in detect_changes(DEVICE, _ok(new), failed_polls=0, critical_interfaces=frozenset({"Gi1/0/48"}))
    ]
    assert kinds == [ChangeKind.REBOOTED, ChangeKind.FIRMWARE_CHANGED, ChangeKind.CRITICAL_INTERFACE_DOWN]


def test_an_uptime_counter_that_wraps_after_497_days_is_not_a_reboot() -> None:
    five_minutes = timedelta(minutes=5)
    near_the_end = TICKS_WRAP - 10_000  # 100 s before the 32-bit TimeTicks wrap
    assert not rebooted(near_the_end, 20_000, five_minutes)  # 300 s later: 200 s past the wrap
    assert rebooted(near_the_end, 100, five_minutes)  # far below where the wrap puts it: restarted
    assert rebooted(50_000_000, 6_000, five_minutes)  # no wrap was due in five minutes
    assert rebooted(50_000_000, 6_000, None)  # without the previous reading's time, going back is a restart
    assert not rebooted(5_000, 35_000, five_minutes)
    after_the_wrap = replace(DEVICE, sys_uptime_ticks=20_000)
    before = replace(DEVICE, sys_uptime_ticks=near_the_end)
    assert (
        detect_changes(before, _ok(after_the_wrap), failed_polls=0, previous_read_at=NOW - five_minutes) == []
    )


def test_silent_only_after_n_failures() -> None:
    failed = PollResult("chu-a", "10.0.0.1", PollStatus.FAILED, NOW)
    assert detect_changes(DEVICE, failed, failed_polls=1) == []
    assert [c.kind for c in detect_changes(DEVICE, failed, failed_polls=3)] == [ChangeKind.DEVICE_SILENT]
    assert detect_changes(DEVICE, failed, failed_polls=4) == []


def test_hygiene_findings() -> None:
    from connectors.snmp.hygiene import FindingKind, VulnerableFirmware, check_device

    vuln = (VulnerableFirmware("Cisco", "17.9.4", "cisco-sa-example"),)
    kinds = [
        f.kind
        for f in check_device(
            DEVICE, default_communities_answered=("public",), answers_v3=False, vulnerable=vuln
        )
    ]
    assert kinds == [FindingKind.DEFAULT_COMMUNITY, FindingKind.NO_V3, FindingKind.VULNERABLE_FIRMWARE]
    assert check_device(DEVICE, default_communities_answered=(), answers_v3=True) == []
