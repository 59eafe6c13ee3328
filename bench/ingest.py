"""Ingest benchmark: the hub's listener against rsyslog, on the same TCP stream, in one run.

Sends N mixed events (FortiGate key=value, RFC 5424, Windows JSON) over TCP to `ght-soc listen` on the
embedded default (SQLite event store, shipped Sigma rules active) and then to `rsyslogd -n` (imtcp → omfile).
End to end = first byte sent → last event stored (and evaluated) / written. The last line of output is one
JSON object with the figures.

    .venv/bin/python bench/ingest.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GHT_SOC = Path(sys.executable).with_name("ght-soc")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def payload(count: int) -> bytes:
    """`count` newline-framed messages, a third of each kind; one Windows event in ten is a failed logon."""
    lines = []
    for n in range(count):
        kind = n % 3
        if kind == 0:
            lines.append(
                f'<189>date=2026-11-22 time=03:04:05 devname="FGT-CHU" devid="FG100F" logid="0000000013" '
                f'type="traffic" subtype="forward" level="notice" tz="+0100" srcip=10.37.{n % 250}.{n % 200} '
                f'srcport={1024 + n % 60000} srcintf="port1" dstip=203.0.113.{n % 250} dstport=443 '
                f'dstintf="wan1" policyid=12 action="accept" service="HTTPS" sentbyte={n % 9000}'
            )
        elif kind == 1:
            lines.append(
                f"<165>1 2026-11-22T03:04:05.{n % 1000:03d}+01:00 srv-dpi-{n % 20} dpi 4242 ID47 "
                f'[origin ip="10.37.1.{n % 250}"] consultation du dossier patient {n} par u{n % 500}'
            )
        else:
            code = 4625 if n % 10 == 2 else 4624
            event = {
                "@timestamp": "2026-11-22T02:04:05.000Z",
                "winlog": {
                    "event_id": code,
                    "channel": "Security",
                    "computer_name": f"DC0{n % 3}.chu.local",
                    "event_data": {
                        "TargetUserName": f"user{n % 700}",
                        "IpAddress": f"10.37.9.{n % 250}",
                        "LogonType": "3",
                    },
                },
            }
            lines.append("<134>Nov 22 03:04:05 collector winlogbeat: " + json.dumps(event))
    return ("\n".join(lines) + "\n").encode()


def send(port: int, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(data)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stored(events_db: Path) -> int:
    if not events_db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{events_db}?mode=ro", uri=True, timeout=5) as connection:
            # The highest id: nothing is deleted here, and it costs no scan of a million rows every 0.1 s.
            return int(connection.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def wait_until(done, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(0.1)
    return done()


def run_hub(work: Path, data: bytes, count: int, profile: Path | None = None) -> dict[str, Any]:
    port = free_port()
    events_db = work / "events.db"
    text = (ROOT / "config" / "ght.example.yaml").read_text(encoding="utf-8")
    text = text.replace("path: instance/events.db", f"path: {events_db}")
    text = text.replace(
        "{name: syslog-tcp, protocol: tcp, port: 5514}", f"{{name: syslog-tcp, protocol: tcp, port: {port}}}"
    )
    text = text.replace(
        "{name: syslog-udp, protocol: udp, port: 5514}", "{name: syslog-udp, protocol: udp, port: 0}"
    )
    text = text.replace("port: 5515,", "port: 0,")
    config = work / "ght.yaml"
    config.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "GHT_SOC_SECRET_KEY": "bench-secret-key-0123456789",
        "GHT_SOC_DATABASE_URL": f"sqlite:///{work / 'hub.db'}",
        "GHT_SOC_CONFIG": str(config),
    }
    subprocess.run([str(GHT_SOC), "init"], env=env, check=True, capture_output=True, timeout=120)
    log = (work / "listen.log").open("wb")
    process = subprocess.Popen([str(GHT_SOC), "listen"], env=env, stdout=log, stderr=subprocess.STDOUT)
    spy = None  # a listener that does not start must say so, not fail on an unset name in `finally`
    try:
        if not wait_until(lambda: _accepts(port), timeout=60):
            raise RuntimeError(f"the listener did not start; see {work / 'listen.log'}")
        spy = _profiler(process.pid, profile) if profile is not None else None
        cpu_before = _cpu_seconds(process.pid)
        threads_before = _thread_cpu_seconds(process.pid)
        start = time.monotonic()
        send(port, data)
        sent = time.monotonic() - start
        wait_until(lambda: stored(events_db) >= count, timeout=max(120.0, count / 2000))
        elapsed = time.monotonic() - start
        received = stored(events_db)
        cpu = _cpu_seconds(process.pid) - cpu_before
        rss = peak_rss_mb(process.pid)
        threads = {
            name: seconds - threads_before.get(name, 0.0)
            for name, seconds in _thread_cpu_seconds(process.pid).items()
        }
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        process.terminate()
        process.wait(timeout=60)
        log.close()
    with sqlite3.connect(work / "hub.db") as connection:
        alerts = connection.execute(
            "SELECT COUNT(*), COALESCE(SUM(count), 0) FROM alert WHERE source='sigma'"
        ).fetchone()
    return {
        "elapsed_s": elapsed,
        "send_s": sent,
        "stored": received,
        "cpu_s": cpu,
        "peak_rss_mb": rss,
        "threads": threads,
        "alerts": alerts[0],
        "detections": alerts[1],
    }


def _profiler(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the listener (all threads) into collapsed stacks, until interrupted."""
    spy = Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "-p", str(pid), "-o", str(output), "--format", "raw", "-r", "200", "-t"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attached before the first byte is sent
    return process


