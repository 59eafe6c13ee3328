"""From detections to alerts: one alert per rule, establishment and group within a deduplication window.

A detection whose key matches an open alert seen within the window grows that alert (count, last seen,
linked events) instead of raising a new one: a burst of failed logons is one alert, not a hundred.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ght_soc.detection.detections import MAX_INDICATORS, MAX_LINKED_EVENTS, Detection
from ght_soc.domain import AlertSeverity
from ght_soc.models import Alert, AlertEvent, AlertIndicator
from ght_soc.services import incidents
from ght_soc.services.alerts import OPEN_STATUSES

DEDUP_WINDOW = timedelta(hours=1)
_SEVERITY_ORDER = list(AlertSeverity)  # declaration order: informational … critical
SOURCE = "sigma"


@dataclass(frozen=True)
class Recorded:
    alert: Alert
    created: bool


def dedup_key(detection: Detection) -> str:
    """Rule, establishment and group values; the group is hashed so that the key stays short."""
    group = "&".join(f"{name}={value}" for name, value in detection.group)
    digest = hashlib.sha256(group.encode()).hexdigest()[:16] if group else "-"
    return f"{detection.rule_id}|{detection.establishment_id or '-'}|{digest}"


def record_detections(
    *, session: Session, detections: Iterable[Detection], window: timedelta = DEDUP_WINDOW
) -> list[Recorded]:
    """Raise or grow the alert of each detection; flushes, the caller commits.

    One query finds the open alerts of every key of the batch: a correlation under attack reports its
    groups at every batch, and one lookup per detection would cost more than the detection itself.
    """
    detections = list(detections)
    if not detections:
        return []
    keys = {dedup_key(d) for d in detections}
    earliest = min(d.first_seen for d in detections) - window
    open_alerts: dict[str, Alert] = {}
    for found in session.scalars(
        select(Alert)
        .where(
            Alert.dedup_key.in_(sorted(keys)),
            Alert.status.in_(sorted(OPEN_STATUSES)),
            Alert.last_seen_at >= earliest,
        )
        .order_by(Alert.last_seen_at)
        # Their linked events and indicators in two queries, not two per detection (ingest speed, issue 3).
        .options(selectinload(Alert.events), selectinload(Alert.indicators))
    ):
        open_alerts[str(found.dedup_key)] = found  # the most recently seen wins
    recorded = []
    for detection in detections:
        key = dedup_key(detection)
        current = open_alerts.get(key)
        created = current is None or (
            current.last_seen_at is not None and current.last_seen_at < detection.first_seen - window
        )
        if current is None or created:
            alert = _new_alert(detection, key)
            session.add(alert)
            open_alerts[key] = alert
        else:
            alert = current
            _grow(alert, detection)
        _link_events(alert, detection)
        _add_indicators(alert, detection)
        recorded.append(Recorded(alert=alert, created=created))
    session.flush()
    for item in recorded:
        if item.created:
            # A repeat of what already made an incident (same rule, site and group) joins that incident.
            incidents.join_incident_of_earlier_alert(
                session=session, alert=item.alert, now=item.alert.created_at
            )
    return recorded


def _new_alert(detection: Detection, key: str) -> Alert:
    return Alert(
        establishment_id=detection.establishment_id,
        source=SOURCE,
        source_ref=hashlib.sha256(f"{key}|{detection.first_seen.isoformat()}".encode()).hexdigest()[:40],
        title=detection.title,
        severity=detection.severity,
        rule_id=detection.rule_id,
        dedup_key=key,
        count=detection.count,
        occurred_at=detection.first_seen,
        first_seen_at=detection.first_seen,
        last_seen_at=detection.last_seen,
        raw={"rule_id": detection.rule_id, "group": dict(detection.group)},
    )


def _grow(alert: Alert, detection: Detection) -> None:
    # A correlation recounts its whole timespan at each evaluation: its count is a level, not an increment.
    alert.count = max(alert.count, detection.count) if detection.correlated else alert.count + detection.count
    if alert.last_seen_at is None or detection.last_seen > alert.last_seen_at:
        alert.last_seen_at = detection.last_seen
    alert.severity = max(alert.severity, detection.severity, key=_SEVERITY_ORDER.index)


def _add_indicators(alert: Alert, detection: Detection) -> None:
    known = {(i.kind, i.value) for i in alert.indicators}
    for kind, value in detection.indicators:
        if (kind, value) not in known and len(known) < MAX_INDICATORS:
            alert.indicators.append(AlertIndicator(kind=kind, value=value))
            known.add((kind, value))


def _link_events(alert: Alert, detection: Detection) -> None:
    linked = {link.event_ref for link in alert.events}
    room = MAX_LINKED_EVENTS - len(linked)
    for event_id in detection.event_ids:
        if room <= 0:
            break
        if str(event_id) not in linked:
            alert.events.append(AlertEvent(event_ref=str(event_id)))
            linked.add(str(event_id))
            room -= 1
