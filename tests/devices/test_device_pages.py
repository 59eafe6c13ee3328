"""The device pages: list with filters, detail with interfaces, entities and history; scoped per establishment."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from connectors.snmp.records import Device, PollResult, PollStatus
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.models import NetworkDevice
from ght_soc.services.devices import apply_poll
from tests.conftest import Establishments, HubClient
from tests.devices.test_device_changes import T0, switch

OWN, OTHER = "ehpad-blois-demo", "epsm-loches-demo"


def poll(app: Flask, establishment_id: int, device: Device, at=T0) -> None:
    with db.session_for(SYSTEM, app) as session:
        apply_poll(
            session=session,
            establishment_id=establishment_id,
            target="lan",
            results=[PollResult(device.establishment, device.address, PollStatus.OK, at, device)],
            now=at,
        )


def fleet(app: Flask, establishments: Establishments) -> dict[str, int]:
    poll(app, establishments[OWN].id, replace(switch("10.41.0.2"), sys_name="sw-ehpad", vendor="HPE"))
    other = replace(switch("10.37.90.2"), sys_name="sw-epsm-pavillon")
    poll(app, establishments[OTHER].id, other)
    poll(app, establishments[OTHER].id, replace(other, sys_uptime_ticks=10), at=T0 + timedelta(minutes=5))
    with db.session_for(SYSTEM, app) as session:
        return {d.sys_name: d.id for d in session.scalars(select(NetworkDevice))}


def text(client: HubClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.text)


def test_the_ght_rssi_sees_every_device_and_its_detail(
    app: Flask, client: HubClient, make_user, establishments: Establishments
) -> None:
    ids = fleet(app, establishments)
    make_user("rssi", Role.GHT_RSSI)
    client.login("rssi")
    listing = text(client, "/devices/")
    assert "sw-ehpad" in listing and "sw-epsm-pavillon" in listing
    detail = text(client, f"/devices/{ids['sw-epsm-pavillon']}")
    for expected in ("Gi1/0/48", "C9300-48P", "FOC1234", "17.9.4", "Urgences", "10.37.90.2"):
        assert expected in detail, expected
    assert "/alerts/" in detail  # the reboot line of the history links its alert
    assert "sw-epsm-pavillon" not in text(client, "/devices/?vendor=HPE")
    assert "sw-ehpad" not in text(client, f"/devices/?establishment={establishments[OTHER].id}")
    assert "sw-ehpad" in text(client, "/devices/?q=10.41")
    assert "sw-ehpad" not in text(client, "/devices/?state=silent")


def test_a_site_correspondent_sees_only_their_devices(
    app: Flask, client: HubClient, make_user, establishments: Establishments
) -> None:
    ids = fleet(app, establishments)
    make_user("correspondant", Role.SITE_CORRESPONDENT, OWN)
    client.login("correspondant")
    listing = text(client, "/devices/")
    assert "sw-ehpad" in listing and "sw-epsm-pavillon" not in listing
    assert "sw-epsm-pavillon" not in text(client, f"/devices/?establishment={establishments[OTHER].id}")
    assert client.get(f"/devices/{ids['sw-epsm-pavillon']}").status_code == 404
    assert "Gi1/0/1" in text(client, f"/devices/{ids['sw-ehpad']}")
