"""bench/web_load: the hub under load, on SQLite and on PostgreSQL (issue 9, "Under load").

Seeds 1,000,000 events, 100,000 alerts and 2,000 incidents across a 20-establishment GHT, serves the hub with
waitress (8 threads) in its own process, runs `ght-soc listen` fed at 5,000 events/s by a paced sender
process, and drives the main pages and the API with 20 concurrent clients (wrk, one per page, each request
under one of 20 logged-in users: half GHT RSSIs, half site correspondents). Two phases per backend:

- users: each client pauses between its requests (--think-ms, mean 2 s: people reading pages); the goal,
  p95 <= 200 ms for the overview, the alerts list, an incident page and the events search, is read here;
- saturation: no pause at all, which measures the server's capacity (requests/s) rather than a latency.

Prints p50/p95/p99 per page and the web server's CPU per request (what the shared 2-core machine's other load
does not change). The last lines are one JSON object per backend.

    .venv/bin/python bench/web_load.py [--backends sqlite,postgresql] [--scale 0.1] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.pgcluster: the same private PostgreSQL cluster as the test suite
sys.path.insert(0, str(ROOT / "bench"))

from web_load_clients import PageLoad, collect, login, start_wrk  # noqa: E402
from web_load_config import write_config  # noqa: E402
from web_load_seed import PASSWORD, Seeded, reset_sequences, seed_events, seed_hub, utc_now  # noqa: E402

from ght_soc import migrate  # noqa: E402
from ght_soc.access import SYSTEM  # noqa: E402
from ght_soc.app import create_app  # noqa: E402
from ght_soc.database import db, make_engine  # noqa: E402
from ght_soc.services.ghts import sync_from_config  # noqa: E402
from ght_soc.settings import load_config  # noqa: E402

GHT_SOC = Path(sys.executable).with_name("ght-soc")
SECRET = "bench-secret-key-0123456789abcdef"
GOAL_PAGES = ("overview", "alerts", "incident", "events_search")
# 20 clients: 4 on each page of the goal, 2 on each API list.
SHARES = {"overview": 4, "alerts": 4, "incident": 4, "events_search": 4, "api_alerts": 2, "api_events": 2}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited ({process.returncode}); see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s; see {log}")


@contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, logging to `log`, terminated (then killed) on the way out whatever happened."""
    with log.open("wb") as sink:
        child = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            yield child
        finally:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=30)


def stored_events(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
        return int(connection.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])


def page_loads(seeded: Seeded, cookies: dict[str, str], clients: int) -> list[PageLoad]:
    """What each page's clients request: URLs each user may see, the common ones more often."""
    plans: dict[str, list[tuple[str, str]]] = {name: [] for name in SHARES}
    for n, (user, establishment_id) in enumerate(seeded.logins):
        cookie = cookies[user]
        some = establishment_id or seeded.establishment_ids[n % len(seeded.establishment_ids)]
        plans["overview"] += [(cookie, "/")]
        plans["alerts"] += [(cookie, path) for path in ("/alerts/",) * 6]
        plans["alerts"] += [(cookie, f"/alerts/?establishment={some}"), (cookie, "/alerts/?page=2")]
        plans["alerts"] += [(cookie, "/alerts/?severity=high"), (cookie, "/alerts/?status=closed")]
        mine = (
            seeded.incidents_by_establishment[establishment_id] if establishment_id else seeded.incident_ids
        )
        plans["incident"] += [
            (cookie, f"/incidents/{mine[(n * 7 + k * 131) % len(mine)]}") for k in range(10)
        ]
        searches = [
            "q=patient",
            f"q=u{(n * 37) % 500}",
            f"q=user{(n * 53) % 700}",
            "q=4625",
            f"host=srv-dpi-{n % 20}",
            "field=" + quote(f"source.ip:10.37.9.{n % 250}"),
            f"q=4625&establishment={some}",
            "",
        ]
        plans["events_search"] += [(cookie, f"/events/?{query}") for query in searches]
        plans["api_alerts"] += [
            (cookie, "/api/v1/alerts?status=new"),
            (cookie, "/api/v1/alerts?per_page=100"),
        ]
        plans["api_events"] += [
            (cookie, "/api/v1/events?q=" + quote(f"user{n % 700}")),
            (cookie, "/api/v1/events"),
        ]
    scale = clients / sum(SHARES.values())
    return [PageLoad(name, max(1, round(share * scale)), plans[name]) for name, share in SHARES.items()]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive(
    base: str, loads: list[PageLoad], seconds: int, think_ms: int, work: Path, server: int
) -> dict[str, Any]:
    """One phase: every page's wrk at once; per-page figures and the server's CPU per request."""
    before = cpu_seconds(server)
    pages = collect(start_wrk(base, loads, seconds, work, think_ms), timeout=seconds + 120)
    requests = sum(row["requests"] for row in pages.values())
    return {"pages": pages, "cpu_ms_per_request": (cpu_seconds(server) - before) * 1000 / max(requests, 1)}


