"""The embedded event store: scoped searches, full text, pagination, retention."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ght_soc.access import Scope
from ght_soc.events import sqlite_search
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.events.store import EventQuery, EventStoreError

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
EVERYTHING = Scope.everything()


def event(n: int, establishment_id: int | None = 1, **fields: object) -> dict[str, object]:
    return {
        "@timestamp": (T0 + timedelta(minutes=n)).isoformat(),
        "establishment_id": establishment_id,
        "host.name": f"srv{n % 3}",
        "message": f"event number {n}",
        "event.original": f"<134>raw {n}",
        **fields,
    }


@pytest.fixture()
def store(tmp_path: Path) -> SqliteEventStore:
    created = SqliteEventStore(tmp_path / "events.db")
    yield created
    created.close()


def test_events_come_back_newest_first_with_every_field(store: SqliteEventStore) -> None:
    assert store.write([event(1, **{"winlog.event_data.LogonType": "3"}), event(2)]) == 2
    page = store.search(EventQuery(), EVERYTHING)
    assert [e["message"] for e in page.events] == ["event number 2", "event number 1"]
    assert page.events[1]["winlog.event_data.LogonType"] == "3"
    assert page.events[1]["event.original"] == "<134>raw 1"
    assert page.events[1]["@timestamp"] == "2026-11-22T01:01:00Z"


def test_a_site_scope_sees_only_its_establishment_and_never_the_unattributed_bucket(
    store: SqliteEventStore,
) -> None:
    store.write([event(1, 1), event(2, 2), event(3, None)])
    site = Scope(frozenset({2}))
    assert [e["establishment_id"] for e in store.search(EventQuery(), site).events] == [2]
    # asking for another establishment narrows to nothing rather than widening the scope
    assert store.search(EventQuery(establishment_ids=frozenset({1})), site).events == []
    assert store.search(EventQuery(unattributed=True), site).events == []
    assert store.search(EventQuery(), Scope.nothing()).events == []
    bucket = store.search(EventQuery(unattributed=True), EVERYTHING).events
    assert [e["message"] for e in bucket] == ["event number 3"]


def test_filters_combine_time_host_fields_and_text(store: SqliteEventStore) -> None:
    store.write(
        [
            event(n, **{"user.name": "jdupont" if n % 2 else "amartin", "custom.tag": "x" if n == 5 else "y"})
            for n in range(10)
        ]
    )
    query = EventQuery(start=T0 + timedelta(minutes=2), end=T0 + timedelta(minutes=8), host="SRV1")
    assert [e["message"] for e in store.search(query, EVERYTHING).events] == [
        "event number 7",
        "event number 4",
    ]
    by_user = EventQuery(fields={"user.name": "JDUPONT"})  # case-insensitive like Sigma
    assert len(store.search(by_user, EVERYTHING).events) == 5
    by_document_field = EventQuery(fields={"custom.tag": "x"})  # not a column: read from the document
    assert [e["message"] for e in store.search(by_document_field, EVERYTHING).events] == ["event number 5"]
    assert [e["message"] for e in store.search(EventQuery(text="number 6"), EVERYTHING).events] == [
        "event number 6"
    ]
    assert store.search(EventQuery(text='" OR * ('), EVERYTHING).events == []  # no FTS syntax error


def test_pages_follow_a_cursor_without_gaps_or_repeats(store: SqliteEventStore) -> None:
    store.write([event(n % 7) for n in range(23)])  # several events share a timestamp
    seen, cursor = [], None
    while True:
        page = store.search(EventQuery(page_size=5, after=cursor), EVERYTHING)
        seen += [e["_id"] for e in page.events]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == list(range(1, 24))
    with pytest.raises(EventStoreError):
        store.search(EventQuery(after="not-a-cursor"), EVERYTHING)


def test_retention_purges_one_establishment_and_its_full_text(store: SqliteEventStore) -> None:
    store.write([event(1, 1), event(30, 1), event(1, 2)])
    assert store.purge(1, before=T0 + timedelta(minutes=10)) == 1
    remaining = store.search(EventQuery(), EVERYTHING).events
    assert sorted((e["establishment_id"], e["message"]) for e in remaining) == [
        (1, "event number 30"),
        (2, "event number 1"),
    ]
    assert [e["establishment_id"] for e in store.search(EventQuery(text="number 1"), EVERYTHING).events] == [
        2
    ]


def test_rule_fields_become_columns_and_names_are_checked(store: SqliteEventStore, tmp_path: Path) -> None:
    store.ensure_fields(["winlog.event_data.TargetUserName"])
    store.write([event(1, **{"winlog.event_data.TargetUserName": "Administrateur"})])
    query = EventQuery(fields={"winlog.event_data.TargetUserName": "administrateur"})
    assert len(store.search(query, EVERYTHING).events) == 1
    assert "winlog.event_data.TargetUserName" in SqliteEventStore(tmp_path / "events.db").field_columns
    with pytest.raises(EventStoreError, match="invalid field name"):
        store.search(EventQuery(fields={'x"; DROP TABLE events; --': "1"}), EVERYTHING)


def test_column_values_of_every_type_are_stored_as_their_text(store: SqliteEventStore) -> None:
    # Integers go to SQLite as they are (TEXT affinity writes them as str() does), one past 64 bits as text.
    store.write(
        [
            event(1, **{"source.port": 443, "event.code": True, "user.name": 1.5, "destination.port": None}),
            event(2, **{"source.port": -(2**63), "event.code": {"id": 4625}}),
            event(3, **{"source.port": 2**64 - 1, "event.code": "4625"}),
        ]
    )
    columns = '"source.port", "event.code", "user.name", "destination.port", typeof("source.port")'
    rows = store.query(f"SELECT {columns} FROM events ORDER BY id", {})
    assert [tuple(row.values()) for row in rows] == [
        ("443", "true", "1.5", None, "text"),
        (str(-(2**63)), '{"id": 4625}', None, None, "text"),
        (str(2**64 - 1), "4625", None, None, "text"),
    ]
    found = store.search(EventQuery(), EVERYTHING).events
    assert [e["source.port"] for e in found] == [2**64 - 1, -(2**63), 443]  # the documents keep the numbers


def test_an_event_without_a_readable_time_is_filed_at_its_reception(store: SqliteEventStore) -> None:
    store.write(
        [{"establishment_id": 1, "@timestamp": "yesterday-ish", "message": "odd", "event.ingested": T0}]
    )
    (stored,) = store.search(EventQuery(), EVERYTHING).events
    assert stored["@timestamp"] == "2026-11-22T01:00:00Z"


def test_writers_and_readers_in_other_threads(store: SqliteEventStore) -> None:
    errors: list[BaseException] = []

    def writer(base: int) -> None:
        try:
            for batch in range(10):
                store.write([event(base + batch * 10 + n) for n in range(10)])
        except BaseException as error:  # reported below: a thread's exception would be lost otherwise
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert store.count(EVERYTHING) == 300


def test_events_are_fetched_by_reference_within_the_scope(store: SqliteEventStore) -> None:
    store.write([event(1, 1), event(2, 2), event(3, 1)])
    assert [e["message"] for e in store.get(["1", "2", "3", "x"], EVERYTHING)] == [
        "event number 1",
        "event number 2",
        "event number 3",
    ]
    assert [e["message"] for e in store.get(["1", "2"], Scope(frozenset({2})))] == ["event number 2"]
    assert store.get(["1"], Scope.nothing()) == []


@pytest.mark.parametrize(
    ("candidates", "first_chunk"),
    [
        pytest.param(1000, 1000, id="few-matches-each-looked-up"),
        pytest.param(3, 3, id="common-words-in-chunks"),  # as past 2,000 matches, in chunks of 2,000 events
        pytest.param(3, 1, id="chunks-of-one-instant"),
    ],
)
@pytest.mark.parametrize(
    ("arrivals", "query"),
    [
        # in time order: the newest matches are the newest arrivals
        ([event(n) for n in range(40)], EventQuery(text="number", page_size=5)),
        # a late sender: its older events arrive last and must not hide the newer ones that came before
        (
            [event(n) for n in range(20, 40)] + [event(n) for n in range(20)],
            EventQuery(text="number", page_size=5),
        ),
        # the newest matches fail another criterion: the search widens until enough pass
        (
            [event(n, 2) for n in range(10)] + [event(n, 1) for n in range(10, 40)],
            EventQuery(text="number", establishment_ids=frozenset({2}), page_size=5),
        ),
        # many events of the same instant: a chunk never splits them
        ([event(n % 7) for n in range(40)], EventQuery(text="number", page_size=5)),
        # words and a host: the host's index gives the chunks
        ([event(n) for n in range(40)], EventQuery(text="number", host="SRV1", page_size=5)),
        # fewer matches than a page
        (
            [event(n, message=f"rare {n}" if n in (3, 30) else f"event number {n}") for n in range(40)],
            EventQuery(text="rare"),
        ),
    ],
)
def test_a_word_search_pages_newest_first_whatever_the_arrival_order(
    store: SqliteEventStore,
    monkeypatch: pytest.MonkeyPatch,
    arrivals: list[dict[str, object]],
    query: EventQuery,
    candidates: int,
    first_chunk: int,
) -> None:
    monkeypatch.setattr(sqlite_search, "TEXT_CANDIDATES", candidates)
    monkeypatch.setattr(sqlite_search, "FIRST_CHUNK", first_chunk)
    store.write(arrivals)
    wanted = sorted(
        (
            (e["@timestamp"], n + 1)
            for n, e in enumerate(arrivals)
            if str(query.text) in str(e["message"])
            and (query.establishment_ids is None or e["establishment_id"] in query.establishment_ids)
            and (query.host is None or str(e["host.name"]).lower() == query.host.lower())
        ),
        reverse=True,
    )
    seen, cursor = [], None
    for _ in range(len(arrivals)):
        page = store.search(EventQuery(**{**query.__dict__, "after": cursor}), EVERYTHING)
        seen += [e["_id"] for e in page.events]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [row_id for _, row_id in wanted]
