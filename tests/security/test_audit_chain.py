"""The audit log is a hash chain: a clean chain verifies, and any edited, deleted or inserted row is named."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import Connection, delete, insert, select, text, update

from ght_soc import migrate
from ght_soc.access import SYSTEM
from ght_soc.app import create_app
from ght_soc.cli import main
from ght_soc.database import db, make_engine
from ght_soc.models import AuditEvent
from ght_soc.services import audit
from ght_soc.services.audit import AuditAction, Breach, SecretInAuditError
from ght_soc.settings import LoadedConfig
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
TABLE = AuditEvent.__table__


def _write(app: Flask, how_many: int) -> list[int]:
    """Record `how_many` events, each in its own unit of work, as the hub does; returns their ids."""
    ids = []
    for number in range(how_many):
        with db.session_for(SYSTEM, app) as session:
            event = audit.record(
                session,
                actor=SYSTEM,
                action=AuditAction.RUN_STARTED,
                target=f"run:{number}",
                details={"incident": number, "playbook": "rançongiciel", "nested": {"list": [1, 2.5, None]}},
                now=T0 + timedelta(seconds=number),
            )
            ids.append(event.id)
    return ids


def _verify(app: Flask) -> audit.ChainReport:
    with db.session_for(SYSTEM, app) as session:
        return audit.verify(session)


def test_a_clean_chain_verifies(app: Flask) -> None:
    _write(app, 5)
    report = _verify(app)
    assert report.intact and report.checked == 5
    assert len(report.head_hash) == 64


def _edit_details(connection: Connection, ids: list[int]) -> None:
    connection.execute(update(TABLE).where(TABLE.c.id == ids[2]).values(details={"incident": 99}))


def _edit_time(connection: Connection, ids: list[int]) -> None:
    connection.execute(update(TABLE).where(TABLE.c.id == ids[2]).values(at=T0 - timedelta(days=1)))


def _delete_middle(connection: Connection, ids: list[int]) -> None:
    connection.execute(delete(TABLE).where(TABLE.c.id == ids[2]))


def _delete_first(connection: Connection, ids: list[int]) -> None:
    connection.execute(delete(TABLE).where(TABLE.c.id == ids[0]))


def _delete_last(connection: Connection, ids: list[int]) -> None:
    connection.execute(delete(TABLE).where(TABLE.c.id == ids[-1]))


def _insert_forged(connection: Connection, ids: list[int]) -> None:
    """The careful forger: spread the ids, then slip a row chained on row 2 with a correct hash of its own."""
    connection.execute(update(TABLE).values(id=TABLE.c.id * 10))
    previous = connection.execute(select(TABLE.c.hash).where(TABLE.c.id == ids[1] * 10)).scalar_one()
    forged = AuditEvent(
        at=T0 + timedelta(seconds=1, milliseconds=500),
        actor_name="ght-soc",
        actor_user_id=None,
        actor_token_id=None,
        action=AuditAction.RUN_CANCELLED.value,
        target="run:1",
        details={"reason": "nothing to see"},
        previous_hash=previous,
    )
    forged.hash = audit.chain_hash(previous, forged)
    values = {c.name: getattr(forged, c.key) for c in TABLE.columns if c.name != "id"}
    connection.execute(insert(TABLE).values(id=ids[1] * 10 + 5, **values))


def _insert_crude(connection: Connection, ids: list[int]) -> None:
    """The hasty forger: a copy of row 2 with made-up hashes, slipped before row 3."""
    connection.execute(update(TABLE).values(id=TABLE.c.id * 10))
    row = connection.execute(select(TABLE).where(TABLE.c.id == ids[1] * 10)).mappings().one()
    values = {**row, "id": ids[1] * 10 + 5, "hash": "f" * 64, "previous_hash": "e" * 64, "target": "run:77"}
    connection.execute(insert(TABLE).values(**values))


@pytest.mark.parametrize(
    ("tamper", "breach", "broken"),
    [
        (_edit_details, Breach.EDITED, lambda ids: ids[2]),
        (_edit_time, Breach.EDITED, lambda ids: ids[2]),
        (_delete_middle, Breach.DELETED, lambda ids: ids[3]),
        (_delete_first, Breach.DELETED, lambda ids: ids[1]),
        (_delete_last, Breach.TRUNCATED, lambda ids: ids[-2]),
        (_insert_forged, Breach.INSERTED, lambda ids: ids[1] * 10 + 5),
        (_insert_crude, Breach.EDITED, lambda ids: ids[1] * 10 + 5),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_tampering_is_detected_and_the_first_broken_row_named(
    app: Flask,
    connection: Connection,
    tamper: Callable[[Connection, list[int]], None],
    breach: Breach,
    broken: Callable[[list[int]], int],
) -> None:
    ids = _write(app, 5)
    tamper(connection, ids)
    report = _verify(app)
    assert report.problem is not None
    assert (report.problem.breach, report.problem.event_id) == (breach, broken(ids))
    assert str(broken(ids)) in report.problem.explanation


def test_renumbering_the_ids_without_adding_or_removing_rows_is_not_tampering(
    app: Flask, connection: Connection
) -> None:
    _write(app, 4)
    connection.execute(update(TABLE).values(id=TABLE.c.id * 10))
    assert _verify(app).intact


@pytest.mark.parametrize(
    "key", ["password", "new_password", "token", "secret_env", "totp", "recovery_codes", "code"]
)
def test_details_naming_a_secret_are_refused(app: Flask, key: str) -> None:
    with pytest.raises(SecretInAuditError), db.session_for(SYSTEM, app) as session:
        audit.record(
            session,
            actor=None,
            action=AuditAction.LOGIN_FAILURE,
            target="x",
            details={"a": {key: "x"}},
            now=T0,
        )


def test_two_concurrent_writers_keep_one_chain(
    backend: str, fresh_database_url: Callable[[str, str], str], hub_config: LoadedConfig
) -> None:
    """Writers in threads, each unit of work committed: never two rows on the same previous hash."""
    url = fresh_database_url(backend, f"audit_writers_{backend}")
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=4) if backend == "postgresql" else make_engine(url)
    shared = create_app(hub_config, db_bind=engine)
    per_writer, writers = 40, 4
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            for index in range(per_writer):
                with db.session_for(SYSTEM, shared) as session:
                    audit.record(
                        session,
                        actor=None,
                        action=AuditAction.LOGIN_FAILURE,
                        target=f"login:writer{number}",
                        details={"attempt": index},
                        now=T0,
                    )
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert failures == []
        assert not any(thread.is_alive() for thread in threads)
        with db.session_for(SYSTEM, shared) as session:
            report = audit.verify(session)
            previous = session.scalars(select(AuditEvent.previous_hash)).all()
        assert report.intact and report.checked == per_writer * writers
        assert len(set(previous)) == len(previous)  # no fork: each hash is chained on once
    finally:
        engine.dispose()


def test_the_cli_verifies_the_chain_and_names_the_first_broken_row(
    tmp_path: Path, hub_config: LoadedConfig
) -> None:
    url = f"sqlite:///{tmp_path}/hub.db"
    migrate.upgrade(url)
    engine = make_engine(url)
    ids = _write(create_app(hub_config, db_bind=engine), 3)
    env = {
        "GHT_SOC_SECRET_KEY": TEST_SECRET,
        "GHT_SOC_DATABASE_URL": url,
        "GHT_SOC_CONFIG": str(EXAMPLE_CONFIG),
    }
    runner = CliRunner()
    clean = runner.invoke(main, ["audit", "verify"], env=env)
    assert clean.exit_code == 0, clean.output
    assert "3 entrée(s)" in clean.output
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET target = 'run:0' WHERE id = :id"), {"id": ids[1]})
    broken = runner.invoke(main, ["audit", "verify"], env=env)
    engine.dispose()
    assert broken.exit_code == 1
    assert f"à l'entrée {ids[1]}" in broken.output and "edited" in broken.output
