"""The poller against Debian's real snmpd (v2c community and v3 authPriv SHA/AES user)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.base import CollectingSink
from connectors.snmp.poller import SnmpPoller
from connectors.snmp.records import FailureReason, PollResult, PollStatus
from connectors.snmp.settings import PollerSettings, V2cCredentials, V3Credentials

pytestmark = pytest.mark.skipif(
    shutil.which("snmpd") is None and not Path("/usr/sbin/snmpd").exists(),
    reason="Debian snmpd not installed",
)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def snmpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    d = tmp_path_factory.mktemp("snmpd")
    port = _free_udp_port()
    (d / "snmpd.conf").write_text(
        "rocommunity hopital-ro 127.0.0.1\n"
        "createUser socv3 SHA authpass123 AES privpass123\n"
        "rouser socv3 priv\n"
        f"persistentDir {d}\n"
    )
    proc = subprocess.Popen(
        [
            "/usr/sbin/snmpd",
            "-f",
            "-Lf",
            str(d / "log"),
            "-C",
            "-c",
            str(d / "snmpd.conf"),
            f"udp:127.0.0.1:{port}",
        ]
    )
    time.sleep(0.5)
    yield port
    proc.terminate()
    proc.wait(5)


def _poll(port: int, creds: V2cCredentials | V3Credentials) -> PollResult:
    sink: CollectingSink[PollResult] = CollectingSink()
    settings = PollerSettings(targets=(), timeout_s=0.5, retries=0)
    poller = SnmpPoller(settings, sink)

    async def run() -> PollResult:
        try:
            return await poller.poll_one("chu-a", creds, "127.0.0.1", port)
        finally:
            poller.close()

    return asyncio.run(run())


def test_v2c_and_v3_ok(snmpd: int) -> None:
    for creds in (V2cCredentials("hopital-ro"), V3Credentials("socv3", "authpass123", "privpass123")):
        result = _poll(snmpd, creds)
        assert result.status is PollStatus.OK, result
        assert result.device is not None and result.device.vendor == "Net-SNMP"
        assert any(i.name == "lo" and i.oper_up for i in result.device.interfaces)


def test_wrong_credentials_fail_typed(snmpd: int) -> None:
    assert _poll(snmpd, V2cCredentials("wrong")).status is PollStatus.FAILED
    bad = _poll(snmpd, V3Credentials("socv3", "wrongpass123", "privpass123"))
    assert bad.status is PollStatus.FAILED and bad.reason is FailureReason.AUTH, bad


def test_silent_port_fails_with_timeout() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never answers
        silent.bind(("127.0.0.1", 0))
        result = _poll(int(silent.getsockname()[1]), V2cCredentials("hopital-ro"))
    assert result.status is PollStatus.FAILED and result.reason is FailureReason.TIMEOUT
