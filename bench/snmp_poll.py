"""SNMP poll benchmark: the poller against net-snmp's snmpbulkwalk, on the same simulated devices, in one run.

A fleet of N devices (six 48-port switches, three routers and one printer in every ten; one community per
device) is served by one or both peers:

- `snmpd` (default): a few Debian snmpd, each serving the exact records of one device of each kind of the
  fleet (tests/connectors/snmp/snmpd_fleet.py). net-snmp's agent answers ~100 k values/s, so the wall time
  shows the clients, not the devices.
- `snmpsim`: the .snmprec fleet served by `--sim-processes` snmpsim processes, a slice each on its own port.
  One snmpsim answers a few thousand values/s: even sharded, it is slower than the clients.

Against each peer the poller inventories every device (system group, ifTable + ifXTable, entPhysicalTable)
with `--concurrency` devices in flight; then a pool of `snmpbulkwalk` subprocesses, as many at once, walks the
same targets (one walk of 1.3.6.1.2.1 each: the agents show only what the poller reads). Client CPU is the
poller's own process time and, for net-snmp, the children's rusage; the agents' CPU is counted in neither.
The machine may be shared: the load average before and after each measure is printed with it, and the poller's
wall time is split into its CPU time, its wait for a CPU (Linux schedstat run queue: other processes' load) and
the rest, spent waiting for the agents. When that rest is near zero the agents are not the limit. The trap figure
comes from bench/snmp_traps.py. The last line is one JSON object (the first peer's figures at the top level,
the others' under their name).

    .venv/bin/python bench/snmp_poll.py [--devices 500] [--concurrency 50] [--peers snmpd,snmpsim]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.base import CollectingSink  # noqa: E402
from connectors.snmp.poller import SnmpPoller  # noqa: E402
from connectors.snmp.records import PollResult, PollStatus  # noqa: E402
from connectors.snmp.settings import EstablishmentTargets, PollerSettings, V2cCredentials  # noqa: E402
from tests.connectors.snmp.snmpd_fleet import running_snmpd_fleet  # noqa: E402
from tests.connectors.snmp.snmpsim import SimDevice, fleet, running_snmpsim_shards  # noqa: E402

TIMEOUT_S, RETRIES, REPETITIONS = 10.0, 1, 25
WELL_INSIDE_S = 60.0  # "well inside a 5-minute poll interval": a fifth of it
Targets = list[tuple[str, int]]  # (community, port) per device, all on 127.0.0.1


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _runqueue_wait_s() -> float:
    """Seconds this process has spent runnable but waiting for a CPU (Linux schedstat; 0 elsewhere)."""
    try:
        return int(Path("/proc/self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def run_poller(targets: Targets, concurrency: int) -> dict[str, Any]:
    """Inventory every device with the poller; wall time, own CPU, values read."""
    settings = PollerSettings(
        tuple(
            EstablishmentTargets("bench", V2cCredentials(community), hosts=("127.0.0.1",), port=port)
            for community, port in targets
        ),
        concurrency,
        TIMEOUT_S,
        RETRIES,
        REPETITIONS,
    )
    sink: CollectingSink[PollResult] = CollectingSink()
    load, queued = os.getloadavg()[0], _runqueue_wait_s()
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(SnmpPoller(settings, sink).poll())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ok = [r.device for r in sink.records if r.status is PollStatus.OK and r.device]
    values = sum(6 + 9 * len(d.interfaces) + 7 * len(d.entities) for d in ok)
    return {
        "ok": len(ok),
        "wall_s": wall,
        "cpu_s": cpu,
        "values": values,
        "load": (load, os.getloadavg()[0]),
        "runqueue_s": _runqueue_wait_s() - queued,
    }


async def _walks(targets: Targets, concurrency: int) -> tuple[int, int]:
    sem = asyncio.Semaphore(concurrency)

    async def walk(community: str, port: int) -> tuple[bool, int]:
        async with sem:
            proc = await asyncio.create_subprocess_exec(
                "snmpbulkwalk", "-v2c", "-c", community, "-m", "", "-On", f"-Cr{REPETITIONS}",
                "-t", str(TIMEOUT_S), "-r", str(RETRIES), f"127.0.0.1:{port}", "1.3.6.1.2.1",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            out, _ = await proc.communicate()
            # One line per value, plus a closing "No more variables left in this MIB View" at endOfMibView.
            return proc.returncode == 0, out.count(b"\n") - out.count(b"No more variables")

    done = await asyncio.gather(*(walk(c, p) for c, p in targets))
    return sum(ok for ok, _ in done), sum(n for _, n in done)


def run_netsnmp(targets: Targets, concurrency: int) -> dict[str, Any]:
    """Walk every device with snmpbulkwalk subprocesses; wall time, children's CPU, values read."""
    load, wall, cpu = os.getloadavg()[0], time.perf_counter(), _children_cpu()
    ok, values = asyncio.run(_walks(targets, concurrency))
    wall, cpu = time.perf_counter() - wall, _children_cpu() - cpu
    return {"ok": ok, "wall_s": wall, "cpu_s": cpu, "values": values, "load": (load, os.getloadavg()[0])}


