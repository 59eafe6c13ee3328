"""Reading the embedded store: scoped searches newest first, by filters and message words; events by reference.

A search reads the ids and times of its page first and the documents of that page only: sorting thousands of
matches with their documents cost seconds (bench/web_load).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ght_soc.access import Scope
from ght_soc.events.sqlite_schema import SEARCH_INDEXED_FIELDS, exact_match, instant, micros, quoted
from ght_soc.events.store import EventPage, EventQuery, EventStoreError, allowed_establishments

MAX_PAGE_SIZE = 500
# A word with at most this many matches is found from its matches, each looked up; a commoner one is looked for
# among the newest events the other criteria select, a chunk at a time, the first of FIRST_CHUNK events and each
# next one four times larger. bench/web_load, 1.5 M events, a word in a third of them: a site whose matches are
# not among the newest: 180-340 ms when the newest matches were tried first, now 9 ms; the site that has the
# newest ones 1 ms, now 5. A common word a site does not have reads all the site's events either way (50-65 ms
# for 50,000 events).
TEXT_CANDIDATES = 2000
FIRST_CHUNK = 2000
# The matches among one chunk: the full-text index is read over the chunk's span of ids only.
_CHUNK_MATCHES = """
WITH chunk AS MATERIALIZED (SELECT id, ts FROM events{where})
SELECT id, ts FROM chunk
WHERE id IN (
    SELECT rowid FROM events_text WHERE events_text MATCH ?
    AND rowid >= (SELECT min(id) FROM chunk) AND rowid <= (SELECT max(id) FROM chunk)
)
ORDER BY ts DESC, id DESC LIMIT ?
"""
_Row = tuple[int, int]  # an event's id and time


@dataclass(frozen=True)
class _Where:
    """A search's criteria but its words, as SQL terms over `events` with their parameters."""

    terms: tuple[str, ...] = ()
    params: tuple[Any, ...] = ()

    def having(self, term: str, *params: Any) -> _Where:
        return _Where((*self.terms, term), (*self.params, *params))

    @property
    def sql(self) -> str:
        """The terms as a WHERE clause (empty without any)."""
        return " WHERE " + " AND ".join(self.terms) if self.terms else ""

    @property
    def and_terms(self) -> str:
        """The terms, each after an AND, for a WHERE clause that has a term already."""
        return "".join(" AND " + term for term in self.terms)


def search(db: sqlite3.Connection, columns: frozenset[str], query: EventQuery, scope: Scope) -> EventPage:
    """The page of events `query` asks for within `scope`, newest first; `columns` are the field columns."""
    where = _criteria(columns, query, scope)
    if where is None:
        return EventPage(events=[], next_cursor=None)
    size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    words = _words(query.text)
    rows = _newest(db, where, size + 1) if words is None else _newest_with_words(db, where, words, size + 1)
    documents = _documents(db, [row_id for row_id, _ in rows[:size]])
    events = [
        {**documents[row_id], "@timestamp": instant(ts), "_id": row_id}
        for row_id, ts in rows[:size]
        if row_id in documents  # not purged in between
    ]
    cursor = f"{rows[size - 1][1]}:{rows[size - 1][0]}" if len(rows) > size else None
    return EventPage(events=events, next_cursor=cursor)


def _criteria(columns: frozenset[str], query: EventQuery, scope: Scope) -> _Where | None:
    """The query's criteria but its words; None when the scope leaves nothing to find."""
    fields = dict(query.fields)
    if query.host:
        fields["host.name"] = query.host
    # With a value of an indexed field, that field's index is the one to read (in time order, it holds the
    # establishment): SQLite would prefer the establishment's index, which reads every event of the
    # establishment when the value is not there. A unary + keeps SQLite from using an index for a term.
    establishment = "+establishment_id" if fields.keys() & set(SEARCH_INDEXED_FIELDS) else "establishment_id"
    where = _Where()
    if query.unattributed:
        if not scope.is_everything:
            return None
        where = where.having(f"{establishment} IS NULL")
    else:
        allowed = allowed_establishments(query, scope)
        if allowed is not None:
            if not allowed:
                return None
            where = where.having(f"{establishment} IN ({', '.join('?' * len(allowed))})", *sorted(allowed))
    if query.start is not None:
        where = where.having("ts >= ?", micros(query.start))
    if query.end is not None:
        where = where.having("ts < ?", micros(query.end))
    for name, value in fields.items():
        if name in SEARCH_INDEXED_FIELDS:
            where = where.having(exact_match(name), value)
        elif name in columns:
            where = where.having(f"{quoted(name)} = ?", value)
        else:
            where = where.having(f"json_extract(doc, '$.{quoted(name)}') = ?", value)
    if query.after:
        ts, row_id = _parse_cursor(query.after)
        where = where.having("(ts < ? OR (ts = ? AND id < ?))", ts, ts, row_id)
    return where