def run_backend(
    backend: str, url: str, work: Path, events_template: Path, options: argparse.Namespace
) -> dict[str, Any]:
    """Seed a fresh hub database at `url`, start the hub and drive it; the backend's figures."""
    work.mkdir()
    syslog_port, web_port = free_port(), free_port()
    config_path = write_config(work, establishments=options.establishments, syslog_port=syslog_port)
    shutil.copyfile(events_template, work / "events.db")
    began = time.monotonic()
    migrate.upgrade(url)
    config = load_config(config_path, environ={"GHT_SOC_SECRET_KEY": SECRET})
    engine = make_engine(url)
    app = create_app(config, db_bind=engine)
    with db.session_for(SYSTEM, app) as session:
        sync_from_config(session=session, settings=config.settings)
    seeded = seed_hub(
        engine,
        lambda principal: db.session_for(principal, app),
        alerts=options.alerts,
        incidents=options.incidents,
        users=options.clients,
        events=options.events,
        now=utc_now(),
    )
    assert seeded.establishment_ids == list(range(1, options.establishments + 1)), (
        "events seeded for ids 1..N"
    )
    reset_sequences(engine)
    engine.dispose()
    print(f"[{backend}] hub seeded in {time.monotonic() - began:.0f} s", flush=True)

    env = {
        **os.environ,
        "GHT_SOC_SECRET_KEY": SECRET,
        "GHT_SOC_DATABASE_URL": url,
        "GHT_SOC_CONFIG": str(config_path),
    }
    base = f"http://127.0.0.1:{web_port}"
    with ExitStack() as stack:
        server = stack.enter_context(
            process(
                [
                    sys.executable,
                    str(ROOT / "bench" / "web_load_server.py"),
                    str(config_path),
                    str(web_port),
                    "8",
                ],
                env,
                work / "server.log",
            )
        )
        listener = stack.enter_context(process([str(GHT_SOC), "listen"], env, work / "listen.log"))
        wait_for_port(web_port, server, work / "server.log")
        wait_for_port(syslog_port, listener, work / "listen.log")
        cookies = {user: login(base, user, PASSWORD) for user, _ in seeded.logins}
        loads = page_loads(seeded, cookies, options.clients)
        feed_log = work / "feed.log"
        feeder = stack.enter_context(
            process(
                [
                    sys.executable,
                    str(ROOT / "bench" / "web_load_feed.py"),
                    str(syslog_port),
                    str(options.rate),
                ],
                env,
                feed_log,
            )
        )
        if options.warmup:
            collect(start_wrk(base, loads, options.warmup, work, 0), timeout=options.warmup + 120)
        load_average = os.getloadavg()[0]
        first, start = stored_events(work / "events.db"), time.monotonic()
        users = drive(base, loads, options.seconds, options.think_ms, work, server.pid)
        last, elapsed = stored_events(work / "events.db"), time.monotonic() - start
        saturation = (
            drive(base, loads, options.saturation_seconds, 0, work, server.pid)
            if options.saturation_seconds
            else None
        )
        feeder.terminate()
        feeder.wait(timeout=30)
    return {
        "backend": backend,
        "users": users,
        "saturation": saturation,
        "ingest_events_per_s": (last - first) / elapsed,
        "load_average": load_average,
    }


