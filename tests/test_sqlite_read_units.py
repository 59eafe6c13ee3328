"""On SQLite, units of work that only read do not take the write lock: pages never queue behind a writer."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, event, select

from ght_soc import migrate
from ght_soc.access import SYSTEM
from ght_soc.app import create_app
from ght_soc.database import db, make_engine
from ght_soc.models import Establishment
from ght_soc.settings import LoadedConfig


@pytest.fixture()
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture()
def begins(file_engine: Engine) -> list[str]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(file_engine, "before_cursor_execute", record)
    return seen


@pytest.fixture()
def file_app(hub_config: LoadedConfig, file_engine: Engine) -> Flask:
    return create_app(hub_config, db_bind=file_engine, overrides={"TESTING": True})


def test_a_read_only_unit_of_work_reads_while_a_writer_holds_the_lock(
    file_app: Flask, file_engine: Engine
) -> None:
    writer = sqlite3.connect(str(file_engine.url.database), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the listener recording alerts, say
    try:
        began = time.monotonic()
        with db.session_for(SYSTEM, file_app, read_only=True) as session:
            assert session.scalars(select(Establishment)).all() == []
        assert time.monotonic() - began < 5  # a writing unit would wait for the lock (busy_timeout 30 s)
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.mark.parametrize(
    ("method", "path", "begin"),
    [
        ("GET", "/", "BEGIN"),
        ("HEAD", "/alerts/", "BEGIN"),
        ("POST", "/alerts/bulk-status", "BEGIN IMMEDIATE"),
        ("GET", "/incidents/1/evidence/1", "BEGIN IMMEDIATE"),  # a download is written to the custody chain
    ],
)
def test_requests_that_only_read_begin_deferred_and_the_others_take_the_write_lock(
    file_app: Flask, begins: list[str], method: str, path: str, begin: str
) -> None:
    with file_app.test_request_context(path, method=method):
        db.session.scalars(select(Establishment)).all()
    assert begins == [begin]
