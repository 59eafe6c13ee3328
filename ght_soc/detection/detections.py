"""What a detection engine reports, whatever the store: the rule, the establishment, the count, the evidence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ght_soc.domain import AlertSeverity

MAX_LINKED_EVENTS = 100
MAX_INDICATORS = 20
# The event fields that identify an attacker across establishments (an alert lists their values).
INDICATOR_FIELDS = (
    "source.ip",
    "destination.ip",
    "user.name",
    "file.hash",
    "destination.domain",
    "url.domain",
)

SEVERITIES = {
    "informational": AlertSeverity.INFORMATIONAL,
    "low": AlertSeverity.LOW,
    "medium": AlertSeverity.MEDIUM,
    "high": AlertSeverity.HIGH,
    "critical": AlertSeverity.CRITICAL,
}


@dataclass(frozen=True)
class Detection:
    """What one rule found in one establishment during one evaluation."""

    rule_id: str
    title: str
    severity: AlertSeverity
    establishment_id: int | None
    group: tuple[tuple[str, str], ...]  # the correlation's group-by values (empty for a plain rule)
    correlated: bool  # a correlation's count is for its whole timespan, a plain rule's for the batch
    count: int
    indicators: tuple[tuple[str, str], ...]  # (field, value) pairs from INDICATOR_FIELDS
    event_ids: tuple[str, ...]  # the events' references in the store (row ids, document ids)
    first_seen: datetime
    last_seen: datetime


def detection_indicators(rows: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    found: dict[tuple[str, str], None] = {}
    for row in rows:
        for name in INDICATOR_FIELDS:
            value = row.get(name)
            if value not in (None, "", "-"):
                found[(name, str(value)[:300])] = None
                if len(found) >= MAX_INDICATORS:
                    return tuple(found)
    return tuple(found)


class Detector(Protocol):
    """A store with the rules compiled for it: stores each batch, then says what the rules found in it."""

    def store_and_detect(self, events: Iterable[Mapping[str, Any]]) -> tuple[int, list[Detection]]: ...
