"""A real Debian snmpd that tests can stop and restart on the same port, and a hub configured to poll it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Connection

from ght_soc.app import create_app
from ght_soc.device_polling import TargetGroupRef
from ght_soc.events.factory import EXTENSION as EVENTS_EXTENSION
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.settings import LoadedConfig, load_config
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET

SNMPD = shutil.which("snmpd") or "/usr/sbin/snmpd"
SNMPD_MISSING = pytest.mark.skipif(not Path(SNMPD).exists(), reason="Debian snmpd not installed")
COMMUNITY = "hopital-ro"
ESTABLISHMENT = "chu-tours-demo"
GROUP = TargetGroupRef(ESTABLISHMENT, "coeur")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Snmpd:
    """snmpd on 127.0.0.1 with a v2c community and a v3 authPriv user; stop() and start() keep the port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_udp_port()
        self._proc: subprocess.Popen[bytes] | None = None
        (directory / "snmpd.conf").write_text(
            f"rocommunity {COMMUNITY} 127.0.0.1\n"
            "createUser socv3 SHA authpass123 AES privpass123\n"
            "rouser socv3 priv\n"
            f"persistentDir {directory}\n"
        )

    def start(self) -> None:
        self._proc = subprocess.Popen(
            [SNMPD, "-f", "-Lf", str(self.directory / "log"), "-C", "-c", str(self.directory / "snmpd.conf")]
            + [f"udp:127.0.0.1:{self.port}"]
        )
        deadline = time.monotonic() + 10
        while not self._answers():
            assert time.monotonic() < deadline, "snmpd did not answer within 10 s"
            time.sleep(0.1)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(5)
            self._proc = None

    def _answers(self) -> bool:
        done = subprocess.run(
            ["snmpget", "-v2c", "-c", COMMUNITY, "-t", "0.3", "-r", "0", "-On"]
            + [f"127.0.0.1:{self.port}", "1.3.6.1.2.1.1.5.0"],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0


@pytest.fixture()
def snmpd(tmp_path: Path) -> Iterator[Snmpd]:
    folder = tmp_path / "snmpd"
    folder.mkdir()
    server = Snmpd(folder)
    server.start()
    yield server
    server.stop()


def configuration(tmp_path: Path, port: int, extra: str = "") -> Path:
    """The demo GHT with one SNMP group for the CHU, polling snmpd quickly (short timeout, no retry)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    group = (
        "    snmp:\n"
        f"      - {{name: coeur, hosts: ['127.0.0.1'], port: {port}, version: v2c, community_env: SNMP_COMMUNITY,\n"
        "         timeout_seconds: 0.3, retries: 0, silent_after: 3, critical_interfaces: [lo]"
        f"{extra}}}\n"
    )
    text = text.replace("    retention_days: 365\n", "    retention_days: 365\n" + group, 1)
    path = tmp_path / "ght.yaml"
    path.write_text(text, encoding="utf-8")
    return path


ENVIRONMENT = {"GHT_SOC_SECRET_KEY": TEST_SECRET, "SNMP_COMMUNITY": COMMUNITY}


@pytest.fixture()
def snmp_config(tmp_path: Path, snmpd: Snmpd) -> LoadedConfig:
    return load_config(configuration(tmp_path, snmpd.port), environ=ENVIRONMENT)


@pytest.fixture()
def snmp_app(snmp_config: LoadedConfig, connection: Connection, event_store: SqliteEventStore) -> Flask:
    created = create_app(snmp_config, db_bind=connection, overrides={"TESTING": True})
    created.extensions[EVENTS_EXTENSION] = event_store
    return created
