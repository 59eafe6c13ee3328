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


@dataclass(frozen=True)
class MatchedEvent:
    """One event a plain rule matched, as either engine reads it back."""

    ref: str  # the event's reference in its store
    at: datetime
    fields: Mapping[str, Any]


def plain_detections(
    rule_id: str, title: str, severity: AlertSeverity, matches: Iterable[MatchedEvent]
) -> list[Detection]:
    """One detection per establishment among the events a plain rule matched in a batch."""
    by_establishment: dict[int | None, list[MatchedEvent]] = {}
    for match in matches:
        by_establishment.setdefault(match.fields.get("establishment_id"), []).append(match)
    return [
        Detection(
            rule_id=rule_id,
            title=title,
            severity=severity,
            establishment_id=establishment_id,
            group=(),
            correlated=False,
            count=len(matched),
            indicators=detection_indicators(m.fields for m in matched),
            event_ids=tuple(m.ref for m in matched[:MAX_LINKED_EVENTS]),
            first_seen=min(m.at for m in matched),
            last_seen=max(m.at for m in matched),
        )
        for establishment_id, matched in by_establishment.items()
    ]


class Detector(Protocol):
    """A store with the rules compiled for it: stores each batch, then says what the rules found in it."""

    def store_and_detect(self, events: Iterable[Mapping[str, Any]]) -> tuple[int, list[Detection]]: ...
