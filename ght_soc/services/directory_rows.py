"""One directory's rows in `directory_object`, read and written without ORM objects.

A sync of tens of thousands of objects loaded every row as an ORM object (its JSON decoded, its attributes
instrumented) to compare it, then flushed them one by one: 11.8 s and 550–700 MB for 62,500 entries. Here
a row is known by its comparison key (DN, digest of the record, deleted, privileged), and is written by
Core executemany statements, a chunk at a time. ORM objects of these rows that the session may already hold
are not refreshed: apply_sync's unit of work has none.

Scoping: the reads are ORM-enabled selects, which the scoping hook restricts as any other, and name the
establishment and directory besides. The writes are Core statements on the table: the hook does not restrict
them (nor ORM bulk UPDATEs by primary key, which bypass `with_loader_criteria`), so each one names the
establishment and directory explicitly, and apply_sync first checks that the session's scope allows them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import fields
from datetime import datetime
from itertools import islice
from typing import Any, NamedTuple, TypeVar, get_args, get_origin, get_type_hints

from sqlalchemy import Table, Text, bindparam, cast, insert, select, update
from sqlalchemy.orm import Session

from connectors.ldap.records import DirectoryAccount, DirectoryGroup, DirectoryRecord
from ght_soc.models import DirectoryObject

# Rows per executemany and DNs per IN list: bounded memory, and far below SQLite's bound-parameter limit.
CHUNK = 1000
# Part of every digest: change it when what a record becomes in its row changes (columns, serialisation),
# and the next sync rewrites every row once.
ROW_FORMAT = "1"

_TABLE: Table = DirectoryObject.__table__  # type: ignore[assignment]
_ACCOUNT_FIELDS = tuple(f.name for f in fields(DirectoryAccount))
_GROUP_FIELDS = tuple(f.name for f in fields(DirectoryGroup))
_ACCOUNT_HINTS = get_type_hints(DirectoryAccount)
# The fields that JSON stores otherwise: instants as ISO 8601 text, tuples as arrays.
_ACCOUNT_INSTANTS = tuple(
    name for name, hint in _ACCOUNT_HINTS.items() if datetime in (hint, *get_args(hint))
)
_ACCOUNT_TUPLES = tuple(name for name, hint in _ACCOUNT_HINTS.items() if get_origin(hint) is tuple)
T = TypeVar("T")


class StoredKey(NamedTuple):
    digest: str | None
    alive: bool  # not deleted
    privileged: bool


class DirectoryRows:
    """The rows of one establishment's directory, each known by its DN (lower case).

    Every statement names the establishment, the directory and one DN: exactly the unique index, which both
    databases use even without statistics (none exist yet right after a first sync). Lists of ids or DNs
    made them scan the directory's whole index once per list.
    """

    def __init__(self, session: Session, establishment_id: int, directory: str) -> None:
        self.session = session
        self.establishment_id = establishment_id
        self.directory = directory

    def keys(self) -> dict[str, StoredKey]:
        """DN → comparison key, for every row, deleted ones included."""
        query = (
            select(
                DirectoryObject.dn,
                DirectoryObject.digest,
                DirectoryObject.deleted_at.is_(None),
                DirectoryObject.privileged,
            )
            .where(*self._owned())
            .execution_options(yield_per=CHUNK * 10)
        )
        return {
            dn: StoredKey(digest, alive, privileged)
            for dn, digest, alive, privileged in self.session.execute(query)
        }

    def records(self, dns: set[str]) -> Iterator[tuple[str, DirectoryRecord]]:
        """(DN, record as stored) for the given rows, which must not be deleted; only their JSON is decoded."""
        query = select(DirectoryObject.dn, DirectoryObject.kind, cast(DirectoryObject.attributes, Text))
        if len(dns) <= CHUNK:
            rows = self.session.execute(query.where(*self._owned(), DirectoryObject.dn.in_(dns)))
        else:
            # Many rows (an incremental sync reads back the whole directory): one pass over the directory rather
            # than IN lists, which PostgreSQL without statistics (right after a first sync) answers by filtering
            # the directory's whole index once per list. The JSON comes as text: only the wanted rows are decoded.
            query = query.where(*self._owned(), DirectoryObject.deleted_at.is_(None))
            rows = self.session.execute(query.execution_options(yield_per=CHUNK * 10))
        for dn, kind, attributes in rows:
            if dn in dns:
                yield dn, _record(kind, json.loads(attributes))

    def write(
        self,
        items: Iterable[tuple[str, DirectoryRecord, str, bool]],
        stored: Collection[str],
        now: datetime,
    ) -> None:
        """Insert (DN not in `stored`) or rewrite rows from (DN, record, digest, privileged), a chunk at a time."""
        owned = {"establishment_id": self.establishment_id, "directory": self.directory}
        rewrite = update(_TABLE).where(*self._owned_core(), _TABLE.c.dn == bindparam("row_dn"))
        for chunk in _chunks(items):
            new, changed = [], []
            for dn, record, digest, privileged in chunk:
                values = _columns(record, digest, privileged, now)
                if dn in stored:
                    changed.append({"row_dn": dn, **values})
                else:
                    new.append({**owned, "dn": dn, "first_seen_at": now, **values})
            if new:
                self.session.execute(insert(_TABLE), new)
            if changed:
                self.session.execute(rewrite, changed)  # SET: the columns named in the parameters

    def set(self, dns: Iterable[str], **values: Any) -> None:
        """Set the same values on the given rows (one UPDATE by DN each, sent as an executemany)."""
        statement = (
            update(_TABLE).where(*self._owned_core(), _TABLE.c.dn == bindparam("row_dn")).values(**values)
        )
        for chunk in _chunks(dns):
            self.session.execute(statement, [{"row_dn": dn} for dn in chunk])

    def touch_alive(self, now: datetime) -> None:
        """`last_seen_at` of every row not deleted: after a complete full sync, exactly the rows it read."""
        self.session.execute(
            update(_TABLE).where(*self._owned_core(), _TABLE.c.deleted_at.is_(None)).values(last_seen_at=now)
        )

    def _owned(self) -> tuple[Any, ...]:
        return (
            DirectoryObject.establishment_id == self.establishment_id,
            DirectoryObject.directory == self.directory,
        )

    def _owned_core(self) -> tuple[Any, ...]:
        return (_TABLE.c.establishment_id == self.establishment_id, _TABLE.c.directory == self.directory)


def digest_of(record: DirectoryRecord) -> str:
    """The fingerprint of a record: equal digests, equal rows, nothing to write.

    Over the record's repr (a dataclass's: every field in order, strings quoted, datetimes with their zone),
    which takes half the time of serialising it to JSON and is as exact: different records never share one.
    """
    return hashlib.blake2b((ROW_FORMAT + repr(record)).encode(), digest_size=16).hexdigest()


def _serialised(record: DirectoryRecord) -> dict[str, Any]:
    """The record as the JSON `attributes` column holds it (its tuples become arrays there)."""
    # Field by field rather than dataclasses.asdict, which deep-copies every value: they are immutable.
    if isinstance(record, DirectoryGroup):
        return {name: getattr(record, name) for name in _GROUP_FIELDS}
    data = {name: getattr(record, name) for name in _ACCOUNT_FIELDS}
    for name in _ACCOUNT_INSTANTS:
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return data


def _columns(record: DirectoryRecord, digest: str, privileged: bool, now: datetime) -> dict[str, Any]:
    kind: str
    if isinstance(record, DirectoryAccount):
        kind, name, enabled = record.kind, record.login, record.enabled
        last_logon, password_last_set = record.last_logon, record.password_last_set
    else:
        kind, name, enabled, last_logon, password_last_set = "group", record.name, True, None, None
    return {
        "kind": kind,
        "name": name,
        "sid": record.sid,
        "enabled": enabled,
        "privileged": privileged,
        "last_logon_at": last_logon,
        "password_last_set_at": password_last_set,
        "attributes": _serialised(record),
        "digest": digest,
        "last_seen_at": now,
        "deleted_at": None,
    }


def _record(kind: str, attributes: dict[str, Any]) -> DirectoryRecord:
    data = dict(attributes)
    if kind == "group":
        return DirectoryGroup(
            establishment=data["establishment"],
            dn=data["dn"],
            name=data.get("name"),
            sid=data.get("sid"),
            members=tuple(data.get("members", ())),
        )
    for name in _ACCOUNT_INSTANTS:
        data[name] = datetime.fromisoformat(data[name]) if data.get(name) else None
    for name in _ACCOUNT_TUPLES:
        data[name] = tuple(data.get(name, ()))
    return DirectoryAccount(**data)


def _chunks(items: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk
