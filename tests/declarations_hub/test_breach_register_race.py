"""Units of work recording breaches in the same registers at the same moment never share a number, and never
fail one another.

Threads on a committed database of each backend (the per-test rolled-back connection cannot be shared), like
the audit chain's concurrent writers (tests/security/test_audit_chain.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from ght_soc import migrate
from ght_soc.access import SYSTEM, Principal, grants_from
from ght_soc.app import create_app
from ght_soc.database import db, make_engine
from ght_soc.declarations_runtime import declaration_context
from ght_soc.domain import IncidentCategory, Malice, Role, Severity
from ght_soc.models import BreachRecord, Establishment, Incident
from ght_soc.services import breach_register, declaration_changes, incidents
from ght_soc.services.declarations import DeclarationContext
from ght_soc.services.ghts import sync_from_config
from ght_soc.settings import LoadedConfig
from tests.declarations_hub.conftest import AFFECTED, DISCOVERED, RANSOMWARE
from tests.declarations_hub.test_breach_register import LETTER

RECORDED = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
DPO = Principal("DPO", grants_from([(Role.DPO, None)]))
WRITERS = 4
ORDERS = (AFFECTED, tuple(reversed(AFFECTED)))  # each qualification lists the members in its own order


@dataclass(frozen=True)
class Committed:
    app: Flask
    context: DeclarationContext
    ids: dict[str, int]  # establishment key → id


@pytest.fixture()
def committed(
    backend: str,
    fresh_database_url: Callable[[str, str], str],
    hub_config: LoadedConfig,
    request: pytest.FixtureRequest,
) -> Iterator[Committed]:
    """The demo GHT's members on a database of their own, each unit of work committed."""
    url = fresh_database_url(backend, f"breach_{request.node.originalname[5:25]}_{backend}")
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=WRITERS) if backend == "postgresql" else make_engine(url)
    app = create_app(hub_config, db_bind=engine)
    with db.session_for(SYSTEM, app) as session:
        sync_from_config(session=session, settings=hub_config.settings)
        ids = {e.key: e.id for e in session.scalars(select(Establishment))}
    try:
        yield Committed(app, declaration_context(app), ids)
    finally:
        engine.dispose()


def at_once(work: Callable[[int], None], threads: int) -> list[BaseException]:
    """Run `work(n)` in `threads` threads released together; what they raised."""
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def run(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(number)
        except BaseException as error:  # reported by the caller
            failures.append(error)

    started = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in started)
    return failures


def numbers(hub: Committed) -> dict[int, list[tuple[int, int]]]:
    """By establishment: the (year, number) of its entries, sorted."""
    with db.session_for(SYSTEM, hub.app, read_only=True) as session:
        rows = session.execute(select(BreachRecord.establishment_id, BreachRecord.year, BreachRecord.number))
        found: dict[int, list[tuple[int, int]]] = {}
        for establishment_id, year, number in rows:
            found.setdefault(establishment_id, []).append((year, number))
    return {key: sorted(value) for key, value in found.items()}


def test_entries_recorded_at_the_same_moment_get_distinct_consecutive_numbers(committed: Committed) -> None:
    per_writer = 6

    def write(writer: int) -> None:
        for index in range(per_writer):
            with db.session_for(DPO, committed.app) as session:
                breach_register.record(
                    session=session,
                    establishment_id=committed.ids["ch-amboise-demo"],
                    values=dataclasses.replace(LETTER, title=f"Courrier {writer}-{index}"),
                    context=committed.context,
                    actor=DPO,
                    now=RECORDED + timedelta(seconds=index),
                )

    assert at_once(write, WRITERS) == []
    total = WRITERS * per_writer
    assert numbers(committed) == {committed.ids["ch-amboise-demo"]: [(2025, n) for n in range(1, total + 1)]}


def test_two_incidents_on_the_same_members_qualified_at_once_both_open_their_entries(
    committed: Committed,
) -> None:
    """Each qualification opens an entry in the same three registers, listing the members in its own order;
    neither may fail the other (on PostgreSQL: no deadlock between their locks)."""
    rounds = 6
    for round_number in range(rounds):
        with db.session_for(SYSTEM, committed.app) as session:
            opened = [
                incidents.open_incident(
                    session=session,
                    new=incidents.NewIncident(
                        title=f"Rançongiciel {round_number}-{n}",
                        category=IncidentCategory.RANSOMWARE,
                        severity=Severity.CRITICAL,
                        establishment_ids=tuple(committed.ids[k] for k in AFFECTED),
                        detected_at=DISCOVERED,
                        malice=Malice.MALICIOUS,
                    ),
                    actor=SYSTEM,
                    now=DISCOVERED,
                ).id
                for n in range(2)
            ]

        def qualify(n: int, opened: list[int] = opened) -> None:
            with db.session_for(SYSTEM, committed.app) as session:
                declaration_changes.qualify(
                    session=session,
                    incident=session.get_one(Incident, opened[n]),
                    answers=RANSOMWARE,
                    affected=ORDERS[n],
                    establishment_ids=committed.ids,
                    context=committed.context,
                    actor=SYSTEM,
                    now=RECORDED,
                )

        assert at_once(qualify, 2) == [], f"round {round_number}"
    expected = [(2025, n) for n in range(1, 2 * rounds + 1)]
    assert numbers(committed) == {committed.ids[k]: expected for k in AFFECTED}
