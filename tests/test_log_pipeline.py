"""End to end on a real database: `logger` → listener → event store → events page; a burst → one alert."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from ght_soc import migrate
from ght_soc.access import SYSTEM
from ght_soc.app import create_app
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.events.factory import EXTENSION as EVENTS_EXTENSION
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.listening import BackgroundListener
from ght_soc.models import Alert
from ght_soc.services.ghts import sync_from_config
from ght_soc.services.users import create_user
from ght_soc.settings import load_config
from tests.conftest import EXAMPLE_CONFIG, TEST_PASSWORD, TEST_SECRET, HubClient


@pytest.fixture()
def live_hub(
    backend: str, fresh_database_url: Callable[[str, str], str], tmp_path: Path
) -> Iterator[tuple[Flask, dict[str, int]]]:
    """A hub on its own committed database, with the demo configuration's listeners on free ports."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = re.sub(r"port: (551[45]|5162)", "port: 0", text)
    config_path = tmp_path / "ght.yaml"
    config_path.write_text(text, encoding="utf-8")
    url = fresh_database_url(backend, f"pipeline_{tmp_path.name[-12:].lower().replace('-', '_')}")
    migrate.upgrade(url)
    config = load_config(
        config_path, environ={"GHT_SOC_SECRET_KEY": TEST_SECRET, "GHT_SOC_DATABASE_URL": url}
    )
    # The RSSI logs in by password only here: enrolment is tested in tests/security and the journeys.
    app = create_app(config, overrides={"TESTING": True, "GHT_SOC_TOTP_ENROLMENT_ENFORCED": False})
    app.extensions[EVENTS_EXTENSION] = SqliteEventStore(tmp_path / "events.db")
    with db.session_for(SYSTEM, app) as session:
        sync_from_config(session=session, settings=config.settings)
        create_user(
            session=session,
            login="rssi",
            display_name="RSSI",
            password=TEST_PASSWORD,
            grants=[(Role.GHT_RSSI, None)],
        )
    listener = BackgroundListener(app)
    ports = listener.start()
    app.extensions["test.listener"] = listener
    yield app, ports
    listener.stop()
    app.extensions[EVENTS_EXTENSION].close()
    db.dispose(app)


def send(port: int, *messages: str, protocol: str = "--udp") -> None:
    for message in messages:
        subprocess.run(
            ["logger", "--server", "127.0.0.1", "--port", str(port), protocol, "--tag", "test", message],
            check=True,
            timeout=10,
        )


def wait_for(condition: Callable[[], bool], timeout: float) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "not within the time allowed"
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_logged_line_is_on_the_right_establishments_page_within_two_seconds(
    live_hub: tuple[Flask, dict[str, int]],
) -> None:
    app, ports = live_hub
    app.test_client_class = HubClient
    client: HubClient = app.test_client()  # type: ignore[assignment]
    client.login("rssi")
    chu = client.get("/api/v1/establishments").get_json()["items"]
    chu_id = next(e["id"] for e in chu if e["key"] == "chu-tours-demo")
    epsm_id = next(e["id"] for e in chu if e["key"] == "epsm-loches-demo")

    send(ports["syslog-udp"], "connexion VPN refusée pour jdupont")
    send(ports["syslog-epsm"], "sauvegarde terminée", protocol="--tcp")
    elapsed = wait_for(lambda: "jdupont" in client.get(f"/events/?establishment={chu_id}").text, timeout=2)
    assert elapsed < 2
    wait_for(lambda: "sauvegarde" in client.get(f"/events/?establishment={epsm_id}").text, timeout=2)
    assert "sauvegarde" not in client.get(f"/events/?establishment={chu_id}").text


def test_a_burst_of_failed_logons_raises_one_deduplicated_alert(
    live_hub: tuple[Flask, dict[str, int]],
) -> None:
    app, ports = live_hub
    now_in_paris = datetime.now(ZoneInfo("Europe/Paris")).strftime(
        "%Y-%m-%d %H:%M:%S"
    )  # NXLog sends local time
    event = {
        "EventTime": now_in_paris,
        "Hostname": "DC01",
        "EventID": 4625,
        "TargetUserName": "admin",
        "IpAddress": "203.0.113.9",
    }
    lines = [json.dumps(event)] * 15
    send(ports["syslog-tcp"], *lines[:8], protocol="--tcp")
    send(ports["syslog-tcp"], *lines[8:], protocol="--tcp")

    def alerts() -> list[Alert]:
        with db.session_for(SYSTEM, app) as session:
            return list(session.scalars(select(Alert).where(Alert.source == "sigma")))

    wait_for(lambda: any(a.count >= 15 for a in alerts()) or len(alerts()) > 1, timeout=5)
    (alert,) = alerts()
    assert alert.title.startswith("Force brute") and alert.count == 15


def test_the_listener_reports_its_health_per_port_and_establishment(
    live_hub: tuple[Flask, dict[str, int]], make_client
) -> None:
    app, ports = live_hub
    send(ports["syslog-udp"], "un", "deux", "trois")
    listener: BackgroundListener = app.extensions["test.listener"]
    hub_listener = listener._listener  # noqa: SLF001 - the test triggers the periodic report now
    assert hub_listener is not None
    wait_for(lambda: sum(c.events for c in hub_listener.sink.per_establishment.values()) == 3, timeout=5)
    hub_listener.reporter.report()

    app.test_client_class = HubClient
    client: HubClient = app.test_client()  # type: ignore[assignment]
    client.login("rssi")
    items = client.get("/api/v1/connectors").get_json()["items"]
    by_name = {(i["name"], i["establishment_id"]): i for i in items}
    assert by_name[("syslog-udp", None)]["events"] == 3
    assert by_name[("syslog-udp", None)]["details"]["kernel_drops"] == 0
    chu = next(i for (name, est), i in by_name.items() if name == "journaux reçus" and est is not None)
    assert chu["events"] == 3 and chu["last_event_at"] is not None
    assert "syslog-udp" in client.get("/connectors/").text
