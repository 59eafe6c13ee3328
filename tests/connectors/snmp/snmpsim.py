"""A simulated fleet for the SNMP tests and bench: `.snmprec` files generated here, served by snmpsim.

snmpsim selects the data file by community: `<data>/sw0001.snmprec` answers the community `sw0001`, so one
UDP endpoint serves every device (the fast way to many devices, see PEERS.md). Switches have 48 ports
(Cisco, HPE, Aruba sysObjectIDs), routers 4, printers 1 and no ENTITY-MIB. Only the columns the poller reads
are simulated, so a full-subtree walk by net-snmp reads the same values as the poller. One snmpsim process
answers one request at a time: `running_snmpsim_shards` spreads a large fleet over several processes
(on many cores; for fast devices see snmpd_fleet.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# snmpsim drops to nobody when run as root; with Python under /root (mode 700) the stdlib becomes unreadable
# after the drop, so everything it imports lazily is imported first.
_WRAPPER = (
    "import dbm, dbm.dumb, encodings.latin_1, encodings.ascii, encodings.utf_8, encodings.hex_codec, sys\n"
    "from snmpsim.commands.responder import main\n"
    "sys.argv[0] = 'snmpsim-command-responder'\n"
    "sys.exit(main())\n"
)

# (sysObjectID, model, description, firmware) per simulated kind and vendor.
SWITCHES = (
    ("1.3.6.1.4.1.9.1.2066", "C9300-48P", "Cisco IOS Software [Cupertino], Catalyst L3 Switch", "17.9.4"),
    ("1.3.6.1.4.1.11.2.3.7.11.181", "JL256A", "HPE Aruba 2930F-48G-PoE+ Switch", "WC.16.10.0012"),
    ("1.3.6.1.4.1.47196.4.1.1.1.300", "JL659A", "Aruba CX 6300M 48G Switch", "FL.10.10.1020"),
)
ROUTERS = (
    ("1.3.6.1.4.1.9.1.2068", "ISR4331/K9", "Cisco IOS XE Software, ISR4300", "17.6.5"),
    ("1.3.6.1.4.1.2636.1.1.1.2.160", "SRX345", "Juniper Networks SRX345", "21.4R3"),
    ("1.3.6.1.4.1.12356.101.1.1001", "FG100F", "FortiGate-100F", "7.2.8"),
)
PRINTERS = (
    ("1.3.6.1.4.1.11.2.3.9.1", "", "HP ETHERNET MULTI-ENVIRONMENT", ""),
    ("1.3.6.1.4.1.641.2.1.2.1", "", "Lexmark MX622ade", ""),
    ("1.3.6.1.4.1.367.1.1", "", "RICOH IM C3000", ""),
)
ENTITY_CHASSIS, ENTITY_PSU, ENTITY_FAN = 3, 6, 7
_SYS, _IF, _IFX, _ENT = "1.3.6.1.2.1.1", "1.3.6.1.2.1.2.2.1", "1.3.6.1.2.1.31.1.1.1", "1.3.6.1.2.1.47.1.1.1.1"


@dataclass(frozen=True)
class SimDevice:
    """One simulated device; `community` is also its data file name."""

    community: str
    kind: str  # switch, router, printer
    sys_object_id: str
    model: str
    descr: str
    firmware: str
    ports: int
    serial: str
    extra: tuple[tuple[str, str, str], ...] = field(default=())  # raw (oid, tag, value) records

    @property
    def values(self) -> int:
        """How many values an inventory of this device reads."""
        return len(records(self))


def fleet(count: int, *, switches: int = 6, routers: int = 3) -> list[SimDevice]:
    """`count` devices: in every ten, `switches` switches, `routers` routers, printers for the rest."""
    found = []
    for n in range(count):
        slot = n % 10
        if slot < switches:
            oid, model, descr, firmware = SWITCHES[n % len(SWITCHES)]
            kind, ports = "switch", 48
        elif slot < switches + routers:
            oid, model, descr, firmware = ROUTERS[n % len(ROUTERS)]
            kind, ports = "router", 4
        else:
            oid, model, descr, firmware = PRINTERS[n % len(PRINTERS)]
            kind, ports = "printer", 1
        found.append(SimDevice(f"dev{n:04d}", kind, oid, model, descr, firmware, ports, f"SN{n:08d}"))
    return found


def _entities(device: SimDevice) -> list[tuple[int, int, str, str]]:
    if device.kind == "printer":  # printers here have no ENTITY-MIB at all
        return []
    parts = [(1, ENTITY_CHASSIS, f"{device.model} chassis", device.serial)]
    parts += [(2, ENTITY_PSU, "Power supply 1", f"PS{device.serial}"), (3, ENTITY_FAN, "Fan tray", "")]
    return parts


def records(device: SimDevice) -> list[tuple[str, str, str]]:
    """Every (oid, tag, value) record of one device, sorted by OID as snmpsim requires."""
    name = device.community
    rows = [
        (f"{_SYS}.1.0", "4", device.descr),
        (f"{_SYS}.2.0", "6", device.sys_object_id),
        (f"{_SYS}.3.0", "67", str(100_000 + int(name[3:]) if name[3:].isdigit() else 100_000)),
        (f"{_SYS}.4.0", "4", "reseau@chu.example"),
        (f"{_SYS}.5.0", "4", name),
        (f"{_SYS}.6.0", "4", "Batiment A"),
    ]
    for i in range(1, device.ports + 1):
        label = f"GigabitEthernet1/0/{i}" if device.kind != "printer" else "eth0"
        up = "1" if i % 4 or i == device.ports else "2"  # one port in four is down, never the uplink
        rows += [
            (f"{_IF}.2.{i}", "4", label),
            (f"{_IF}.3.{i}", "2", "6"),
            (f"{_IF}.5.{i}", "66", "1000000000"),
            (f"{_IF}.6.{i}", "4x", f"0011{i:02x}{int(name[3:]) % 256 if name[3:].isdigit() else 0:02x}aabb"),
            (f"{_IF}.7.{i}", "2", "1"),
            (f"{_IF}.8.{i}", "2", up),
            (f"{_IFX}.1.{i}", "4", f"Gi1/0/{i}" if device.kind != "printer" else "eth0"),
            (f"{_IFX}.15.{i}", "66", "1000"),
            (f"{_IFX}.18.{i}", "4", "uplink" if i == device.ports else ""),
        ]
    for index, klass, descr, serial in _entities(device):
        firmware = device.firmware if klass == ENTITY_CHASSIS else ""
        rows += [
            (f"{_ENT}.2.{index}", "4", descr),
            (f"{_ENT}.5.{index}", "2", str(klass)),
            (f"{_ENT}.8.{index}", "4", "V01" if klass == ENTITY_CHASSIS else ""),
            (f"{_ENT}.9.{index}", "4", firmware),
            (f"{_ENT}.10.{index}", "4", firmware),
            (f"{_ENT}.11.{index}", "4", serial),
            (f"{_ENT}.13.{index}", "4", device.model if klass == ENTITY_CHASSIS else ""),
        ]
    rows += list(device.extra)
    # Later records for the same OID win, so tests can override one value through `extra`.
    unique = {oid: (oid, tag, value) for oid, tag, value in rows}
    return sorted(unique.values(), key=lambda r: tuple(int(p) for p in r[0].split(".")))


def write_fleet(data_dir: Path, devices: Iterable[SimDevice]) -> None:
    """Write one `<community>.snmprec` per device."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for device in devices:
        text = "".join(f"{oid}|{tag}|{value}\n" for oid, tag, value in records(device))
        (data_dir / f"{device.community}.snmprec").write_text(text)


