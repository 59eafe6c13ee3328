"""End to end: net-snmp's `snmptrap` → the hub's trap receiver → the event store of the right establishment,
and the shipped Sigma rule raises an alert; a trap from an unknown sender lands in the unattributed bucket."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import select

from ght_soc import migrate
from ght_soc.access import SYSTEM, Scope
from ght_soc.app import create_app
from ght_soc.database import db
from ght_soc.events.factory import EXTENSION as EVENTS_EXTENSION
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.events.store import EventQuery
from ght_soc.listening import BackgroundListener
from ght_soc.models import Alert, DeviceChange, Establishment, NetworkDevice
from ght_soc.services.ghts import sync_from_config
from ght_soc.settings import load_config
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET

COMMUNITY = "traps-chu-demo"
LINK_DOWN = "1.3.6.1.6.3.1.1.5.3"


@pytest.fixture()
def trap_hub(fresh_database_url: Callable[[str, str], str], tmp_path: Path) -> Iterator[tuple[Flask, int]]:
    document = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    document["logs"]["listeners"] = []
    document["logs"]["trap_listeners"] = [{"name": "traps", "port": 0}]
    chu = next(e for e in document["establishments"] if e["key"] == "chu-tours-demo")
    chu["snmp"] = [
        {"name": "coeur", "hosts": ["127.0.0.1"], "version": "v2c", "community_env": "TEST_COMMUNITY"}
    ]
    path = tmp_path / "ght.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    url = fresh_database_url("sqlite", f"traps_{tmp_path.name[-12:].lower().replace('-', '_')}")
    migrate.upgrade(url)
    config = load_config(
        path,
        environ={"GHT_SOC_SECRET_KEY": TEST_SECRET, "GHT_SOC_DATABASE_URL": url, "TEST_COMMUNITY": COMMUNITY},
    )
    app = create_app(config, overrides={"TESTING": True})
    app.extensions[EVENTS_EXTENSION] = SqliteEventStore(tmp_path / "events.db")
    with db.session_for(SYSTEM, app) as session:
        sync_from_config(session=session, settings=config.settings)
    listener = BackgroundListener(app)
    ports = listener.start()
    yield app, ports["traps"]
    listener.stop()
    app.extensions[EVENTS_EXTENSION].close()
    db.dispose(app)


def snmptrap(
    port: int, *, source: str = "127.0.0.1", community: str = COMMUNITY, trap: str = LINK_DOWN
) -> None:
    subprocess.run(
        [
            "snmptrap", "-v", "2c", "-c", community, "-m", "", "-M", "/dev/null", "--clientaddr=" + source,
            f"127.0.0.1:{port}", "", trap,
            "1.3.6.1.2.1.2.2.1.1.7", "i", "7",
            "1.3.6.1.2.1.31.1.1.1.1.7", "s", "Gi1/0/7",
        ],
        check=True, timeout=10, capture_output=True,
    )  # fmt: skip


def events(app: Flask, **criteria: object) -> list[dict[str, object]]:
    store: SqliteEventStore = app.extensions[EVENTS_EXTENSION]
    return list(store.search(EventQuery(**criteria), Scope.everything()).events)  # type: ignore[arg-type]


def wait_for(condition: Callable[[], bool], timeout: float) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "not within the time allowed"
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_link_down_trap_is_an_event_of_its_establishment_within_two_seconds_and_raises_an_alert(
    trap_hub: tuple[Flask, int],
) -> None:
    app, port = trap_hub
    with db.session_for(SYSTEM, app) as session:
        chu = session.scalars(select(Establishment).where(Establishment.key == "chu-tours-demo")).one().id
    snmptrap(port)
    wait_for(lambda: bool(events(app, fields={"event.action": "linkDown"})), timeout=2)
    [event] = events(app, fields={"event.action": "linkDown"})
    assert event["establishment_id"] == chu
    assert event["interface.name"] == "Gi1/0/7" and "linkDown" in str(event["message"])

    def alerted() -> bool:
        with db.session_for(SYSTEM, app) as session:
            return session.scalars(select(Alert).where(Alert.establishment_id == chu)).first() is not None

    wait_for(alerted, timeout=5)


def test_a_trap_from_an_unknown_sender_is_kept_unattributed(trap_hub: tuple[Flask, int]) -> None:
    app, port = trap_hub
    snmptrap(port, source="127.0.0.2")
    wait_for(lambda: bool(events(app, unattributed=True)), timeout=3)
    assert events(app, unattributed=True)[0]["source.ip"] == "127.0.0.2"


def test_a_link_down_trap_from_a_known_device_is_written_in_its_history(trap_hub: tuple[Flask, int]) -> None:
    app, port = trap_hub
    with db.session_for(SYSTEM, app) as session:
        chu = session.scalars(select(Establishment).where(Establishment.key == "chu-tours-demo")).one().id
        device = NetworkDevice(
            establishment_id=chu,
            target="coeur",
            address="127.0.0.1",
            sys_name="sw-coeur-chu",
            poll_status="ok",
            first_seen_at=datetime.now(UTC),
            last_polled_at=datetime.now(UTC),
            last_answered_at=datetime.now(UTC),
        )
        session.add(device)
        session.flush()
        device_id = device.id
    snmptrap(port)

    def history() -> list[tuple[str, str]]:
        with db.session_for(SYSTEM, app) as session:
            rows = session.scalars(select(DeviceChange).where(DeviceChange.device_id == device_id))
            return [(row.kind, row.detail) for row in rows]

    wait_for(lambda: bool(history()), timeout=3)
    assert history() == [("trap_link_down", "trap linkDown, interface Gi1/0/7")]
