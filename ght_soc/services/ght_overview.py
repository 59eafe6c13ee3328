"""The GHT overview's morning summary: running declaration clocks, connector health, overdue obligations.

Each part is read through the service that owns it (declarations, connectors, maturity), in the session's scope,
so that the overview shows a site user their own establishment only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.declarations.clocks import ClockStatus, StageClock
from ght_soc.governance.catalogue import Catalogue
from ght_soc.governance.enums import ComplianceStatus
from ght_soc.models import ConnectorStatus, Declaration, DeclarationStatus, Establishment
from ght_soc.services import declarations as declaration_service
from ght_soc.services.connectors import list_statuses
from ght_soc.services.establishments import list_establishments
from ght_soc.services.maturity import statuses as obligation_statuses

_FAR = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
# Clocks that run: a stage not started yet (WAITING) or already filed (DONE) is not the morning's business.
_RUNNING = frozenset({ClockStatus.PENDING, ClockStatus.DUE_SOON, ClockStatus.OVERDUE})


@dataclass(frozen=True)
class RunningClock:
    """One declaration whose deadline runs, with what the overview line says about it."""

    row: Declaration
    clock: StageClock
    status: ClockStatus
    zone: str
    regime_title: str


@dataclass(frozen=True)
class OverdueObligations:
    establishment: Establishment
    late: int  # evidence older than the obligation's validity
    not_met: int


@dataclass(frozen=True)
class GhtSummary:
    clocks: list[RunningClock]  # nearest deadline first
    connectors: int
    degraded: list[ConnectorStatus]
    overdue: list[OverdueObligations]  # establishments with at least one late or unmet obligation


def running_clocks(
    *, session: Session, context: declaration_service.DeclarationContext, now: datetime
) -> list[RunningClock]:
    """Every declaration of the session's scope whose clock runs at `now`, the nearest deadline first."""
    rows = session.scalars(
        select(Declaration).where(
            Declaration.status.not_in([DeclarationStatus.OBSOLETE, DeclarationStatus.SENT])
        )
    ).all()
    by_incident: dict[int, list[Declaration]] = {}
    for row in rows:
        by_incident.setdefault(row.incident_id, []).append(row)
    found: list[RunningClock] = []
    for members in by_incident.values():
        incident = members[0].incident
        for (regime_id, _ej), group in declaration_service.groups(members).items():
            regime = context.regimes[regime_id]
            clocks = declaration_service.group_clocks(group, regime, incident, context)
            for row in group:
                clock = declaration_service.row_clock(row, clocks)
                status = clock.status(now)
                if status in _RUNNING:
                    zone = context.timezone(row.establishment.key)
                    found.append(RunningClock(row, clock, status, zone, regime.short_title))
    found.sort(key=lambda item: (item.clock.deadline_at or _FAR, item.row.id))
    return found


def overdue_obligations(*, session: Session, catalogue: Catalogue, now: datetime) -> list[OverdueObligations]:
    """Per establishment in scope, how many obligations (not hygiene measures) are late or not met."""
    establishments = list_establishments(session=session)
    by_establishment = obligation_statuses(
        session=session, catalogue=catalogue, establishments=establishments, today=now.date()
    )
    found = []
    for establishment in establishments:
        items = [i for i in by_establishment[establishment.id] if not i.is_measure]
        late = sum(1 for i in items if i.status is ComplianceStatus.LATE)
        not_met = sum(1 for i in items if i.status is ComplianceStatus.NOT_MET)
        if late or not_met:
            found.append(OverdueObligations(establishment, late, not_met))
    return found


def summary(
    *,
    session: Session,
    context: declaration_service.DeclarationContext,
    catalogue: Catalogue,
    now: datetime,
) -> GhtSummary:
    """The three parts of the overview's summary, as of `now`."""
    connectors = list_statuses(session=session)
    return GhtSummary(
        clocks=running_clocks(session=session, context=context, now=now),
        connectors=len(connectors),
        degraded=[c for c in connectors if not c.healthy],
        overdue=overdue_obligations(session=session, catalogue=catalogue, now=now),
    )