def table(title: str, phase: dict[str, Any]) -> None:
    print(f"{title}; web server CPU {phase['cpu_ms_per_request']:.0f} ms per request")
    print(f"{'page':<15}{'req':>7}{'req/s':>8}{'err':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, row in phase["pages"].items():
        goal = "" if name not in GOAL_PAGES else ("  ok" if row["p95_ms"] <= 200 else "  > 200 ms goal")
        print(
            f"{name:<15}{row['requests']:>7.0f}{row['per_s']:>8.1f}{row['errors']:>6.0f}"
            f"{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['max_ms']:>9.1f}{goal}"
        )


def percentiles(pages: dict[str, dict[str, float]], key: str) -> dict[str, float]:
    return {name: round(row[key], 1) for name, row in pages.items()}


def report(result: dict[str, Any], options: argparse.Namespace) -> dict[str, Any]:
    users, saturation = result["users"], result["saturation"]
    print(
        f"\n[{result['backend']}] listener stored {result['ingest_events_per_s']:,.0f} events/s "
        f"(fed at {options.rate:,}/s); machine load average {result['load_average']:.1f} on {os.cpu_count()} CPUs"
    )
    table(f"users: {options.clients} clients, think {options.think_ms} ms, {options.seconds} s", users)
    if saturation:
        table(
            f"saturation: {options.clients} clients, no think time, {options.saturation_seconds} s",
            saturation,
        )
    figures = {
        "backend": result["backend"],
        **{f"{key}_ms": percentiles(users["pages"], f"{key}_ms") for key in ("p95", "p50", "p99")},
        "ingest_events_per_s": round(result["ingest_events_per_s"]),
        "requests_per_s": round(sum(row["per_s"] for row in users["pages"].values()), 1),
        "errors": int(sum(row["errors"] for row in users["pages"].values())),
        "server_cpu_ms_per_request": round(users["cpu_ms_per_request"], 1),
        "clients": options.clients,
        "think_ms": options.think_ms,
        "load_average": round(result["load_average"], 1),
        "seed": {"events": options.events, "alerts": options.alerts, "incidents": options.incidents},
    }
    if saturation:
        figures["saturation"] = {
            "requests_per_s": round(sum(row["per_s"] for row in saturation["pages"].values()), 1),
            "p95_ms": percentiles(saturation["pages"], "p95_ms"),
            "errors": int(sum(row["errors"] for row in saturation["pages"].values())),
            "server_cpu_ms_per_request": round(saturation["cpu_ms_per_request"], 1),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies the seed sizes (quick runs: 0.05)"
    )
    parser.add_argument("--establishments", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rate", type=int, default=5000, help="events/s fed to the listener")
    parser.add_argument("--seconds", type=int, default=60, help="measured run, per backend")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--think-ms", type=int, default=2000, help="users phase: mean pause between requests")
    parser.add_argument("--saturation-seconds", type=int, default=30, help="no-pause phase (0: skip it)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (logs, databases)")
    options = parser.parse_args()
    options.events = int(1_000_000 * options.scale)
    options.alerts = int(100_000 * options.scale)
    options.incidents = max(20, int(2_000 * options.scale))
    figures = []
    with ExitStack() as stack:
        if options.keep:
            options.keep.mkdir(parents=True, exist_ok=True)
            work = options.keep
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ght-soc-web-load-")))
        template = work / "events-template.db"
        if not template.exists():
            began = time.monotonic()
            seed_events(template, options.events, list(range(1, options.establishments + 1)), utc_now())
            print(f"{options.events:,} events seeded in {time.monotonic() - began:.0f} s", flush=True)
        for backend in options.backends.split(","):
            folder = work / f"{backend}-{int(time.time())}"
            if backend == "sqlite":
                url = f"sqlite:///{folder / 'hub.db'}"
            else:
                from tests.pgcluster import create_database, private_postgres

                url = create_database(stack.enter_context(private_postgres()), "web_load")
            figures.append(report(run_backend(backend, url, folder, template, options), options))
    for row in figures:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
