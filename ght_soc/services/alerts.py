"""Alerts: ingestion from collectors (idempotent on the source's reference), listing, triage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import AlertSeverity, AlertStatus
from ght_soc.models import Alert, AlertChange

# Which status may follow which: the triage flow as data.
ALERT_TRANSITIONS: dict[AlertStatus, frozenset[AlertStatus]] = {
    AlertStatus.NEW: frozenset({AlertStatus.ACKNOWLEDGED, AlertStatus.CLOSED, AlertStatus.FALSE_POSITIVE}),
    AlertStatus.ACKNOWLEDGED: frozenset({AlertStatus.CLOSED, AlertStatus.FALSE_POSITIVE, AlertStatus.NEW}),
    AlertStatus.CLOSED: frozenset({AlertStatus.NEW}),
    AlertStatus.FALSE_POSITIVE: frozenset({AlertStatus.NEW}),
}


OPEN_STATUSES = frozenset({AlertStatus.NEW, AlertStatus.ACKNOWLEDGED})


class AlertTransitionError(ValueError):
    """The requested status cannot follow the current one."""


@dataclass(frozen=True)
class NewAlert:
    source: str
    source_ref: str
    title: str
    severity: AlertSeverity
    occurred_at: datetime
    description: str = ""
    raw: dict[str, Any] | None = None


@dataclass(frozen=True)
class AlertPage:
    alerts: Sequence[Alert]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def ingest_alert(*, session: Session, establishment_id: int, alert: NewAlert) -> tuple[Alert, bool]:
    """Store an alert once; a re-sent one (same source and reference) returns the stored row and False."""
    existing = session.scalars(
        select(Alert).where(
            Alert.establishment_id == establishment_id,
            Alert.source == alert.source,
            Alert.source_ref == alert.source_ref,
        )
    ).one_or_none()
    if existing is not None:
        return existing, False
    row = Alert(
        establishment_id=establishment_id,
        source=alert.source,
        source_ref=alert.source_ref,
        title=alert.title,
        description=alert.description,
        severity=alert.severity,
        occurred_at=alert.occurred_at.astimezone(UTC),
        raw=alert.raw or {},
    )
    session.add(row)
    session.flush()
    return row, True


def list_alerts(
    *,
    session: Session,
    establishment_id: int | None = None,
    statuses: frozenset[AlertStatus] | None = None,
    severities: frozenset[AlertSeverity] | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AlertPage:
    query = select(Alert)
    if establishment_id is not None:
        query = query.where(Alert.establishment_id == establishment_id)
    if statuses is not None:
        query = query.where(Alert.status.in_(sorted(statuses)))
    if severities is not None:
        query = query.where(Alert.severity.in_(sorted(severities)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Alert.occurred_at.desc(), Alert.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return AlertPage(alerts=rows, total=total, page=page, per_page=per_page)


def alerts_by_id(*, session: Session, alert_ids: Sequence[int]) -> Sequence[Alert]:
    return session.scalars(select(Alert).where(Alert.id.in_(sorted(set(alert_ids))))).all()


def get_alert(*, session: Session, alert_id: int) -> Alert | None:
    return session.scalars(select(Alert).where(Alert.id == alert_id)).one_or_none()


def change_statuses(
    *, session: Session, alert_ids: Sequence[int], status: AlertStatus, actor: Principal, now: datetime
) -> tuple[list[Alert], list[Alert]]:
    """Bulk triage: (changed, refused by the transition table). Ids outside the session's scope are not found."""
    changed, refused = [], []
    for alert in session.scalars(
        select(Alert).where(Alert.id.in_(sorted(set(alert_ids)))).order_by(Alert.id)
    ):
        if status in ALERT_TRANSITIONS[alert.status]:
            change_status(session=session, alert=alert, status=status, actor=actor, now=now)
            changed.append(alert)
        else:
            refused.append(alert)
    return changed, refused


def change_status(
    *, session: Session, alert: Alert, status: AlertStatus, actor: Principal, now: datetime, note: str = ""
) -> AlertChange:
    """Move the alert to `status` if the transition table allows it, recording who and when."""
    if status not in ALERT_TRANSITIONS[alert.status]:
        raise AlertTransitionError(f"{alert.status} → {status}")
    change = AlertChange(
        at=now,
        actor=actor.display_name,
        actor_user_id=actor.user_id,
        from_status=alert.status,
        to_status=status,
        note=note,
    )
    alert.changes.append(change)
    alert.status = status
    session.flush()
    return change
