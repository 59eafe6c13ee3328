"""Fast simulated devices: Debian's snmpd serving a `SimDevice`'s exact records, for the poll bench.

snmpsim answers a few thousand values a second, so against it a bench measures snmpsim. net-snmp's agent in C
answers ~100 k values a second: `running_snmpd_fleet` starts a few snmpd, each serving the records of one
template device of the fleet (its system group through the sys* directives, every table cell through an
`override` line, the real IF-MIB modules turned off and a view that shows nothing else), and maps every device of
the fleet to an instance holding a device of its kind. Each device keeps its own community (one `rocommunity`
line per device on its instance); its sysName and serials are the template's. sysUpTime is snmpd's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.connectors.snmp.snmpd import SNMPD
from tests.connectors.snmp.snmpsim import SimDevice, free_udp_port, records

_SYSTEM = {
    "1.3.6.1.2.1.1.1.0": "sysDescr",
    "1.3.6.1.2.1.1.2.0": "sysObjectID",
    "1.3.6.1.2.1.1.4.0": "sysContact",
}
_SYSTEM |= {"1.3.6.1.2.1.1.5.0": "sysName", "1.3.6.1.2.1.1.6.0": "sysLocation"}
_SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
# snmprec tag -> override type (override knows no TimeTicks, IpAddress or Counter64: the fleet has none in tables)
_OVERRIDE_TYPES = {"2": "integer", "4": "octet_str", "4x": "octet_str", "6": "object_id", "65": "counter"}
_OVERRIDE_TYPES |= {"66": "uinteger"}
# What the poller reads, and nothing else: a walk of 1.3.6.1.2.1 reads the same values as an inventory.
VIEW = (
    *(f"1.3.6.1.2.1.1.{n}" for n in range(1, 7)),
    "1.3.6.1.2.1.2.2.1",
    "1.3.6.1.2.1.31.1.1.1",
    "1.3.6.1.2.1.47.1.1.1.1",
)
# The agent's own ifTable/ifXTable would list this machine's interfaces among the simulated ones.
_NO_IF_MIB = "-ifTable,ifXTable,ifTable_data_access,if-mib"


def snmpd_config(template: SimDevice, communities: Iterable[str]) -> str:
    """snmpd.conf lines that serve `template`'s records to each of `communities` (read-only, view-limited)."""
    lines = [f"view inventory included .{oid}" for oid in VIEW]
    lines += [f"rocommunity {c} 127.0.0.1 -V inventory" for c in communities]
    lines.append("dontLogTCPWrappersConnects yes")  # a log line per request would cost the agent more than it
    for oid, tag, value in records(template):
        if oid in _SYSTEM:
            lines.append(f"{_SYSTEM[oid]} {value}")
        elif oid == _SYS_UPTIME:
            continue
        elif tag not in _OVERRIDE_TYPES:
            raise ValueError(
                f"{template.community}: {oid} has tag {tag}, which snmpd's override cannot serve"
            )
        elif tag.startswith("4"):  # hex keeps spaces and quotes intact; override reads "" as the empty string
            octets = value if tag == "4x" else value.encode().hex()
            lines.append(f"override .{oid} octet_str {'0x' + octets if octets else chr(34) * 2}")
        else:
            lines.append(f"override .{oid} {_OVERRIDE_TYPES[tag]} {value}")
    return "\n".join(lines) + "\n"


def _answers(port: int, community: str) -> bool:
    done = subprocess.run(
        ["snmpget", "-v2c", "-c", community, "-t", "0.3", "-r", "0", "-m", "", "-On"]
        + [f"127.0.0.1:{port}", "1.3.6.1.2.1.1.5.0"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@contextmanager
def _snmpd(template: SimDevice, communities: list[str], deadline: float) -> Iterator[int]:
    home = Path(tempfile.mkdtemp(prefix="ght-snmpd-fleet-"))
    (home / "snmpd.conf").write_text(snmpd_config(template, communities))
    port = free_udp_port()
    # MIBS empty: the agent needs no MIB text; SNMP_PERSISTENT_DIR keeps it out of /var/lib/snmp.
    env = os.environ | {"MIBS": "", "SNMP_PERSISTENT_DIR": str(home)}
    argv = [SNMPD, "-f", "-Lf", str(home / "log"), "-C", "-c", str(home / "snmpd.conf"), "-I", _NO_IF_MIB]
    proc = subprocess.Popen([*argv, f"udp:127.0.0.1:{port}"], env=env)
    try:
        while not _answers(port, communities[-1]):
            if proc.poll() is not None:
                raise RuntimeError(f"snmpd exited: {(home / 'log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"snmpd on port {port} did not answer in time")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        shutil.rmtree(home, ignore_errors=True)


def assign(devices: list[SimDevice], instances: int) -> dict[str, SimDevice]:
    """Each device's template: one of the first `instances` devices, of the same kind, taken in turn (so each of
    the first devices is its own template, and the others spread evenly).

    A template of each kind must be among them (with `fleet()`, `instances` >= 10 covers every kind).
    """
    templates: dict[str, list[SimDevice]] = {}
    for device in devices[:instances]:
        templates.setdefault(device.kind, []).append(device)
    missing = {d.kind for d in devices} - set(templates)
    if missing:
        raise ValueError(f"no template among the first {instances} devices for: {', '.join(sorted(missing))}")
    seen = dict.fromkeys(templates, 0)
    found: dict[str, SimDevice] = {}
    # The k-th device of a kind gets that kind's template k (modulo their number): the first are their own.
    for device in devices:
        kind = templates[device.kind]
        found[device.community] = kind[seen[device.kind] % len(kind)]
        seen[device.kind] += 1
    return found


@contextmanager
def running_snmpd_fleet(
    devices: list[SimDevice], instances: int = 10, *, start_timeout_s: float = 30.0
) -> Iterator[dict[str, int]]:
    """Serve the fleet from `instances` snmpd (see the module); yield each device's port by community."""
    template_of = assign(devices, instances)
    served: dict[str, list[str]] = {}
    for community, template in template_of.items():
        served.setdefault(template.community, []).append(community)
    by_name = {d.community: d for d in devices}
    deadline = time.monotonic() + start_timeout_s
    with ExitStack() as stack:
        ports = {name: stack.enter_context(_snmpd(by_name[name], c, deadline)) for name, c in served.items()}
        yield {community: ports[template.community] for community, template in template_of.items()}