def _words(text: str | None) -> str | None:
    """The text as a full-text query of quoted words (no operator a person typed can reach FTS5)."""
    if not text or not text.strip():
        return None
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split())


def _newest(db: sqlite3.Connection, where: _Where, limit: int) -> list[_Row]:
    sql = f"SELECT id, ts FROM events{where.sql} ORDER BY ts DESC, id DESC LIMIT ?"
    return db.execute(sql, (*where.params, limit)).fetchall()


def _newest_with_words(db: sqlite3.Connection, where: _Where, words: str, limit: int) -> list[_Row]:
    """The newest `limit` events with `words` in their message among those `where` selects.

    The full-text index gives matches in the order of arrival, the other criteria select events by time: which
    side to start from depends on how common the words are, which the index tells at once.
    """
    beyond = db.execute(
        "SELECT 1 FROM events_text WHERE events_text MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (words, TEXT_CANDIDATES),
    ).fetchone()
    if beyond is None:
        return _among_matches(db, where, words, limit)
    return _in_chunks(db, where, words, limit)


def _among_matches(db: sqlite3.Connection, where: _Where, words: str, limit: int) -> list[_Row]:
    """Every match looked up by id and checked against the criteria (CROSS JOIN: SQLite keeps that order)."""
    sql = (
        "SELECT events.id, events.ts FROM events_text CROSS JOIN events ON events.id = events_text.rowid "
        f"WHERE events_text MATCH ?{where.and_terms} ORDER BY events.ts DESC, events.id DESC LIMIT ?"
    )
    return db.execute(sql, (words, *where.params, limit)).fetchall()


def _in_chunks(db: sqlite3.Connection, where: _Where, words: str, limit: int) -> list[_Row]:
    """The events `where` selects, newest first a chunk at a time (by time), until `limit` have the words.

    A chunk ends at a time, not a count: events of the same instant are never split between two chunks.
    """
    found: list[_Row] = []
    chunk, remaining = FIRST_CHUNK, where
    while True:
        last = db.execute(
            f"SELECT ts FROM events{remaining.sql} ORDER BY ts DESC LIMIT 1 OFFSET ?",
            (*remaining.params, chunk - 1),
        ).fetchone()
        part = remaining if last is None else remaining.having("ts >= ?", last[0])
        found += db.execute(
            _CHUNK_MATCHES.format(where=part.sql), (*part.params, words, limit - len(found))
        ).fetchall()
        if len(found) >= limit or last is None:
            return found
        remaining, chunk = remaining.having("ts < ?", last[0]), chunk * 4


def _documents(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    sql = f"SELECT id, doc FROM events WHERE id IN ({', '.join('?' * len(ids))})"
    return {row_id: orjson.loads(doc) for row_id, doc in db.execute(sql, ids)}


def get(db: sqlite3.Connection, refs: Sequence[str], scope: Scope) -> list[dict[str, Any]]:
    """The events with these references (row ids) within `scope`, oldest first."""
    ids = sorted({int(ref) for ref in refs if ref.isdigit()})
    if not ids or scope.establishment_ids == frozenset():
        return []
    sql = f"SELECT id, ts, doc FROM events WHERE id IN ({', '.join('?' * len(ids))})"
    params: list[Any] = list(ids)
    if scope.establishment_ids is not None:
        sql += f" AND establishment_id IN ({', '.join('?' * len(scope.establishment_ids))})"
        params += sorted(scope.establishment_ids)
    rows = db.execute(sql + " ORDER BY ts, id", params).fetchall()
    return [{**orjson.loads(doc), "@timestamp": instant(ts), "_id": row_id} for row_id, ts, doc in rows]


def count(db: sqlite3.Connection, scope: Scope) -> int:
    """How many events `scope` covers."""
    scoped, params = "", []
    if scope.establishment_ids is not None:
        params = sorted(scope.establishment_ids)
        if not params:
            return 0
        scoped = f" WHERE establishment_id IN ({', '.join('?' * len(params))})"
    return int(db.execute("SELECT COUNT(*) FROM events" + scoped, params).fetchone()[0])


def _parse_cursor(cursor: str) -> tuple[int, int]:
    ts, _, row_id = cursor.partition(":")
    if not (ts.lstrip("-").isdigit() and row_id.isdigit()):
        raise EventStoreError(f"invalid cursor: {cursor!r}")
    return int(ts), int(row_id)
