"""Debian's snmpd in a private network namespace, so that a SET of ifAdminStatus shuts a real interface of
that namespace and nothing of the machine's own network.

snmpd runs under `unshare --net` with a few `ifb` interfaces it may shut. It still answers on the host's
127.0.0.1: the test binds the UDP socket and hands it over by systemd socket activation (LISTEN_FDS), which
net-snmp supports; a socket keeps the namespace it was created in.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.connectors.snmp.snmpd import SNMPD, snmpd_missing

PORTS = ("ght-port1", "ght-port2", "ght-port3", "ght-port4", "GHT-PORT4")  # the last two differ only in case
LINES = (
    "rwcommunity hopital-rw 127.0.0.1",
    "rocommunity hopital-ro 127.0.0.1",
    "createUser socv3 SHA authpass123 AES privpass123",
    "rwuser socv3 priv",
)


@dataclass(frozen=True)
class Agent:
    port: int
    pid: int  # snmpd's, whose network namespace holds the interfaces

    def _ip(self, *argv: str) -> str:
        done = subprocess.run(
            ["nsenter", "-t", str(self.pid), "-n", "ip", *argv], capture_output=True, text=True, check=True
        )
        return done.stdout

    def is_up(self, name: str) -> bool:
        """Whether the kernel has the interface administratively up (the IFF_UP flag)."""
        flags = self._ip("-o", "link", "show", "dev", name).split("<", 1)[1].split(">", 1)[0]
        return "UP" in flags.split(",")

    def if_index(self, name: str) -> int:
        return int(self._ip("-o", "link", "show", "dev", name).split(":", 1)[0])


def namespaces_missing() -> str | None:
    """Why snmpd cannot run in its own namespace here, or None."""
    if snmpd_missing() or shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return "snmpd, unshare or nsenter is not installed"
    probe = subprocess.run(
        ["unshare", "--net", "ip", "link", "add", "probe0", "type", "ifb"], capture_output=True, check=False
    )
    return None if probe.returncode == 0 else "no private network namespace with ifb interfaces here"


def _answers(port: int) -> bool:
    done = subprocess.run(
        [
            "snmpget",
            "-v2c",
            "-c",
            "hopital-ro",
            "-t",
            "0.3",
            "-r",
            "0",
            "-m",
            "",
            f"127.0.0.1:{port}",
            "1.3.6.1.2.1.1.5.0",
        ],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@contextmanager
def namespaced_snmpd() -> Iterator[Agent]:
    """Run snmpd (LINES) in its own network namespace with PORTS up; stop it (and so the namespace) after."""
    home = Path(tempfile.mkdtemp(prefix="ght-snmpd-ns-"))
    (home / "snmpd.conf").write_text("\n".join(LINES) + "\n")
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    links = " && ".join(f"ip link add {n} type ifb && ip link set {n} up" for n in PORTS)
    script = (
        f"ip link set lo up && {links} && export LISTEN_PID=$$ LISTEN_FDS=1 && "
        f"exec {SNMPD} -f -Lf {home}/log -C -c {home}/snmpd.conf udp:127.0.0.1:{port}"
    )
    fd = listener.fileno()
    # Socket activation passes the listening sockets from fd 3: a small exec wrapper puts ours there.
    wrapper = "import os, sys; os.dup2(int(sys.argv[1]), 3); os.execvp('sh', ['sh', '-c', sys.argv[2]])"
    proc = subprocess.Popen(
        ["unshare", "--net", sys.executable, "-c", wrapper, str(fd), script],
        env={**os.environ, "SNMP_PERSISTENT_DIR": str(home)},
        pass_fds=(fd,),
    )
    listener.close()
    try:
        deadline = time.monotonic() + 10
        while not _answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                log = home / "log"
                raise RuntimeError(f"snmpd did not start: {log.read_text()[-2000:] if log.exists() else '-'}")
            time.sleep(0.1)
        yield Agent(port, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        shutil.rmtree(home, ignore_errors=True)