@contextmanager
def serving(
    peer: str, devices: list[SimDevice], sim_processes: int, snmpd_instances: int
) -> Iterator[Targets]:
    """Start the peer serving the fleet; yield each device's (community, port)."""
    if peer == "snmpd":
        fleet_ports = running_snmpd_fleet(devices, snmpd_instances)
    elif peer == "snmpsim":
        fleet_ports = running_snmpsim_shards(devices, sim_processes)
    else:
        raise ValueError(f"unknown peer {peer!r}: snmpd or snmpsim")
    with fleet_ports as ports:
        yield [(d.community, ports[d.community]) for d in devices]


def measure(peer: str, devices: list[SimDevice], args: argparse.Namespace) -> dict[str, Any]:
    """Both clients against one peer; print the lines and return the figures."""
    started = time.perf_counter()
    with serving(peer, devices, args.sim_processes, args.snmpd_instances) as targets:
        processes = len({port for _, port in targets})
        print(f"{peer}: {len(devices)} devices ({sum(d.values for d in devices):,} values) on {processes} "
              f"processes, ready in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        ours = run_poller(targets, args.concurrency)
        theirs = run_netsnmp(targets, args.concurrency)
    n = len(devices)
    for name, run in (("poller", ours), ("snmpbulkwalk", theirs)):
        print(
            f"{name:>13}: {run['ok']}/{n} devices in {run['wall_s']:.1f} s = {n / run['wall_s']:.1f} devices/s, "
            f"{run['values'] / run['wall_s']:,.0f} values/s, client CPU {run['cpu_s']:.2f} s = "
            f"{1000 * run['cpu_s'] / n:.2f} ms/device ({100 * run['cpu_s'] / run['wall_s']:.0f} % of a core), "
            f"load average {run['load'][0]:.1f} -> {run['load'][1]:.1f}",
            flush=True,
        )
    idle = ours["wall_s"] - ours["cpu_s"] - ours["runqueue_s"]
    print(f"       poller: {ours['wall_s']:.1f} s = {ours['cpu_s']:.1f} s on a CPU + {ours['runqueue_s']:.1f} s "
          f"waiting for one (run queue: other processes) + {idle:.1f} s waiting for the agents")  # fmt: skip
    ratio = ours["cpu_s"] / theirs["cpu_s"] if theirs["cpu_s"] else None
    print(
        f"CPU per device, poller / net-snmp: {ratio:.2f} (goal <= 5)"
        if ratio
        else "net-snmp CPU not measured"
    )
    inside = ours["ok"] == n and ours["wall_s"] < WELL_INSIDE_S
    print(f"{n} devices inventoried in {ours['wall_s']:.1f} s: well inside the 5-minute interval "
          f"(< {WELL_INSIDE_S:.0f} s, all OK): {'yes' if inside else 'NO'}")  # fmt: skip
    return {
        "peer": peer,
        "peer_processes": processes,
        "devices": n,
        "concurrency": args.concurrency,
        "inventory_s": round(ours["wall_s"], 2),
        "devices_ok": ours["ok"],
        "devices_per_s": round(n / ours["wall_s"], 1),
        "values_per_s": round(ours["values"] / ours["wall_s"]),
        "cpu_s_per_device": round(ours["cpu_s"] / n, 5),
        "poller_runqueue_wait_s": round(ours["runqueue_s"], 2),
        "poller_waiting_for_agents_s": round(idle, 2),
        "netsnmp_walk_s": round(theirs["wall_s"], 2),
        "netsnmp_devices_ok": theirs["ok"],
        "netsnmp_devices_per_s": round(n / theirs["wall_s"], 1),
        "netsnmp_values_per_s": round(theirs["values"] / theirs["wall_s"]),
        "netsnmp_cpu_s_per_device": round(theirs["cpu_s"] / n, 5),
        "cpu_ratio_vs_netsnmp": round(ratio, 2) if ratio else None,
        "well_inside_5_min": inside,
        "load_avg_1m": [round(x, 2) for x in (*ours["load"], *theirs["load"])],
    }


def traps_figure() -> float | None:
    """traps_per_s_lossless from bench/snmp_traps.py's measure_traps, or None when it is not there."""
    path = ROOT / "bench" / "snmp_traps.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("snmp_traps_bench", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    measure_traps = getattr(module, "measure_traps", None)
    return None if measure_traps is None else float(measure_traps(20000)["traps_per_s_lossless"])


def main() -> None:
    """Run both clients against each peer serving the same fleet and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50, help="devices in flight, for both clients")
    parser.add_argument("--peers", default="snmpd", help="comma-separated: snmpd, snmpsim (first one on top)")
    parser.add_argument("--snmpd-instances", type=int, default=10, help="snmpd processes (>= 10: every kind)")
    parser.add_argument(
        "--sim-processes", type=int, default=4, help="snmpsim processes, a slice of devices each"
    )
    parser.add_argument("--no-traps", action="store_true", help="skip bench/snmp_traps.py")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    devices = fleet(args.devices)
    figures = [measure(peer.strip(), devices, args) for peer in args.peers.split(",")]
    traps = None if args.no_traps else traps_figure()
    if not args.no_traps:
        print("bench/snmp_traps.py with measure_traps(count) is missing" if traps is None else
              f"traps: lossless up to {traps:,.0f}/s (goal >= 2,000/s)")  # fmt: skip
    top = figures[0] | {"traps_per_s_lossless": traps, "cores": os.cpu_count()}
    print(json.dumps(top | {f["peer"]: f for f in figures[1:]}))


if __name__ == "__main__":
    main()
