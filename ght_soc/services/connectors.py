"""Connector health as the pages and the API show it; written by the processes that run the connectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.models import ConnectorStatus


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
