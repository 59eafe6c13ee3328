"""SNMP poll benchmark: the poller against net-snmp's snmpbulkwalk, on the same simulated devices, in one run.

snmpsim serves N devices (six 48-port switches, three routers and one printer in every ten; one community per
device on one endpoint). The poller inventories them all (system group, ifTable + ifXTable, entPhysicalTable)
with `--concurrency` devices in flight; then a pool of `snmpbulkwalk` subprocesses, as many at once, walks the
same devices (one walk of 1.3.6.1.2.1 each: the simulated data holds only what the poller reads). Client CPU is
the poller's own process time, and for net-snmp the children's rusage. snmpsim's CPU is counted in neither.
The trap figure comes from bench/snmp_traps.py when it exists. The last line is one JSON object.

    .venv/bin/python bench/snmp_poll.py [--devices 500] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.base import CollectingSink  # noqa: E402
from connectors.snmp.poller import SnmpPoller  # noqa: E402
from connectors.snmp.records import PollResult, PollStatus  # noqa: E402
from connectors.snmp.settings import EstablishmentTargets, PollerSettings, V2cCredentials  # noqa: E402
from tests.connectors.snmp.snmpsim import SimDevice, fleet, running_snmpsim  # noqa: E402

TIMEOUT_S, RETRIES, REPETITIONS = 10.0, 1, 25


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_poller(port: int, devices: list[SimDevice], concurrency: int) -> dict[str, Any]:
    """Inventory every device with the poller; wall time, own CPU, values read."""
    targets = tuple(
        EstablishmentTargets("bench", V2cCredentials(d.community), hosts=("127.0.0.1",), port=port)
        for d in devices
    )
    settings = PollerSettings(targets, concurrency, TIMEOUT_S, RETRIES, REPETITIONS)
    sink: CollectingSink[PollResult] = CollectingSink()
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(SnmpPoller(settings, sink).poll())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ok = [r.device for r in sink.records if r.status is PollStatus.OK and r.device]
    values = sum(6 + 9 * len(d.interfaces) + 7 * len(d.entities) for d in ok)
    return {"ok": len(ok), "wall_s": wall, "cpu_s": cpu, "values": values}


async def _walks(port: int, devices: list[SimDevice], concurrency: int) -> tuple[int, int]:
    sem = asyncio.Semaphore(concurrency)

    async def walk(device: SimDevice) -> tuple[bool, int]:
        async with sem:
            proc = await asyncio.create_subprocess_exec(
                "snmpbulkwalk", "-v2c", "-c", device.community, "-m", "", "-On", f"-Cr{REPETITIONS}",
                "-t", str(TIMEOUT_S), "-r", str(RETRIES), f"127.0.0.1:{port}", "1.3.6.1.2.1",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            out, _ = await proc.communicate()
            return proc.returncode == 0, out.count(b"\n")

    done = await asyncio.gather(*(walk(d) for d in devices))
    return sum(ok for ok, _ in done), sum(n for _, n in done)


def run_netsnmp(port: int, devices: list[SimDevice], concurrency: int) -> dict[str, Any]:
    """Walk every device with snmpbulkwalk subprocesses; wall time, children's CPU, values read."""
    wall, cpu = time.perf_counter(), _children_cpu()
    ok, values = asyncio.run(_walks(port, devices, concurrency))
    return {"ok": ok, "wall_s": time.perf_counter() - wall, "cpu_s": _children_cpu() - cpu, "values": values}


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
    measure = getattr(module, "measure_traps", None)
    return None if measure is None else float(measure(20000)["traps_per_s_lossless"])


def main() -> None:
    """Run both clients against the same simulated fleet and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50, help="devices in flight (snmpsim: keep <= 50)")
    args = parser.parse_args()
    devices = fleet(args.devices)
    started = time.perf_counter()
    with running_snmpsim(devices) as port:
        print(f"snmpsim: {args.devices} devices ({sum(d.values for d in devices):,} values) "
              f"ready in {time.perf_counter() - started:.1f} s")  # fmt: skip
        ours = run_poller(port, devices, args.concurrency)
        theirs = run_netsnmp(port, devices, args.concurrency)
    for name, run in (("poller", ours), ("snmpbulkwalk", theirs)):
        print(
            f"{name:>13}: {run['ok']}/{args.devices} devices in {run['wall_s']:.1f} s = "
            f"{args.devices / run['wall_s']:.1f} devices/s, {run['values'] / run['wall_s']:,.0f} values/s, "
            f"client CPU {run['cpu_s']:.2f} s = {1000 * run['cpu_s'] / args.devices:.2f} ms/device"
        )
    ratio = ours["cpu_s"] / theirs["cpu_s"] if theirs["cpu_s"] else None
    print(
        f"CPU per device, poller / net-snmp: {ratio:.2f} (goal <= 5)"
        if ratio
        else "net-snmp CPU not measured"
    )
    traps = traps_figure()
    print("bench/snmp_traps.py with measure_traps(count) is missing" if traps is None else
          f"traps: lossless up to {traps:,.0f}/s")  # fmt: skip
    print(
        json.dumps(
            {
                "devices": args.devices,
                "concurrency": args.concurrency,
                "inventory_s": round(ours["wall_s"], 2),
                "devices_ok": ours["ok"],
                "devices_per_s": round(args.devices / ours["wall_s"], 1),
                "values_per_s": round(ours["values"] / ours["wall_s"]),
                "cpu_s_per_device": round(ours["cpu_s"] / args.devices, 5),
                "netsnmp_walk_s": round(theirs["wall_s"], 2),
                "netsnmp_devices_ok": theirs["ok"],
                "netsnmp_devices_per_s": round(args.devices / theirs["wall_s"], 1),
                "netsnmp_values_per_s": round(theirs["values"] / theirs["wall_s"]),
                "netsnmp_cpu_s_per_device": round(theirs["cpu_s"] / args.devices, 5),
                "cpu_ratio_vs_netsnmp": round(ratio, 2) if ratio else None,
                "traps_per_s_lossless": traps,
            }
        )
    )


if __name__ == "__main__":
    main()