def _thread_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds of each thread of the process so far (the main thread is the event loop, parsing)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = "main" if task.name == str(pid) else f"thread {task.name}"
        found[f"{name} user"] = int(fields[11]) / ticks
        found[f"{name} sys"] = int(fields[12]) / ticks
    return found


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def run_rsyslog(work: Path, data: bytes, count: int) -> dict[str, float]:
    rsyslogd = shutil.which("rsyslogd")
    if rsyslogd is None:
        raise RuntimeError("rsyslogd is not installed (apt-get install rsyslog)")
    port = free_port()
    out = work / "rsyslog.out"
    conf = work / "rsyslog.conf"
    conf.write_text(
        f'global(workDirectory="{work}")\n'
        'module(load="imtcp")\n'
        f'input(type="imtcp" port="{port}" address="127.0.0.1")\n'
        f'action(type="omfile" file="{out}" template="RSYSLOG_FileFormat")\n',
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [rsyslogd, "-n", "-f", str(conf), "-i", str(work / "rsyslog.pid")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if not wait_until(lambda: _accepts(port), timeout=30):
            raise RuntimeError("rsyslogd did not start")
        start = time.monotonic()
        send(port, data)
        wait_until(lambda: _lines(out) >= count, timeout=max(60.0, count / 5000))
        elapsed = time.monotonic() - start
        written = _lines(out)
        rss = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"elapsed_s": elapsed, "stored": written, "peak_rss_mb": rss}


def _lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--profile", type=Path, help="py-spy's collapsed stacks of the listener, written here"
    )
    parser.add_argument("--no-rsyslog", action="store_true", help="the hub only (profiling runs)")
    arguments = parser.parse_args()
    count = arguments.events
    data = payload(count)
    # The machine is shared: figures only compare at similar loads, so each run says what it had around it.
    load_before = os.getloadavg()
    print(f"{count} events, {len(data) / 1e6:.1f} MB, mean {len(data) / count:.0f} bytes")
    with tempfile.TemporaryDirectory(prefix="ght-soc-bench-") as folder:
        work = Path(folder)
        (work / "hub").mkdir()
        (work / "rsyslog").mkdir()
        hub = run_hub(work / "hub", data, count, arguments.profile)
        if arguments.no_rsyslog:
            rsyslog = {"elapsed_s": 1.0, "stored": 0, "peak_rss_mb": 0.0}
        else:
            rsyslog = run_rsyslog(work / "rsyslog", data, count)
    hub_rate = hub["stored"] / hub["elapsed_s"]
    rsyslog_rate = rsyslog["stored"] / rsyslog["elapsed_s"]
    print(
        f"ght-soc : {hub['stored']:.0f} stored in {hub['elapsed_s']:.1f} s = {hub_rate:,.0f} events/s "
        f"(listener CPU {hub['cpu_s']:.1f} s, peak RSS {hub['peak_rss_mb']:.0f} MB, "
        f"{hub['alerts']:.0f} alerts from {hub['detections']:.0f} detections)"
    )
    busy = {name: seconds for name, seconds in hub["threads"].items() if seconds >= 0.5}
    print("listener threads, CPU s: " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in busy.items()))
    print(
        f"rsyslog : {rsyslog['stored']:.0f} written in {rsyslog['elapsed_s']:.1f} s = {rsyslog_rate:,.0f} events/s "
        f"(peak RSS {rsyslog['peak_rss_mb']:.0f} MB)"
    )
    print(
        json.dumps(
            {
                "events": count,
                "events_per_s": round(hub_rate),
                "lost": count - int(hub["stored"]),
                "peak_rss_mb": round(hub["peak_rss_mb"], 1),
                "listener_cpu_s": round(hub["cpu_s"], 1),
                "cpu_s_per_million": round(hub["cpu_s"] * 1e6 / count, 1),
                "alerts": int(hub["alerts"]),
                "rsyslog_events_per_s": round(rsyslog_rate),
                "rsyslog_lost": count - int(rsyslog["stored"]),
                "ratio_vs_rsyslog": round(hub_rate / rsyslog_rate, 3) if rsyslog_rate else None,
                "load_before": [round(load, 2) for load in load_before],
                "load_after": [round(load, 2) for load in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
