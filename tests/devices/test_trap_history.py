"""Which traps a device's history keeps: the generic ones, from known devices of the trap's establishment."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import DeviceChange, NetworkDevice
from ght_soc.services.device_traps import TrapLine, record_trap_history
from tests.conftest import Establishments

AT = datetime(2026, 11, 29, 3, 12, tzinfo=UTC)


def test_generic_traps_of_known_devices_only(app: Flask, establishments: Establishments) -> None:
    chu, epsm = establishments["chu-tours-demo"].id, establishments["epsm-loches-demo"].id
    with db.session_for(SYSTEM, app) as session:
        session.add(
            NetworkDevice(
                establishment_id=chu,
                target="lan",
                address="10.1.0.2",
                poll_status="ok",
                first_seen_at=AT,
                last_polled_at=AT,
                last_answered_at=AT,
            )
        )
        session.flush()
        written = record_trap_history(
            session=session,
            lines=[
                TrapLine(chu, "10.1.0.2", "linkUp", "Gi1/0/7", AT),
                TrapLine(chu, "10.1.0.2", "coldStart", None, AT),
                TrapLine(chu, "10.1.0.2", "ciscoConfigManEvent", None, AT),  # a vendor's: an event only
                TrapLine(chu, "10.1.0.9", "linkDown", "Gi1/0/1", AT),  # no such device
                TrapLine(epsm, "10.1.0.2", "linkDown", "Gi1/0/1", AT),  # the same address at another member
            ],
        )
        kinds = [(c.kind, c.detail) for c in session.scalars(select(DeviceChange).order_by(DeviceChange.id))]
    assert written == 2
    assert kinds == [("trap_link_up", "trap linkUp, interface Gi1/0/7"), ("trap_restart", "trap coldStart")]
