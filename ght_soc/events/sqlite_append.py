"""Writing a batch of events to the embedded store: one transaction, rows staged by the columns they fill.

Rows go first to a staging table, grouped by the columns each event has (an event fills a third of them; binding
the others as NULL cost more than the insert itself), then into `events` in their order of arrival, in one
statement, and their messages into the full-text index.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from operator import itemgetter
from typing import Any

import orjson

from ght_soc.events.sqlite_schema import STAGED_COLUMNS, micros, quoted
from ght_soc.events.store import Event


@dataclass(frozen=True)
class IdRange:
    """The rows one write added: ids in (first_id, last_id], event times from first_ts to last_ts."""

    first_id: int
    last_id: int
    first_ts: int
    last_ts: int


class _StampMemo(dict[str, int | None]):
    """Event times as text → microseconds, each text read once (senders' clocks tick once a second)."""

    def __missing__(self, stamp: str) -> int | None:
        if len(self) >= 4096:
            self.clear()
        value = self[stamp] = micros(stamp)
        return value


_stamp_micros = _StampMemo()


@dataclass(frozen=True, slots=True)
class _Group:
    """The events of a batch that have the same field columns: one insert statement for them all."""

    names: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    values: Callable[[Event], tuple[Any, ...]]  # an event's values of `names`, in one C call

    @classmethod
    def of(cls, present: frozenset[str]) -> _Group:
        names = tuple(sorted(present))
        return cls(names, [], itemgetter(*names) if len(names) > 1 else partial(_few_values, names))


def _few_values(names: tuple[str, ...], event: Event) -> tuple[Any, ...]:
    # itemgetter of one name gives the value itself, not a tuple; of none, it cannot be built.
    return tuple(event[name] for name in names)


# Values a column takes as they are: TEXT affinity turns an integer into the text str() gives, and strings and
# NULLs are nearly every value. Only the others are converted, an event at a time (this was ~15 calls an event).
_AS_IS = frozenset({str, int, type(None)})
_FIXED_IN_ROW = 1 + len(STAGED_COLUMNS)  # seq and the fixed columns come before an event's field values


def append(db: sqlite3.Connection, events: Iterable[Event], columns: Sequence[str]) -> IdRange:
    """Store a batch in one transaction; returns what it added (detection reads exactly that).

    `columns` are the field columns `events` has: an event's other fields stay in its document only.
    """
    field_columns = frozenset(columns)
    now = micros(datetime.now(UTC)) or 0
    groups: dict[frozenset[str], _Group] = {}
    by_keys: dict[tuple[str, ...], _Group] = {}
    times: list[int] = []
    for seq, event in enumerate(events):
        ingested = event.get("event.ingested")
        received = (micros(ingested) if ingested is not None else None) or now
        stamp = event.get("@timestamp")
        ts = (_stamp_micros[stamp] if stamp.__class__ is str else micros(stamp)) or received
        times.append(ts)
        try:
            doc = orjson.dumps(event, default=str)
        except orjson.JSONEncodeError:  # keys other than text (a caller's own dicts): the slow option
            doc = orjson.dumps(event, default=str, option=orjson.OPT_NON_STR_KEYS)
        # The same keys (a sender's lines look alike) find their group without intersecting them again.
        keys = tuple(event)
        group = by_keys.get(keys)
        if group is None:
            present = field_columns.intersection(keys)
            group = groups.get(present)
            if group is None:
                group = groups[present] = _Group.of(present)
            by_keys[keys] = group
        values = group.values(event)
        if not _AS_IS.issuperset(map(type, values)):
            values = tuple(map(_as_column, values))
        group.rows.append(
            (seq, ts, received, event.get("establishment_id"), event.get("message"), doc, *values)
        )
    db.execute("BEGIN IMMEDIATE")
    try:
        first = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])
        if times:
            _insert(db, groups, columns)
            db.execute(
                "INSERT INTO events_text (rowid, message) "
                "SELECT id, message FROM events WHERE id > ? AND message IS NOT NULL",
                (first,),
            )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")  # the staging table's rows too: it is in the same transaction
        raise
    times = times or [now]
    return IdRange(first_id=first, last_id=first + len(times), first_ts=min(times), last_ts=max(times))


def _insert(db: sqlite3.Connection, groups: dict[frozenset[str], _Group], columns: Sequence[str]) -> None:
    staged = _stage(db, columns)
    try:
        _stage_rows(db, groups.values(), as_text=False)
    except OverflowError:  # an integer past 64 bits (JSON allows them): staged again, every value as text
        db.execute("DELETE FROM temp.events_stage")
        _stage_rows(db, groups.values(), as_text=True)
    db.execute(f"INSERT INTO events ({staged}) SELECT {staged} FROM temp.events_stage ORDER BY seq")
    db.execute("DELETE FROM temp.events_stage")


def _stage(db: sqlite3.Connection, columns: Sequence[str]) -> str:
    """The connection's staging table, with every column `events` has now; returns their names."""
    names = (*STAGED_COLUMNS, *columns)
    # Looked at for each batch (microseconds): a column another thread's call added is staged from then on.
    existing = tuple(row[1] for row in db.execute("PRAGMA temp.table_info(events_stage)"))
    listed = ", ".join(map(quoted, names))
    if existing[1:] != names:
        # No declared types: values keep what they were bound as until `events` applies its own.
        db.execute("DROP TABLE IF EXISTS temp.events_stage")
        db.execute(f"CREATE TEMP TABLE events_stage (seq INTEGER PRIMARY KEY, {listed})")
    return listed


def _stage_rows(db: sqlite3.Connection, groups: Iterable[_Group], *, as_text: bool) -> None:
    for group in groups:
        names = ", ".join(("seq", *STAGED_COLUMNS, *map(quoted, group.names)))
        placeholders = ", ".join("?" * (_FIXED_IN_ROW + len(group.names)))
        rows = group.rows
        if as_text:
            rows = [(*row[:_FIXED_IN_ROW], *map(_as_column, row[_FIXED_IN_ROW:])) for row in rows]
        db.executemany(f"INSERT INTO temp.events_stage ({names}) VALUES ({placeholders})", rows)


def _as_column(value: Any) -> Any:
    return value if value is None or value.__class__ is str else _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, default=str, ensure_ascii=False)
