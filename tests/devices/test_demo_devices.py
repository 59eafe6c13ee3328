"""The demo's simulated establishment: devices with interfaces, and a second round full of changes."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import func, select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.demo_devices import load_demo_devices
from ght_soc.models import DeviceChange, NetworkInterface


def test_the_demo_shows_devices_with_interfaces_and_changes_once(app: Flask) -> None:
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    result = load_demo_devices(app, "chu-tours-demo", now)
    assert result is not None and result.answered == 6 and result.alerts_created == 3
    with db.session_for(SYSTEM, app) as session:
        assert session.scalar(select(func.count()).select_from(NetworkInterface)) == 3 * 48 + 2 * 4 + 1
        kinds = sorted(c.kind for c in session.scalars(select(DeviceChange)) if c.kind != "new_device")
    assert kinds == ["critical_interface_down", "firmware_changed", "rebooted"]
    assert load_demo_devices(app, "chu-tours-demo", now) is None
