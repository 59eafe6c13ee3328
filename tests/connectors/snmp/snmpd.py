"""Debian's snmpd on a free loopback port, with the configuration lines a test gives."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.connectors.snmp.snmpsim import free_udp_port

SNMPD = "/usr/sbin/snmpd"
# The usual test agent: a v2c community and a v3 authPriv (SHA/AES) user.
STANDARD = (
    "rocommunity hopital-ro 127.0.0.1",
    "createUser socv3 SHA authpass123 AES privpass123",
    "rouser socv3 priv",
)


def snmpd_missing() -> bool:
    """True when Debian's snmpd is not installed."""
    return shutil.which("snmpd") is None and not Path(SNMPD).exists()


def _answers(port: int) -> bool:
    # A wrong community gets no answer at all; a v3 request for an unknown user gets a report once up.
    done = subprocess.run(
        [
            "snmpget",
            "-m",
            "",
            "-v3",
            "-l",
            "noAuthNoPriv",
            "-u",
            "probe",
            "-t",
            "0.3",
            "-r",
            "0",
            f"127.0.0.1:{port}",
            "0.0",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return "Timeout" not in done.stderr


@contextmanager
def running_snmpd(lines: tuple[str, ...] = STANDARD) -> Iterator[int]:
    """Run snmpd with these configuration lines; yield its UDP port; stop it afterwards."""
    home = Path(tempfile.mkdtemp(prefix="ght-snmpd-"))
    port = free_udp_port()
    (home / "snmpd.conf").write_text("\n".join((*lines, f"persistentDir {home}", "")))
    argv = [
        SNMPD,
        "-f",
        "-Lf",
        str(home / "log"),
        "-C",
        "-c",
        str(home / "snmpd.conf"),
        f"udp:127.0.0.1:{port}",
    ]
    proc = subprocess.Popen(argv)
    try:
        deadline = time.monotonic() + 10
        while not _answers(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(5)
        shutil.rmtree(home, ignore_errors=True)
