"""bench/playbooks: 200 concurrent runs of a 20-step automatic playbook on the embedded default (SQLite).

Prints runs/s, the p50/p95 step latency (from one step's completion to the next one's, write-ahead commit,
action and timeline entry included), and the time a restarted hub takes to resume 200 runs parked on a
timer. Goal (issue 6): p95 step latency <= 100 ms. The last line is one JSON object of the figures.

    .venv/bin/python bench/playbooks.py [--runs 200] [--workers 1]

The engine runs in one process (the scheduler); more workers on SQLite measure the write lock, not the engine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from ght_soc import migrate
from ght_soc.access import SYSTEM
from ght_soc.app import create_app
from ght_soc.clock import now
from ght_soc.database import db, make_engine
from ght_soc.domain import IncidentCategory, Severity
from ght_soc.models import Establishment, Incident
from ght_soc.playbooks import runs
from ght_soc.playbooks.engine import Engine
from ght_soc.playbooks.handlers import builtin_handlers
from ght_soc.playbooks.loader import LoadedPlaybook, load_playbook_bytes
from ght_soc.resources import bundled_config_path
from ght_soc.services import incidents
from ght_soc.services.ghts import sync_from_config
from ght_soc.settings import load_config


def playbook(steps: int, wait_after: int | None = None) -> LoadedPlaybook:
    """`steps` automatic steps (notes), optionally a 1-second wait in the middle, then the end."""
    lines = ["id: bench", "version: 1", "title: Banc d'essai", "start: s1", "steps:"]
    for n in range(1, steps):
        following = "pause" if n == wait_after else f"s{n + 1}" if n + 1 < steps else "fin"
        lines += [
            f"  - id: s{n}",
            "    kind: action",
            f"    title: Étape {n}",
            "    action: incident.add_note",
            "    args:",
            f'      text: "Étape {n} de ${{{{ incident.title }}}}"',
            f"    next: {following}",
        ]
    if wait_after is not None:
        lines += [
            "  - id: pause",
            "    kind: wait",
            "    title: Pause",
            "    duration: 1s",
            f"    next: s{wait_after + 1}",
        ]
    lines += ["  - id: fin", "    kind: end", "    title: Fin"]
    loaded, problems = load_playbook_bytes("\n".join(lines).encode(), "bench.yaml")
    assert loaded is not None, problems
    return loaded


class Timings:
    """Step completion instants per run, recorded by wrapping the engine's `complete`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_run: dict[int, list[float]] = {}

    def wrap(self, engine: Engine) -> Engine:
        original = engine.complete

        def complete(session, run, row, output, **kwargs):  # type: ignore[no-untyped-def]
            original(session, run, row, output, **kwargs)
            with self.lock:
                self.by_run.setdefault(run.id, []).append(time.perf_counter())

        engine.complete = complete  # type: ignore[method-assign]
        return engine

    def step_latencies_ms(self, starts: dict[int, float]) -> list[float]:
        found = []
        for run_id, instants in self.by_run.items():
            previous = starts.get(run_id, instants[0])
            for instant in instants:
                found.append((instant - previous) * 1000)
                previous = instant
        return found


def make_app(url: str):  # type: ignore[no-untyped-def]
    config = load_config(bundled_config_path("ght.example.yaml"), environ={"GHT_SOC_SECRET_KEY": "x" * 32})
    engine = make_engine(url)
    app = create_app(config, db_bind=engine)
    return app, engine


def open_incidents(app, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    with db.session_for(SYSTEM, app) as session:
        establishment = session.query(Establishment).first()
        assert establishment is not None
        return [
            incidents.open_incident(
                session=session,
                new=incidents.NewIncident(
                    f"Incident {n}", IncidentCategory.OTHER, Severity.LOW, (establishment.id,)
                ),
                actor=SYSTEM,
                now=now(),
            ).id
            for n in range(count)
        ]


def start_all(
    app, engine: Engine, loaded: LoadedPlaybook, incident_ids: list[int], workers: int
) -> dict[int, float]:  # type: ignore[no-untyped-def]
    starts: dict[int, float] = {}
    lock = threading.Lock()

    def one(incident_id: int) -> None:
        with db.session_for(SYSTEM, app) as session:
            began = time.perf_counter()
            run = runs.start(
                engine,
                session,
                incident=session.get_one(Incident, incident_id),
                loaded=loaded,
                actor=SYSTEM,
                now=now(),
            )
            with lock:
                starts[run.id] = began

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, incident_ids))
    return starts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        app, bind = make_app(url)
        with db.session_for(SYSTEM, app) as session:
            sync_from_config(session=session, settings=app.extensions["ght_soc.config"].settings)

        # 1. Throughput and step latency: every run goes through its 20 automatic steps at once.
        ids = open_incidents(app, options.runs)
        timings = Timings()
        engine = timings.wrap(Engine(handlers=builtin_handlers()))
        began = time.perf_counter()
        starts = start_all(app, engine, playbook(options.steps), ids, options.workers)
        elapsed = time.perf_counter() - began
        latencies = timings.step_latencies_ms(starts)
        steps_done = len(latencies)

        # 2. Resume: runs parked on a 1 s timer half-way, then a "restarted" hub (new app, new engine).
        parked = open_incidents(app, options.runs)
        start_all(
            app,
            Engine(handlers=builtin_handlers()),
            playbook(options.steps, wait_after=10),
            parked,
            options.workers,
        )
        bind.dispose()
        time.sleep(1.1)
        restarted, bind = make_app(url)
        began = time.perf_counter()
        with db.session_for(SYSTEM, restarted) as session:
            resumed = Engine(handlers=builtin_handlers()).resume(session, now=now() + timedelta(seconds=1))
        resume_s = time.perf_counter() - began
        bind.dispose()

    figures = {
        "runs": options.runs,
        "steps_per_run": options.steps,
        "workers": options.workers,
        "steps_done": steps_done,
        "runs_per_s": round(options.runs / elapsed, 1),
        "steps_per_s": round(steps_done / elapsed, 1),
        "p50_step_ms": round(statistics.median(latencies), 2),
        "p95_step_ms": round(statistics.quantiles(latencies, n=20)[18], 2),
        "resumed_runs": resumed,
        "resume_s": round(resume_s, 2),
    }
    print(
        f"{options.runs} runs x {options.steps} steps in {elapsed:.1f} s: {figures['runs_per_s']} runs/s, "
        f"{figures['steps_per_s']} steps/s"
    )
    print(f"step latency p50 {figures['p50_step_ms']} ms, p95 {figures['p95_step_ms']} ms (goal <= 100 ms)")
    print(f"resume of {resumed} parked runs after a restart: {figures['resume_s']} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
