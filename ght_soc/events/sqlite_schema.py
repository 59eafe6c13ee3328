"""The embedded store's file: its connection settings, the `events` table and its indexes, how times are stored.

The fields detection rules and filters use are real columns (quoted dotted names, case-insensitive like
Sigma); everything else stays in the event's JSON document. Columns are added when a rule needs a new field.
The schema has no version: every object is created if missing when a store opens, which is also how an events
file written by an older hub gains what it lacks.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ght_soc.events.store import CORE_FIELDS, EventStoreError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0  # how long a statement waits for another connection's write to end

_FIELD_NAME = re.compile(r"^[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,127}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)
# The columns that are not event fields: the hub's own and the generated event time.
FIXED_COLUMNS = frozenset({"id", "ts", "received", "establishment_id", "message", "doc", "timestamp"})
# The columns a write fills besides the fields, in the order of a staged row.
STAGED_COLUMNS = ("ts", "received", "establishment_id", "message", "doc")
# The event time as text, computed by SQLite: pySigma's temporal correlations read a `timestamp` column (here and
# in the correlations' candidates table).
TIMESTAMP_COLUMN = (
    '"timestamp" TEXT GENERATED ALWAYS AS '
    "(strftime('%Y-%m-%dT%H:%M:%f', ts / 1000000.0, 'unixepoch')) VIRTUAL"
)
# The exact-match filters people type on the events page: its host box, and the address that is the first
# pivot of a triage. Each has an index in time order, holding the establishment, that a search reads for the
# events with that value only (bench/web_load, 1.5 M events: a site's search for a host or an address it does
# not have read all its events, 160 ms; now under 4 ms). Each index also costs every insert, the more so the
# more distinct its values and the larger the table (the store's writes of bench/ingest's lines, 1 M events,
# CPU s per million: host.name +0.3, source.ip +4.5, both +8 to +14 on this shared machine, a tenth to a fifth
# of the listener's CPU; with destination.ip and user.name too, +16). Those two, the alert page's other
# indicator links, find their value among the establishment's recent events without an index: add a field only
# for a filter that people type and that often finds nothing.
SEARCH_INDEXED_FIELDS: tuple[str, ...] = ("host.name", "source.ip")


def quoted(name: str) -> str:
    """A field name as an SQL identifier; a name that could be anything else is refused."""
    if not _FIELD_NAME.match(name):
        raise EventStoreError(f"invalid field name: {name!r}")
    return '"' + name + '"'


def exact_match(name: str) -> str:
    """The search's condition on an indexed field (one parameter, the value), in the form its index serves.

    The index is on lower(value): SQLite uses an index on an expression only for a query that writes that very
    expression, so the detection's queries over a new batch (`"host.name" = 'x'` among ids) keep reading the
    batch by id instead of every event the host ever sent. lower() folds ASCII letters only, as the columns'
    NOCASE does: the same values are equal. The `IS NOT NULL` term repeats the index's own condition, without
    which SQLite cannot know a partial index holds every event the query wants.
    """
    column = quoted(name)
    return f"{column} IS NOT NULL AND lower({column}) = lower(?)"


def _search_index(name: str) -> tuple[str, str]:
    """The name and the definition of a field's search index."""
    column = quoted(name)
    index = "ix_events_search_" + re.sub(r"[^a-z0-9]", "_", name.lower())
    # Only the events that have the field: most have a few of these fields, and an entry costs each insert.
    definition = f"CREATE INDEX IF NOT EXISTS {index} ON events (lower({column}), ts, establishment_id)"
    return index, f"{definition} WHERE {column} IS NOT NULL"


def micros(value: Any) -> int | None:
    """An instant as integer microseconds since the epoch (the `ts` column); None when it cannot be read."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        result: int = (value - _EPOCH) // _ONE_MICROSECOND
        return result
    return None


def instant(stored: int) -> str:
    """A `ts` value as the ISO 8601 text of the event's `@timestamp`, in UTC with a `Z`."""
    return (_EPOCH + stored * _ONE_MICROSECOND).isoformat().replace("+00:00", "Z")


def _regexp(pattern: str, value: Any) -> bool:
    # SQLite calls regexp(pattern, value) for `value REGEXP pattern` (Sigma's |re modifier).
    return value is not None and re.search(pattern, str(value)) is not None


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the events file, set up for batched writes and concurrent reads."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
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
    return connection


def create_schema(db: sqlite3.Connection) -> list[str]:
    """The tables and time indexes, created if missing; returns the field columns `events` has."""
    core = ", ".join(f"{quoted(name)} TEXT COLLATE NOCASE" for name in CORE_FIELDS)
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
    rows = db.execute("PRAGMA table_xinfo(events)").fetchall()
    if "timestamp" not in {row[1] for row in rows}:
        db.execute(f"ALTER TABLE events ADD COLUMN {TIMESTAMP_COLUMN}")
    return [row[1] for row in rows if row[1] not in FIXED_COLUMNS]


def add_field_column(db: sqlite3.Connection, name: str) -> None:
    """A new field column; existing events get NULL for it."""
    db.execute(f"ALTER TABLE events ADD COLUMN {quoted(name)} TEXT COLLATE NOCASE")


def create_search_indexes(db: sqlite3.Connection) -> None:
    """The search indexes of SEARCH_INDEXED_FIELDS (their columns must exist), built if missing.

    An events file from an older hub gets them when a store first opens it, at about a second per million
    events and index. Meanwhile another process opening the file waits; if the lock does not come in time, it
    goes on without them (its searches are slower until it opens the file again).
    """
    existing = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    for field in SEARCH_INDEXED_FIELDS:
        index, definition = _search_index(field)
        if index in existing:
            continue
        log.info("index de recherche %s : construction", index)
        try:
            db.execute(definition)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
            log.warning("index de recherche %s : fichier occupé, construit par un autre processus", index)
            return
