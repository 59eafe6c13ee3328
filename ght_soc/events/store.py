"""The event store interface: what the listener writes and what the events page and the API read.

Events are flat dicts with ECS-style dotted names (`@timestamp`, `host.name`, `source.ip`...) plus the hub's
own keys (`establishment_id`, `event.original`). Every search takes the caller's :class:`Scope`: the store is
not an ORM session, so the scope is a required argument instead of a session hook, and an empty scope finds
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ght_soc.access import Scope

Event = Mapping[str, Any]

# The fields every backend indexes for filtering, besides the establishment and the time.
CORE_FIELDS: tuple[str, ...] = (
    "host.name",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "user.name",
    "event.code",
    "event.action",
    "event.outcome",
    "observer.vendor",
    "observer.product",
    "process.name",
    "log.syslog.severity.code",
)


@dataclass(frozen=True)
class EventQuery:
    """A search over events; every criterion is optional and they combine with AND."""

    establishment_ids: frozenset[int] | None = None  # narrows the scope further, never widens it
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    host: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)  # exact match on a field's value
    text: str | None = None  # full-text words in the message
    unattributed: bool = False  # the bucket of events from unknown senders (GHT-wide roles only)
    page_size: int = 50
    after: str | None = None  # the cursor of the previous page


@dataclass(frozen=True)
class EventPage:
    events: Sequence[dict[str, Any]]
    next_cursor: str | None


class EventStore(Protocol):
    """Both backends implement this."""

    def write(self, events: Iterable[Event]) -> int:
        """Store a batch; returns how many were stored."""
        ...

    def search(self, query: EventQuery, scope: Scope) -> EventPage:
        """Events matching `query` within `scope`, newest first."""
        ...

    def get(self, refs: Sequence[str], scope: Scope) -> list[dict[str, Any]]:
        """The events with these references (as alerts link them), those within `scope` only."""
        ...

    def purge(self, establishment_id: int | None, before: datetime) -> int:
        """Delete the establishment's events older than `before` (None: the unattributed bucket)."""
        ...

    def close(self) -> None: ...


class EventStoreError(Exception):
    """The store cannot do what was asked (bad query field, backend unreachable...)."""


def allowed_establishments(query: EventQuery, scope: Scope) -> frozenset[int] | None:
    """The establishment ids a search may read: the query's narrowing within the scope; None = all."""
    if scope.establishment_ids is None:
        return query.establishment_ids
    if query.establishment_ids is None:
        return scope.establishment_ids
    return query.establishment_ids & scope.establishment_ids
