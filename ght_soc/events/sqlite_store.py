"""The embedded event store: one SQLite file in WAL mode, batched inserts, full-text search on the message.

This class holds a connection per thread and the field columns; the file's schema is in sqlite_schema, the write
path in sqlite_append, searches in sqlite_search. Detection reads and keeps its bookkeeping in the same file,
through the statements below.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ght_soc.access import Scope
from ght_soc.events import sqlite_append, sqlite_schema, sqlite_search
from ght_soc.events.sqlite_append import IdRange
from ght_soc.events.sqlite_schema import SEARCH_INDEXED_FIELDS, TIMESTAMP_COLUMN, micros, quoted
from ght_soc.events.store import Event, EventPage, EventQuery

# What detection imports from here, as before the store was split in modules.
__all__ = ["TIMESTAMP_COLUMN", "IdRange", "SqliteEventStore", "quoted"]


class SqliteEventStore:
    """Events in `path`; safe to share between threads (one connection each)."""

    def __init__(self, path: Path, extra_fields: Sequence[str] = ()) -> None:
        self._path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._columns = sqlite_schema.create_schema(self._connection())
        self._column_set = frozenset(self._columns)
        self.ensure_fields([*SEARCH_INDEXED_FIELDS, *extra_fields])
        sqlite_schema.create_search_indexes(self._connection())

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = sqlite_schema.connect(self._path)
        return connection

    @property
    def field_columns(self) -> tuple[str, ...]:
        """The event fields stored as columns (what detection rules may query directly)."""
        return tuple(self._columns)

    def ensure_fields(self, names: Iterable[str]) -> None:
        """Make `names` real columns (rules compile to SQL over them); existing events get NULL for them."""
        with self._lock:
            for name in names:
                if name not in self._column_set:
                    sqlite_schema.add_field_column(self._connection(), name)
                    self._columns.append(name)
                    self._column_set = frozenset(self._columns)

    # -- writing --------------------------------------------------------------------------------------------

    def write(self, events: Iterable[Event]) -> int:
        written = self.append(events)
        return written.last_id - written.first_id

    def append(self, events: Iterable[Event]) -> IdRange:
        """Store a batch in one transaction; returns what it added (detection reads exactly that)."""
        return sqlite_append.append(self._connection(), events, tuple(self._columns))

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
        return sqlite_search.search(self._connection(), self._column_set, query, scope)

    def get(self, refs: Sequence[str], scope: Scope) -> list[dict[str, Any]]:
        return sqlite_search.get(self._connection(), refs, scope)

    def count(self, scope: Scope) -> int:
        return sqlite_search.count(self._connection(), scope)

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
                (*params, micros(before)),
            )
            deleted = db.execute(
                f"DELETE FROM events WHERE {condition} AND ts < ?", (*params, micros(before))
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
