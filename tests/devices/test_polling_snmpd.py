"""Poll rounds against a real snmpd, through the hub: stored, kept when it stops answering, silent after N."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.device_polling import due, run_poll
from ght_soc.models import Alert, ConnectorStatus, DeviceChange, NetworkDevice
from tests.devices.conftest import GROUP, SNMPD_MISSING, Snmpd

pytestmark = SNMPD_MISSING


def _device(app: Flask) -> NetworkDevice:
    with db.session_for(SYSTEM, app) as session:
        device = session.scalars(select(NetworkDevice).where(NetworkDevice.target == "coeur")).one()
        _ = (device.interfaces, device.entities)  # loaded before the session closes
        return device


def _snmp_alerts(app: Flask) -> list[str]:
    with db.session_for(SYSTEM, app) as session:
        return [
            a.title for a in session.scalars(select(Alert).where(Alert.source == "snmp").order_by(Alert.id))
        ]


def _history(app: Flask) -> list[str]:
    with db.session_for(SYSTEM, app) as session:
        return [c.kind for c in session.scalars(select(DeviceChange).order_by(DeviceChange.id))]


def _status(app: Flask) -> ConnectorStatus:
    with db.session_for(SYSTEM, app) as session:
        return session.scalars(select(ConnectorStatus).where(ConnectorStatus.kind == "snmp")).one()


def test_a_poll_round_stores_the_device_and_its_interfaces(snmp_app: Flask) -> None:
    result, error = run_poll(snmp_app, GROUP)
    assert error is None and result is not None
    assert (result.polled, result.answered, result.failed) == (1, 1, 0)
    device = _device(snmp_app)
    assert device.vendor == "Net-SNMP" and device.poll_status == "ok" and device.uptime_ticks > 0
    loopback = next(i for i in device.interfaces if i.name == "lo")
    assert loopback.oper_up and loopback.critical  # named in critical_interfaces
    # The first round of a group records its devices without an alert: everything would look new.
    assert _history(snmp_app) == ["new_device"] and _snmp_alerts(snmp_app) == []
    status = _status(snmp_app)
    assert status.healthy and status.events == 1 and status.details["answered"] == 1
    assert status.details["duration_s"] < 5


def test_a_failed_poll_keeps_everything_and_counts_one_failure(snmp_app: Flask, snmpd: Snmpd) -> None:
    run_poll(snmp_app, GROUP)
    before = _device(snmp_app)
    snmpd.stop()
    result, error = run_poll(snmp_app, GROUP)
    assert result is not None and result.failed == 1 and error is not None
    after = _device(snmp_app)
    assert [i.name for i in after.interfaces] == [i.name for i in before.interfaces]
    assert (after.sys_descr, after.uptime_ticks) == (before.sys_descr, before.uptime_ticks)
    assert (after.consecutive_failures, after.poll_status, after.failure_reason) == (1, "failed", "timeout")
    assert not after.silent and _snmp_alerts(snmp_app) == []
    status = _status(snmp_app)
    assert not status.healthy and status.details["devices_failing"][0]["reason"] == "timeout"
    now = datetime.now(UTC)
    assert not due(snmp_app, GROUP, now) and due(snmp_app, GROUP, now + timedelta(minutes=6))


def test_a_device_is_silent_after_n_failed_polls_once_then_answers_again(
    snmp_app: Flask, snmpd: Snmpd
) -> None:
    run_poll(snmp_app, GROUP)
    snmpd.stop()
    alerts_after_each_failure = []
    for _ in range(4):
        run_poll(snmp_app, GROUP)
        alerts_after_each_failure.append(len(_snmp_alerts(snmp_app)))
    assert alerts_after_each_failure == [0, 0, 1, 1]  # silent_after: 3, and only once
    assert _snmp_alerts(snmp_app)[0].startswith("Équipement réseau muet")
    assert _device(snmp_app).silent
    snmpd.start()
    result, _ = run_poll(snmp_app, GROUP)
    assert result is not None and result.answered == 1
    device = _device(snmp_app)
    assert not device.silent and device.consecutive_failures == 0
    # A restarted snmpd is a rebooted device: its sysUpTime went back.
    assert _history(snmp_app) == ["new_device", "device_silent", "answering_again", "rebooted"]
    assert _snmp_alerts(snmp_app)[1].startswith("Équipement réseau redémarré")
    assert _status(snmp_app).healthy
