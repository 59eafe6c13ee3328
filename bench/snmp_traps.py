"""Trap benchmark: the hub's trap receiver under SNMPv2c floods at increasing rates, on one loopback port.

A separate process (`python -m connectors.snmp.trap_sender`, hand-encoded linkDown traps) sends an equal
share of `count` traps at each rate in turn. A step is *lossless* when every trap reached the sink and the
receiver kept pace: it finished processing within 10% (+50 ms) of the sending time, so the socket buffer did
not merely absorb a burst it could not sustain. The steps stop at the first one that is not lossless.
`traps_per_s_lossless` is the highest rate actually achieved by a lossless step. Goal (issue 5): >= 2,000/s.

    .venv/bin/python bench/snmp_traps.py [--count 20000]

bench/snmp_poll.py imports `measure_traps` and reports its `traps_per_s_lossless`. The last line of output is
one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from connectors.snmp.records import TrapEvent  # noqa: E402
from connectors.snmp.settings import V2cCredentials  # noqa: E402
from connectors.snmp.trap_settings import TrapEstablishment, TrapPort, TrapReceiverSettings  # noqa: E402
from connectors.snmp.traps import TrapReceiver  # noqa: E402

RATES = (1000, 2000, 3000, 4000, 6000, 8000, 12000, 16000)
COMMUNITY = "bench-traps"


class _CountingSink:
    """Counts what reaches the sink and the span of receive times, without keeping the events."""

    def __init__(self) -> None:
        self.count = 0
        self.first: datetime | None = None
        self.last: datetime | None = None

    def emit(self, record: TrapEvent) -> None:
        self.emit_many([record])

    def emit_many(self, records: Iterable[TrapEvent]) -> None:
        for record in records:
            self.count += 1
            self.first = self.first or record.received_at
            self.last = record.received_at


async def _step(
    receiver: TrapReceiver, sink: _CountingSink, rate: int, count: int, first: int
) -> dict[str, float]:
    port = receiver.bound_ports["bench"]
    drops_before = receiver.health()["bench"].kernel_drops or 0
    sink.count, sink.first, sink.last = 0, None, None
    cpu = time.process_time()
    sender = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "connectors.snmp.trap_sender",
        *("--port", str(port), "--count", str(count), "--rate", str(rate)),
        *("--community", COMMUNITY, "--first", str(first)),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    out, _ = await sender.communicate()
    send_s = float(json.loads(out)["seconds"])
    # Wait for the batches to reach the sink: at most every 0.5 s, plus any backlog.
    deadline = time.monotonic() + 5 + count / 1000
    idle_since = time.monotonic()
    seen = -1
    while sink.count < count and time.monotonic() < deadline and time.monotonic() - idle_since < 1.5:
        await asyncio.sleep(0.05)
        if sink.count != seen:
            seen, idle_since = sink.count, time.monotonic()
    cpu_s = time.process_time() - cpu
    window_s = (sink.last - sink.first).total_seconds() if sink.first and sink.last else 0.0
    drops = (receiver.health()["bench"].kernel_drops or 0) - drops_before
    kept_pace = window_s <= send_s * 1.1 + 0.05
    return {
        "rate": rate,
        "achieved_per_s": count / send_s,
        "sent": count,
        "received": sink.count,
        "kernel_drops": drops,
        "receive_window_s": window_s,
        "cpu_s": cpu_s,
        "lossless": float(sink.count == count and drops == 0 and kept_pace),
    }


async def _measure(count: int) -> dict[str, float]:
    sink = _CountingSink()
    settings = TrapReceiverSettings(
        ports=(TrapPort("bench", 0),),
        establishments=(TrapEstablishment("bench", ("127.0.0.0/8",), (V2cCredentials(COMMUNITY),)),),
    )
    receiver = TrapReceiver(settings, sink)
    await receiver.start()
    per_step = max(1000, count // len(RATES))
    steps: list[dict[str, float]] = []
    try:
        for rate in RATES:
            if steps and sum(s["sent"] for s in steps) + per_step > count:
                break
            step = await _step(receiver, sink, rate, per_step, first=1 + sum(int(s["sent"]) for s in steps))
            steps.append(step)
            print(
                f"rate {rate:>6}/s: achieved {step['achieved_per_s']:>8,.0f}/s, "
                f"received {int(step['received'])}/{per_step}, kernel drops {int(step['kernel_drops'])}, "
                f"processed in {step['receive_window_s']:.2f} s, receiver CPU {step['cpu_s']:.2f} s"
                + ("" if step["lossless"] else "  <- not lossless"),
                flush=True,
            )
            if not step["lossless"]:
                break
    finally:
        await receiver.stop()
    lossless = [s for s in steps if s["lossless"]]
    load = os.getloadavg()[0]
    received = sum(s["received"] for s in steps)
    cpu_s = sum(s["cpu_s"] for s in steps)
    return {
        "traps_per_s_lossless": round(max((s["achieved_per_s"] for s in lossless), default=0.0), 1),
        "traps_sent": sum(s["sent"] for s in steps),
        "traps_received": received,
        "traps_lost": sum(s["sent"] - s["received"] for s in steps),
        "trap_receiver_cpu_ms_per_trap": round(1000 * cpu_s / max(received, 1), 4),
        # What one core would sustain if the receiver had it alone (the steps share it with the sender).
        "traps_per_cpu_s": round(received / cpu_s, 1) if cpu_s else 0.0,
        "load_avg_1m_after": round(load, 2),  # the machine may be shared: a loaded one lowers the figure
    }


def measure_traps(count: int = 20000) -> dict[str, float]:
    """Start a receiver, flood it at increasing rates from another process, return the figures.

    Call from synchronous code (it runs its own event loop).
    """
    return asyncio.run(_measure(count))


def main() -> None:
    """Print one line per rate, then the figures as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--count", type=int, default=20000)
    count = parser.parse_args().count
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    figures = measure_traps(count)
    print(f"lossless up to {figures['traps_per_s_lossless']:,.0f} traps/s (goal: 2,000/s on one core)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
