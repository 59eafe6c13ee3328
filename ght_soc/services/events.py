"""Reading events for people: translating a search form or API query into an EventQuery."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from ght_soc.events.store import EventQuery, EventStoreError


def parse_field_filters(pairs: Iterable[str]) -> dict[str, str]:
    """`name:value` (or `name=value`) pairs into a dict; raises EventStoreError naming the bad pair."""
    fields: dict[str, str] = {}
    for pair in pairs:
        pair = pair.strip()
        if not pair:
            continue
        separator = ":" if ":" in pair and ("=" not in pair or pair.index(":") < pair.index("=")) else "="
        name, found, value = pair.partition(separator)
        if not found or not name.strip():
            raise EventStoreError(f"filtre de champ attendu sous la forme nom:valeur, reçu {pair!r}")
        fields[name.strip()] = value.strip()
    return fields


def event_query(
    *,
    establishment_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    host: str | None = None,
    fields: Mapping[str, str] | None = None,
    text: str | None = None,
    unattributed: bool = False,
    page_size: int = 50,
    after: str | None = None,
) -> EventQuery:
    return EventQuery(
        establishment_ids=frozenset({establishment_id}) if establishment_id is not None else None,
        start=start,
        end=end,
        host=host or None,
        fields=dict(fields or {}),
        text=text or None,
        unattributed=unattributed,
        page_size=page_size,
        after=after or None,
    )