def free_udp_port() -> int:
    """A UDP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int, community: str) -> bool:
    done = subprocess.run(
        ["snmpget", "-v2c", "-c", community, "-t", "0.5", "-r", "0", "-m", "", "-On"]
        + [f"127.0.0.1:{port}", f"{_SYS}.5.0"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


class _Responder:
    """One snmpsim process serving some devices on its own free loopback port."""

    def __init__(self, devices: list[SimDevice]) -> None:
        self.devices = devices
        self.root = Path(tempfile.mkdtemp(prefix="ght-snmpsim-"))
        data, cache = self.root / "data", self.root / "cache"
        write_fleet(data, devices)
        cache.mkdir()
        self.port = free_udp_port()
        argv = [sys.executable, "-c", _WRAPPER, f"--data-dir={data}", f"--cache-dir={cache}"]
        argv += [
            f"--agent-udpv4-endpoint=127.0.0.1:{self.port}",
            "--max-var-binds=256",
            "--logging-method=null",
        ]
        if os.geteuid() == 0:  # snmpsim refuses to run as root: data readable and cache writable by nobody
            for path in (self.root, data, cache):
                path.chmod(0o755)
            shutil.chown(cache, "nobody", "nogroup")
            argv += ["--process-user=nobody", "--process-group=nogroup"]
        self._log = (self.root / "snmpsim.log").open("wb")
        self._proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.root)

    def wait_ready(self, deadline: float) -> None:
        """Return once the last device answers; raise if snmpsim exits or `deadline` (monotonic) passes."""
        while not _answers(self.port, self.devices[-1].community):
            if self._proc.poll() is not None:
                raise RuntimeError(f"snmpsim exited: {(self.root / 'snmpsim.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"snmpsim on port {self.port} did not answer in time")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the process and remove its data."""
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_snmpsim_shards(
    devices: list[SimDevice], processes: int, *, start_timeout_s: float = 120.0
) -> Iterator[dict[str, int]]:
    """Serve the devices from `processes` snmpsim processes (device n in shard n % processes), each on its own
    port; yield each device's port by community; stop them all afterwards.

    One snmpsim answers one request at a time with one core (a few thousand values/s at best): shards spread
    it over the cores there are. On two shared cores they do not make it faster than the clients it serves
    (bench/snmp_poll.py measured 8 shards at ~700 values/s): the bench's fast devices are snmpd's.
    """
    count = max(1, min(processes, len(devices)))
    shards = [devices[i::count] for i in range(count)]
    started: list[_Responder] = []
    try:
        for shard in shards:  # all start at once, then each is awaited: start-up costs overlap
            started.append(_Responder(shard))
        deadline = time.monotonic() + start_timeout_s
        for responder in started:
            responder.wait_ready(deadline)
        yield {d.community: r.port for r in started for d in r.devices}
    finally:
        for responder in started:
            responder.stop()


@contextmanager
def running_snmpsim(devices: list[SimDevice], *, start_timeout_s: float = 120.0) -> Iterator[int]:
    """Generate the fleet's data, run snmpsim on a free loopback port, yield the port, stop it afterwards."""
    with running_snmpsim_shards(devices, 1, start_timeout_s=start_timeout_s) as ports:
        yield ports[devices[0].community]
