"""Connector health as the pages and the API show it; written by the processes that run the connectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.models import ConnectorStatus, Establishment

FIRST_RETRY = timedelta(minutes=5)


@dataclass(frozen=True)
class ConnectorRef:
    """One configured connector of one establishment (a directory, an SNMP target group): `kind` is the
    subclass's, the key of its status row."""

    kind: ClassVar[str]
    establishment: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.establishment}/{self.name}"


def establishment_id(session: Session, key: str) -> int:
    return int(session.scalars(select(Establishment.id).where(Establishment.key == key)).one())


def status_of(session: Session, ref: ConnectorRef) -> ConnectorStatus | None:
    return session.scalars(
        select(ConnectorStatus).where(
            ConnectorStatus.kind == ref.kind,
            ConnectorStatus.name == ref.name,
            ConnectorStatus.establishment_id == establishment_id(session, ref.establishment),
        )
    ).one_or_none()


def retry_at(now: datetime, failures: int, ceiling: timedelta) -> datetime:
    """5 min after the first failure, then 10, 20…, at most `ceiling`: a member cut off for the night is not
    hammered, and is seen again soon once it is back."""
    delay: timedelta = min(FIRST_RETRY * 2 ** (max(failures, 1) - 1), ceiling)
    return now + delay


def waiting(status: ConnectorStatus | None, now: datetime) -> bool:
    """True while a connector that failed waits out its backoff (`retry_at` in its status details)."""
    until = status.details.get("retry_at") if status is not None else None
    return until is not None and datetime.fromisoformat(str(until)) > now


@dataclass(frozen=True)
class StatusReport:
    kind: str
    name: str
    establishment_id: int | None
    events: int
    events_per_second: float
    errors: int
    last_event_at: datetime | None
    healthy: bool = True
    details: dict[str, Any] = field(default_factory=dict)


def record_statuses(*, session: Session, reports: Sequence[StatusReport], now: datetime) -> None:
    """Create or update one row per (kind, name, establishment)."""
    existing = {
        (row.kind, row.name, row.establishment_id): row
        for row in session.scalars(
            select(ConnectorStatus).where(ConnectorStatus.kind.in_(sorted({r.kind for r in reports})))
        )
    }
    for report in reports:
        row = existing.get((report.kind, report.name, report.establishment_id))
        if row is None:
            row = ConnectorStatus(
                kind=report.kind, name=report.name, establishment_id=report.establishment_id
            )
            session.add(row)
        row.events = report.events
        row.events_per_second = report.events_per_second
        row.errors = report.errors
        row.last_event_at = report.last_event_at
        row.healthy = report.healthy
        row.details = report.details
        row.updated_at = now
    session.flush()


def list_statuses(*, session: Session) -> Sequence[ConnectorStatus]:
    """Every status in the session's scope (connector-wide rows only for GHT-wide roles)."""
    return session.scalars(
        select(ConnectorStatus).order_by(
            ConnectorStatus.kind, ConnectorStatus.name, ConnectorStatus.establishment_id
        )
    ).all()
