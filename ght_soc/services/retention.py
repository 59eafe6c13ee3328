"""Event retention: each establishment keeps its events for its configured days, then they are purged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.events.store import EventStore
from ght_soc.models import Establishment
from ght_soc.settings import Settings


@dataclass(frozen=True)
class PurgeReport:
    deleted: dict[str, int]  # establishment key (or "non attribué") → events deleted

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


UNATTRIBUTED = "non attribué"


def purge_expired_events(
    *, session: Session, store: EventStore, settings: Settings, now: datetime
) -> PurgeReport:
    """Delete every establishment's events older than its retention; the unattributed bucket uses the default."""
    configured = {e.key: e.retention_days for e in settings.establishments}
    default_days = settings.logs.retention_days
    deleted: dict[str, int] = {}
    for establishment in session.scalars(select(Establishment).order_by(Establishment.key)):
        days = configured.get(establishment.key) or default_days
        deleted[establishment.key] = store.purge(establishment.id, before=now - timedelta(days=days))
    deleted[UNATTRIBUTED] = store.purge(None, before=now - timedelta(days=default_days))
    return PurgeReport(deleted=deleted)
