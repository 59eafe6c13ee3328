"""The events each correlation's search matched, with the columns its query reads: its timespan is read here.

A correlation used to read its candidates back from `events` by id; when a burst shares one timestamp (the bench's
million events), every batch re-read the whole window's rows, documents and all (bench/ingest at 1 M events: 34 µs
of the 84 an event took to be stored and evaluated). Now the matched values are copied once, when the event is
found; evaluating a window reads only this small table. The copies keep the stored values, with the same type
affinity and collation as in `events`, so the rules' conditions and group-bys compare exactly as they did there.
The retention's purge does not reach this table: what it removes is older than any timespan, and every batch
drops what has left its correlation's timespan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ght_soc.events.sqlite_store import TIMESTAMP_COLUMN, SqliteEventStore, quoted

TABLE = "correlation_candidates"
# What a compiled correlation reads instead of `events` (pySigma puts it where its queries say "FROM logs"). In
# the order of the events, as it read them from `events` before: a group whose values differ only in case (NOCASE
# columns) is reported with the same spelling, hence the same alert key. Read along an index in that order: an
# ORDER BY sorted the window again at every batch (twice the time of the query itself).
WINDOW_TABLE = (
    f"(SELECT * FROM {TABLE} INDEXED BY ix_correlation_candidates_rule_event "
    "WHERE rule_id = :rule_id AND ts >= :since)"
)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (rule_id TEXT NOT NULL, event_id INTEGER NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_correlation_candidates_rule_ts ON {TABLE} (rule_id, ts);
CREATE INDEX IF NOT EXISTS ix_correlation_candidates_rule_event ON {TABLE} (rule_id, event_id);
"""
# Declared as in `events` (sqlite_store): the hub's own columns, then every field column.
_DECLARED = {"establishment_id": "INTEGER", "message": "TEXT"}
_FIELD_DECLARATION = "TEXT COLLATE NOCASE"
# `events` columns a rule cannot name as a field (the backend would have failed on them before too).
_NOT_COPIED = frozenset({"rule_id", "event_id", "ts", "timestamp", "id", "received", "doc"})


class Candidates:
    """The candidates table of one store, with a column for every field the correlations read."""

    def __init__(self, store: SqliteEventStore) -> None:
        self._store = store
        store.execute_script(_SCHEMA)
        self.columns: tuple[str, ...] = ()
        self._existing = {str(row["name"]) for row in store.query(f"PRAGMA table_xinfo({TABLE})", {})}
        if "timestamp" not in self._existing:  # temporal correlations read it, as they did in `events`
            store.execute(f"ALTER TABLE {TABLE} ADD COLUMN {TIMESTAMP_COLUMN}", {})
        self.ensure(["establishment_id"])

    def ensure(self, fields: Iterable[str]) -> None:
        """Copy these fields too; rows already there get them from `events` (a table written by an older hub)."""
        wanted = sorted(set(fields) - _NOT_COPIED - set(self.columns))
        if not wanted:
            return
        added = [name for name in wanted if name not in self._existing]
        for name in added:
            declaration = _DECLARED.get(name, _FIELD_DECLARATION)
            self._store.execute(f"ALTER TABLE {TABLE} ADD COLUMN {quoted(name)} {declaration}", {})
            self._existing.add(name)
        if added:
            names = ", ".join(map(quoted, added))
            self._store.execute(
                f"UPDATE {TABLE} SET ({names}) = (SELECT {names} FROM events WHERE events.id = {TABLE}.event_id)",
                {},
            )
        self.columns = tuple(sorted({*self.columns, *wanted}))

    def add_rows(self, rule_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """The batch's events a correlation's search matched, as the one-pass scan read them."""
        names = ", ".join(("rule_id", "event_id", "ts", *map(quoted, self.columns)))
        placeholders = ", ".join("?" * (3 + len(self.columns)))
        columns = self.columns
        self._store.execute_many(
            f"INSERT INTO {TABLE} ({names}) VALUES ({placeholders})",
            [(rule_id, row["id"], row["ts"], *[row[name] for name in columns]) for row in rows],
        )

    def add_found(self, rule_id: str, search: str, batch: Mapping[str, int]) -> None:
        """The events of the batch `search` matches, each once (a multi-rule search lists an event per rule)."""
        copied = ", ".join(map(quoted, self.columns))
        self._store.execute(
            f"INSERT INTO {TABLE} (rule_id, event_id, ts, {copied}) "
            f"SELECT DISTINCT :rule_id, id, ts, {copied} FROM ({search})",
            {"rule_id": rule_id, **batch},
        )

    def forget_before(self, rule_id: str, since: int) -> None:
        """Drop what has left the correlation's timespan."""
        self._store.execute(
            f"DELETE FROM {TABLE} WHERE rule_id = :rule_id AND ts < :since",
            {"rule_id": rule_id, "since": since},
        )
