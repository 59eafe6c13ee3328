"""The embedded store's exact-match filters: what they find, the index they read, and what they leave alone."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ght_soc.access import Scope
from ght_soc.events import sqlite_schema
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.events.store import EventQuery

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
EVERYTHING = Scope.everything()
SEARCH_INDEXES = {"ix_events_search_host_name", "ix_events_search_source_ip"}


def event(n: int, establishment_id: int | None, host: str, **fields: object) -> dict[str, object]:
    return {
        "@timestamp": (T0 + timedelta(minutes=n)).isoformat(),
        "establishment_id": establishment_id,
        "host.name": host,
        "message": f"event number {n}",
        **fields,
    }


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[SqliteEventStore]:
    created = SqliteEventStore(tmp_path / "events.db")
    yield created
    created.close()


def messages(store: SqliteEventStore, query: EventQuery, scope: Scope = EVERYTHING) -> list[str]:
    return [str(e["message"]) for e in store.search(query, scope).events]


def search_indexes(store: SqliteEventStore) -> set[str]:
    rows = store.query("SELECT name FROM sqlite_master WHERE name LIKE 'ix_events_search_%'", {})
    return {str(row["name"]) for row in rows}


def plan(store: SqliteEventStore, sql: str, parameters: dict[str, object]) -> str:
    return " / ".join(str(row["detail"]) for row in store.query("EXPLAIN QUERY PLAN " + sql, parameters))


@pytest.fixture()
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SELECT statements stores send from now on, as SQLite traces them (parameters written in)."""
    sent: list[str] = []
    connect = sqlite_schema.connect

    def traced(path: Path) -> sqlite3.Connection:
        connection = connect(path)
        connection.set_trace_callback(lambda sql: sent.append(sql) if sql.startswith("SELECT") else None)
        return connection

    monkeypatch.setattr(sqlite_schema, "connect", traced)
    return sent


def test_an_exact_filter_is_case_insensitive_like_the_columns_and_stays_in_its_scope(
    store: SqliteEventStore,
) -> None:
    store.write(
        [
            event(1, 1, "SRV-DPI-1"),
            event(2, 2, "srv-dpi-1"),
            event(3, 1, "srv-dpi-2", **{"user.name": "JDupont", "source.ip": "10.0.0.1"}),
            event(4, None, "srv-dpi-1"),
            event(5, 1, "SRV-É"),
        ]
    )
    site = Scope(frozenset({1}))
    assert messages(store, EventQuery(host="srv-DPI-1"), site) == ["event number 1"]
    assert messages(store, EventQuery(host="srv-dpi-1")) == [
        "event number 4",
        "event number 2",
        "event number 1",
    ]
    assert messages(store, EventQuery(host="srv-dpi-1", unattributed=True)) == ["event number 4"]
    assert messages(store, EventQuery(host="srv-dpi-3"), site) == []
    assert messages(store, EventQuery(fields={"user.name": "jdupont", "source.ip": "10.0.0.1"}), site) == [
        "event number 3"
    ]
    # ASCII letters only, as SQLite's NOCASE columns compare (and Sigma rules over them match)
    assert messages(store, EventQuery(host="srv-É")) == ["event number 5"]
    assert messages(store, EventQuery(host="srv-é")) == []


def test_an_exact_filter_combines_with_time_pages_and_words(store: SqliteEventStore) -> None:
    store.write([event(n, 1 + n % 2, f"srv{n % 3}") for n in range(60)])
    site = Scope(frozenset({1}))
    wanted = [f"event number {n}" for n in range(58, -1, -1) if n % 2 == 0 and n % 3 == 1]
    seen, cursor = [], None
    while True:
        page = store.search(EventQuery(host="SRV1", page_size=3, after=cursor), site)
        seen += [e["message"] for e in page.events]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == wanted
    window = EventQuery(host="srv1", start=T0 + timedelta(minutes=10), end=T0 + timedelta(minutes=40))
    assert messages(store, window, site) == [m for m in wanted if 10 <= int(m.split()[-1]) < 40]
    assert messages(store, EventQuery(host="srv1", text="number 40"), site) == ["event number 40"]


@pytest.mark.parametrize(
    "scope",
    [Scope(frozenset({1})), Scope(frozenset({1, 2})), EVERYTHING],
    ids=["one-site", "two-sites", "ght-wide"],
)
@pytest.mark.parametrize(
    ("field", "index"),
    [
        ("host.name", "ix_events_search_host_name"),
        ("source.ip", "ix_events_search_source_ip"),
    ],
)
def test_an_exact_filter_reads_its_field_index_whatever_the_scope(
    tmp_path: Path, statements: list[str], scope: Scope, field: str, index: str
) -> None:
    # The establishment's own index would read every event of the establishment when the value is not there.
    store = SqliteEventStore(tmp_path / "events.db")
    store.write([event(n, 1 + n % 2, f"srv{n % 3}", **{field: f"value {n % 3}"}) for n in range(20)])
    statements.clear()
    assert store.search(EventQuery(fields={field: "absent"}), scope).events == []
    (search,) = statements
    assert index in plan(store, search, {})
    store.close()


def test_the_detection_over_a_new_batch_keeps_reading_it_by_id(store: SqliteEventStore) -> None:
    # A rule's condition on an indexed field must not make SQLite read every event of that host.
    store.write([event(n, 1, "srv1") for n in range(20)])
    batch = "SELECT * FROM events WHERE id > :first_id AND id <= :last_id AND "
    for condition in ("\"host.name\" = 'srv1'", "(\"host.name\" LIKE 'srv%' OR \"source.ip\" = '10.0.0.1')"):
        detail = plan(store, batch + condition, {"first_id": 5, "last_id": 10})
        assert "INTEGER PRIMARY KEY" in detail
        assert not any(index in detail for index in SEARCH_INDEXES)


def test_an_events_file_from_an_older_hub_gains_the_search_indexes(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    older = SqliteEventStore(path)
    older.write([event(n, 1, f"srv{n % 3}") for n in range(10)])
    older.execute_script("".join(f"DROP INDEX {index};" for index in SEARCH_INDEXES))
    older.close()

    store = SqliteEventStore(path)
    assert search_indexes(store) == SEARCH_INDEXES
    assert messages(store, EventQuery(host="srv1")) == ["event number 7", "event number 4", "event number 1"]
    store.close()


def test_a_store_opened_while_another_builds_the_indexes_goes_on_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.db"
    older = SqliteEventStore(path)
    older.write([event(n, 1, f"srv{n % 3}") for n in range(10)])
    older.execute_script("".join(f"DROP INDEX {index};" for index in SEARCH_INDEXES))
    older.close()
    monkeypatch.setattr(sqlite_schema, "BUSY_TIMEOUT_S", 0.05)
    builder = sqlite3.connect(path, isolation_level=None)
    builder.execute("BEGIN IMMEDIATE")  # another process, holding the write lock as a long index build does
    try:
        store = SqliteEventStore(path)
        assert search_indexes(store) == set()
        assert messages(store, EventQuery(host="srv1")) == [
            "event number 7",
            "event number 4",
            "event number 1",
        ]
        store.close()
    finally:
        builder.execute("ROLLBACK")
        builder.close()
    reopened = SqliteEventStore(path)  # the next opening builds them
    assert search_indexes(reopened) == SEARCH_INDEXES
    reopened.close()
