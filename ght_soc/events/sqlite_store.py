"""The embedded event store: one SQLite file in WAL mode, batched inserts, full-text search on the message.

The fields detection rules and filters use are real columns (quoted dotted names, case-insensitive like
Sigma); everything else stays in the event's JSON document. Columns are added when a rule needs a new field.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from ght_soc.access import Scope
from ght_soc.events.store import (
    CORE_FIELDS,
    Event,
    EventPage,
    EventQuery,
    EventStoreError,
    allowed_establishments,
)

_FIELD_NAME = re.compile(r"^[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,127}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)
_FIXED_COLUMNS = frozenset({"id", "ts", "received", "establishment_id", "message", "doc", "timestamp"})
_FIXED_STAGED = ("ts", "received", "establishment_id", "message", "doc")
# The event time as text, computed by SQLite: pySigma's temporal correlations read a `timestamp` column (here and
# in the correlations' candidates table).
TIMESTAMP_COLUMN = (
    '"timestamp" TEXT GENERATED ALWAYS AS '
    "(strftime('%Y-%m-%dT%H:%M:%f', ts / 1000000.0, 'unixepoch')) VIRTUAL"
)
MAX_PAGE_SIZE = 500
# A word search first looks at this many of its newest matches (bench/web_load: 6.9 s -> 35 ms for a word in a
# third of 1,000,000 events), widening fourfold when that cannot be the answer.
TEXT_CANDIDATES = 2000


def quoted(name: str) -> str:
    """A field name as an SQL identifier; a name that could be anything else is refused."""
    if not _FIELD_NAME.match(name):
        raise EventStoreError(f"invalid field name: {name!r}")
    return '"' + name + '"'


class _StampMemo(dict[str, int | None]):
    """Event times as text → microseconds, each text read once (senders' clocks tick once a second)."""

    def __missing__(self, stamp: str) -> int | None:
        if len(self) >= 4096:
            self.clear()
        micros = self[stamp] = _micros(stamp)
        return micros


_stamp_micros = _StampMemo()


def _micros(value: Any) -> int | None:
    """An instant as integer microseconds since the epoch; None when it cannot be read."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        micros: int = (value - _EPOCH) // _ONE_MICROSECOND
        return micros
    return None


def _instant(micros: int) -> str:
    return (_EPOCH + micros * _ONE_MICROSECOND).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class IdRange:
    """The rows one write added: ids in (first_id, last_id], event times from first_ts to last_ts."""

    first_id: int
    last_id: int
    first_ts: int
    last_ts: int


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
_FIXED_IN_ROW = 1 + len(_FIXED_STAGED)  # seq and the fixed columns come before an event's field values


def _regexp(pattern: str, value: Any) -> bool:
    # SQLite calls regexp(pattern, value) for `value REGEXP pattern` (Sigma's |re modifier).
    return value is not None and re.search(pattern, str(value)) is not None


class SqliteEventStore:
    """Events in `path`; safe to share between threads (one connection each)."""

    def __init__(self, path: Path, extra_fields: Sequence[str] = ()) -> None:
        self._path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._create_schema()
        self._columns = self._existing_columns()
        self._column_set = frozenset(self._columns)
        self.ensure_fields(extra_fields)

    # -- schema ---------------------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, timeout=10)
            # 8 KB pages for a new file (an existing one keeps its own): rows of 1-2 KB, half the WAL frames
            # and page splits of 4 KB pages, a fifth less CPU per insert measured here.
            connection.execute("PRAGMA page_size=8192")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; OFF could corrupt
            # Checkpoint every ~80 MB of WAL rather than 4 MB: fewer syncs, +15 % insert rate measured here.
            connection.execute("PRAGMA wal_autocheckpoint=20000")
            connection.execute("PRAGMA cache_size=-65536")
            connection.execute("PRAGMA temp_store=MEMORY")  # the staging table of each batch
            connection.create_function("regexp", 2, _regexp, deterministic=True)
            self._local.connection = connection
        return connection

    def _create_schema(self) -> None:
        core = ", ".join(f"{quoted(name)} TEXT COLLATE NOCASE" for name in CORE_FIELDS)
        db = self._connection()
        db.executescript(
            f"""
            CREATE TABLE IF NOT EXISTS events (
                id INTEGER PRIMARY KEY,
                ts INTEGER NOT NULL,
                received INTEGER NOT NULL,
                establishment_id INTEGER,
                message TEXT,
                doc TEXT NOT NULL,
                {core}
            );
            CREATE INDEX IF NOT EXISTS ix_events_establishment_ts ON events (establishment_id, ts);
            CREATE INDEX IF NOT EXISTS ix_events_ts ON events (ts);
            CREATE VIRTUAL TABLE IF NOT EXISTS events_text USING fts5(
                message, content='events', content_rowid='id'
            );
            """
        )

    def _existing_columns(self) -> list[str]:
        rows = self._connection().execute("PRAGMA table_xinfo(events)").fetchall()
        if "timestamp" not in {row[1] for row in rows}:
            self._connection().execute(f"ALTER TABLE events ADD COLUMN {TIMESTAMP_COLUMN}")
        return [row[1] for row in rows if row[1] not in _FIXED_COLUMNS]

    @property
    def field_columns(self) -> tuple[str, ...]:
        """The event fields stored as columns (what detection rules may query directly)."""
        return tuple(self._columns)

    def ensure_fields(self, names: Iterable[str]) -> None:
        """Make `names` real columns (rules compile to SQL over them); existing events get NULL for them."""
        with self._lock:
            for name in names:
                if name not in self._columns:
                    self._connection().execute(
                        f"ALTER TABLE events ADD COLUMN {quoted(name)} TEXT COLLATE NOCASE"
                    )
                    self._columns.append(name)
            self._column_set = frozenset(self._columns)

    # -- writing --------------------------------------------------------------------------------------------

    def write(self, events: Iterable[Event]) -> int:
        written = self.append(events)
        return written.last_id - written.first_id

    def append(self, events: Iterable[Event]) -> IdRange:
        """Store a batch in one transaction; returns what it added (detection reads exactly that).

        Rows go first to a staging table, grouped by the columns each event has (an event fills a third of
        them; binding the others as NULL cost more than the insert itself), then into `events` in their
        order of arrival, in one statement.
        """
        field_columns = self._column_set
        now = _micros(datetime.now(UTC)) or 0
        groups: dict[frozenset[str], _Group] = {}
        by_keys: dict[tuple[str, ...], _Group] = {}
        times: list[int] = []
        for seq, event in enumerate(events):
            ingested = event.get("event.ingested")
            received = (_micros(ingested) if ingested is not None else None) or now
            stamp = event.get("@timestamp")
            ts = (_stamp_micros[stamp] if stamp.__class__ is str else _micros(stamp)) or received
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
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            first = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])
            if times:
                self._insert(db, groups)
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

    def _insert(self, db: sqlite3.Connection, groups: dict[frozenset[str], _Group]) -> None:
        staged = self._stage(db)
        try:
            _stage_rows(db, groups.values(), as_text=False)
        except OverflowError:  # an integer past 64 bits (JSON allows them): staged again, every value as text
            db.execute("DELETE FROM temp.events_stage")
            _stage_rows(db, groups.values(), as_text=True)
        db.execute(f"INSERT INTO events ({staged}) SELECT {staged} FROM temp.events_stage ORDER BY seq")
        db.execute("DELETE FROM temp.events_stage")

    def _stage(self, db: sqlite3.Connection) -> str:
        """The connection's staging table, with every column `events` has now; returns their names."""
        columns = tuple(self._columns)
        if getattr(self._local, "staged", None) != columns:
            names = ", ".join((*_FIXED_STAGED, *map(quoted, columns)))
            # No declared types: values keep what they were bound as until `events` applies its own.
            db.execute("DROP TABLE IF EXISTS temp.events_stage")
            db.execute(f"CREATE TEMP TABLE events_stage (seq INTEGER PRIMARY KEY, {names})")
            self._local.staged = columns
        return ", ".join((*_FIXED_STAGED, *map(quoted, columns)))

    def execute(self, sql: str, parameters: dict[str, Any]) -> int:
        """One write statement of the detection's own bookkeeping; returns the rows changed."""
        return self._connection().execute(sql, parameters).rowcount

    def begin(self) -> bool:
        """Open a write transaction for the detection's bookkeeping; False when the lock was not had in time
        (its statements then commit one by one, as they would without it)."""
        try:
            self._connection().execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        return True

    def commit(self) -> None:
        connection = self._connection()
        if connection.in_transaction:
            connection.execute("COMMIT")

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One write statement of the detection's bookkeeping, for many rows."""
        self._connection().executemany(sql, rows)

    def execute_script(self, script: str) -> None:
        self._connection().executescript(script)

    def query(self, sql: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        """Run a compiled detection query; rows as dicts keyed by column name."""
        cursor = self._connection().execute(sql, parameters)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- reading --------------------------------------------------------------------------------------------

    def search(self, query: EventQuery, scope: Scope) -> EventPage:
        where: list[str] = []
        params: list[Any] = []
        if query.unattributed:
            if not scope.is_everything:
                return EventPage(events=[], next_cursor=None)
            where.append("establishment_id IS NULL")
        else:
            allowed = allowed_establishments(query, scope)
            if allowed is not None:
                if not allowed:
                    return EventPage(events=[], next_cursor=None)
                where.append(f"establishment_id IN ({', '.join('?' * len(allowed))})")
                params.extend(sorted(allowed))
        if query.start is not None:
            where.append("ts >= ?")
            params.append(_micros(query.start))
        if query.end is not None:
            where.append("ts < ?")
            params.append(_micros(query.end))
        criteria = dict(query.fields)
        if query.host:
            criteria["host.name"] = query.host
        for name, value in criteria.items():
            column = quoted(name) if name in self._columns else f"json_extract(doc, '$.{quoted(name)}')"
            where.append(f"{column} = ?")
            params.append(value)
        words = None
        if query.text and query.text.strip():
            words = " ".join('"' + word.replace('"', '""') + '"' for word in query.text.split())
        if query.after:
            ts, row_id = _parse_cursor(query.after)
            where.append("(ts < ? OR (ts = ? AND id < ?))")
            params.extend((ts, ts, row_id))
        size = max(1, min(query.page_size, MAX_PAGE_SIZE))
        if words is None:
            rows = self._newest(where, params, size + 1)
        else:
            rows = self._newest_matching(where, params, words, size)
        events = []
        for row_id, ts, doc in rows[:size]:
            event = orjson.loads(doc)
            event["@timestamp"] = _instant(ts)
            event["_id"] = row_id
            events.append(event)
        cursor = f"{rows[size - 1][1]}:{rows[size - 1][0]}" if len(rows) > size else None
        return EventPage(events=events, next_cursor=cursor)

    def _newest(self, where: list[str], params: list[Any], limit: int) -> list[Any]:
        # The documents are read for the page's rows only: sorting thousands of matches with their
        # documents cost seconds (bench/web_load).
        order = " ORDER BY ts DESC, id DESC"
        inner = (
            "SELECT id FROM events" + (" WHERE " + " AND ".join(where) if where else "") + order + " LIMIT ?"
        )
        sql = f"SELECT id, ts, doc FROM events WHERE id IN ({inner}){order}"
        return self._connection().execute(sql, (*params, limit)).fetchall()

    def _newest_matching(self, where: list[str], params: list[Any], words: str, size: int) -> list[Any]:
        """The newest `size` + 1 events with `words` in their message (and the other criteria).

        The full-text index yields matches by id, the arrival order, which is nearly the time order: the newest
        candidates are tried first. They are the answer unless too few pass the other criteria, or a match
        that arrived before them is newer in time than the last row (senders' clocks differ); then it widens.
        """
        db = self._connection()
        candidates = TEXT_CANDIDATES
        while True:
            found = db.execute(
                "SELECT rowid FROM events_text WHERE events_text MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                (words, candidates - 1),
            ).fetchone()
            floor = int(found[0]) if found else 0  # 0: fewer matches than candidates, all of them are read
            text = "id IN (SELECT rowid FROM events_text WHERE events_text MATCH ? AND rowid >= ?)"
            rows = self._newest([*where, text], [*params, words, floor], size + 1)
            if floor == 0:
                return rows
            if len(rows) > size:
                # An earlier arrival with the words, newer than the last row? Only the few events newer than
                # it are looked at (by time), each looked up in the full-text index.
                later = db.execute(
                    "SELECT 1 FROM events CROSS JOIN events_text ON events_text.rowid = events.id "
                    "WHERE events.ts > ? AND events.id < ? AND events_text MATCH ? LIMIT 1",
                    (rows[size][1], floor, words),
                )
                if later.fetchone() is None:
                    return rows
            candidates *= 4

    def get(self, refs: Sequence[str], scope: Scope) -> list[dict[str, Any]]:
        ids = sorted({int(ref) for ref in refs if ref.isdigit()})
        if not ids or scope.establishment_ids == frozenset():
            return []
        sql = f"SELECT id, ts, doc FROM events WHERE id IN ({', '.join('?' * len(ids))})"
        params: list[Any] = list(ids)
        if scope.establishment_ids is not None:
            sql += f" AND establishment_id IN ({', '.join('?' * len(scope.establishment_ids))})"
            params += sorted(scope.establishment_ids)
        rows = self._connection().execute(sql + " ORDER BY ts, id", params).fetchall()
        return [{**orjson.loads(doc), "@timestamp": _instant(ts), "_id": row_id} for row_id, ts, doc in rows]

    def count(self, scope: Scope) -> int:
        page_filter, params = "", []
        if scope.establishment_ids is not None:
            page_filter = f" WHERE establishment_id IN ({', '.join('?' * len(scope.establishment_ids))})"
            params = sorted(scope.establishment_ids)
            if not params:
                return 0
        return int(
            self._connection().execute("SELECT COUNT(*) FROM events" + page_filter, params).fetchone()[0]
        )

    # -- retention ------------------------------------------------------------------------------------------

    def purge(self, establishment_id: int | None, before: datetime) -> int:
        condition = "establishment_id IS NULL" if establishment_id is None else "establishment_id = ?"
        params: tuple[Any, ...] = () if establishment_id is None else (establishment_id,)
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            selection = f"SELECT id FROM events WHERE {condition} AND ts < ?"
            db.execute(
                f"INSERT INTO events_text (events_text, rowid, message) "
                f"SELECT 'delete', id, message FROM events WHERE id IN ({selection}) AND message IS NOT NULL",
                (*params, _micros(before)),
            )
            deleted = db.execute(
                f"DELETE FROM events WHERE {condition} AND ts < ?", (*params, _micros(before))
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return deleted.rowcount

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


def _stage_rows(db: sqlite3.Connection, groups: Iterable[_Group], *, as_text: bool) -> None:
    for group in groups:
        names = ", ".join(("seq", *_FIXED_STAGED, *map(quoted, group.names)))
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


def _parse_cursor(cursor: str) -> tuple[int, int]:
    ts, _, row_id = cursor.partition(":")
    if not (ts.lstrip("-").isdigit() and row_id.isdigit()):
        raise EventStoreError(f"invalid cursor: {cursor!r}")
    return int(ts), int(row_id)
