"""The group's declarations for the OSE view, and a year of them in the national observatory's terms.

Everything reads through the session's scope (ght_soc/scoping.py): a site user gets their own establishment's
declarations only, the GHT RSSI and the direction every member's, so the same calls serve the pages, the
exports and a CLI. The figures themselves are computed by ght_soc/declarations/statistics.py from plain
records; this module only gathers them. Like every service: `*, session`, reads only, the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ght_soc.declarations.clocks import ClockStatus, StageClock
from ght_soc.declarations.regimes import Regime, StageKind
from ght_soc.declarations.statistics import (
    REPORT_REGIME,
    DeclarationRecord,
    DocumentRecord,
    compute,
    year_bounds,
    year_of,
)
from ght_soc.declarations.statistics_export import ScopeEntry, StatisticsReport
from ght_soc.models import Declaration, DeclarationStatus, Establishment, Incident, Qualification
from ght_soc.scoping import scope_of
from ght_soc.services.declaration_documents import CATEGORY_LABELS
from ght_soc.services.declarations import (
    DeclarationContext,
    answers_from_json,
    group_clocks,
    groups,
    row_clock,
)
from ght_soc.services.establishments import list_establishments


@dataclass(frozen=True)
class GroupFilters:
    """What the group view is narrowed to; None is "all"."""

    year: int | None = None  # of the regime's T0, on the Paris calendar
    establishment_id: int | None = None
    regime_id: str | None = None
    status: DeclarationStatus | None = None


@dataclass(frozen=True)
class GroupLine:
    """One document with its clock where it stands now, on its establishment's wall clock (`zone`)."""

    row: Declaration
    regime: Regime
    clock: StageClock
    state: ClockStatus
    zone: str

    @property
    def late(self) -> bool:
        """Sent after its deadline."""
        return self.clock.late

    @property
    def overdue(self) -> bool:
        """Not sent and past its deadline."""
        return self.state == ClockStatus.OVERDUE


@dataclass(frozen=True)
class EstablishmentGroup:
    establishment: Establishment
    lines: tuple[GroupLine, ...]


@dataclass(frozen=True)
class IncidentGroup:
    incident: Incident
    t0_at: datetime  # the earliest T0 of its declarations
    establishments: tuple[EstablishmentGroup, ...]


def _in_year(statement: Select[Declaration], year: int | None) -> Select[Declaration]:
    if year is None:
        return statement
    start, end = year_bounds(year)
    return statement.where(Declaration.t0_at >= start, Declaration.t0_at < end)


def _clocked(
    rows: Iterable[Declaration], context: DeclarationContext
) -> list[tuple[Declaration, Regime, StageClock]]:
    """Each row with its clock: the clocks of a (regime, legal entity) are computed on all its rows at once."""
    by_incident: dict[int, list[Declaration]] = {}
    for row in rows:
        by_incident.setdefault(row.incident_id, []).append(row)
    found = []
    for members in by_incident.values():
        for (regime_id, _ej), group in groups(members).items():
            regime = context.regimes[regime_id]
            clocks = group_clocks(group, regime, members[0].incident, context)
            found += [(row, regime, row_clock(row, clocks)) for row in group]
    return found


def group_view(
    *, session: Session, context: DeclarationContext, now: datetime, filters: GroupFilters = GroupFilters()
) -> list[IncidentGroup]:
    """Every declaration in scope, of every status (sent and obsolete included), by incident then member."""
    statement = select(Declaration)
    if filters.establishment_id is not None:
        statement = statement.where(Declaration.establishment_id == filters.establishment_id)
    if filters.regime_id is not None:
        statement = statement.where(Declaration.regime_id == filters.regime_id)
    # The status is filtered after the clocks: a follow-up's clock starts from its sent predecessor.
    rows = session.scalars(_in_year(statement, filters.year)).all()
    by_incident: dict[int, dict[int, list[GroupLine]]] = {}
    for row, regime, clock in _clocked(rows, context):
        if filters.status is not None and row.status != filters.status:
            continue
        line = GroupLine(row, regime, clock, clock.status(now), context.timezone(row.establishment.key))
        by_incident.setdefault(row.incident_id, {}).setdefault(row.establishment_id, []).append(line)
    found = []
    for members in by_incident.values():
        first = next(iter(members.values()))[0].row
        blocks = [
            EstablishmentGroup(lines[0].row.establishment, _ordered(lines)) for lines in members.values()
        ]
        blocks.sort(key=lambda b: (not b.establishment.is_support, b.establishment.short_name))
        t0 = min(line.row.t0_at for lines in members.values() for line in lines)
        found.append(IncidentGroup(first.incident, t0, tuple(blocks)))
    found.sort(key=lambda g: (g.t0_at, g.incident.id), reverse=True)  # the newest incident first
    return found


def _ordered(lines: Sequence[GroupLine]) -> tuple[GroupLine, ...]:
    """The observatory's report first, then the other regimes; stages in their regime's order."""

    def key(line: GroupLine) -> tuple[bool, str, int, int]:
        stages = [s.kind.value for s in line.regime.stages]
        return (
            line.regime.id != REPORT_REGIME,
            line.regime.short_title,
            stages.index(line.row.stage),
            line.row.sequence,
        )

    return tuple(sorted(lines, key=key))


def years(*, session: Session, now: datetime) -> list[int]:
    """The years (Paris calendar) that have declarations in scope, and the current one; newest first."""
    found = {year_of(t0) for t0 in session.scalars(select(Declaration.t0_at))}
    return sorted(found | {year_of(now)}, reverse=True)


def records(*, session: Session, context: DeclarationContext, year: int) -> list[DeclarationRecord]:
    """The year's declarations in scope as the statistics read them, with their incident's answers."""
    rows = session.scalars(_in_year(select(Declaration).order_by(Declaration.id), year)).all()
    answers = {
        q.incident_id: answers_from_json(q.answers)
        for q in session.scalars(
            select(Qualification).where(Qualification.incident_id.in_(sorted({r.incident_id for r in rows})))
        )
    }
    grouped: dict[tuple[int, str, str], list[DocumentRecord]] = {}
    firsts: dict[tuple[int, str, str], Declaration] = {}
    for row, _regime, clock in _clocked(rows, context):
        key = (row.incident_id, row.regime_id, row.finess_ej)
        firsts.setdefault(key, row)
        grouped.setdefault(key, []).append(
            DocumentRecord(
                stage=StageKind(row.stage),
                values=dict(row.draft_values),
                sent_at=row.sent_at,
                starts_at=clock.starts_at,
                deadline_at=clock.deadline_at,
                updated_at=row.updated_at,
                obsolete=row.status == DeclarationStatus.OBSOLETE,
            )
        )
    return [
        DeclarationRecord(
            incident_id=row.incident_id,
            regime_id=row.regime_id,
            finess_ej=row.finess_ej,
            t0_at=row.t0_at,
            establishment_category=row.establishment.category,
            incident_category=row.incident.category,
            documents=tuple(grouped[key]),
            answers=answers.get(row.incident_id),
        )
        for key, row in firsts.items()
    ]


def report(*, session: Session, context: DeclarationContext, year: int, now: datetime) -> StatisticsReport:
    """The year's figures for the session's scope, with what the exports print about that scope."""
    statistics = compute(
        records(session=session, context=context, year=year),
        year,
        now=now,
        incident_category_labels=CATEGORY_LABELS,
    )
    return StatisticsReport(
        statistics=statistics,
        whole_group=scope_of(session).is_everything,
        establishments=tuple(
            ScopeEntry(e.key, e.name, e.finess_ej) for e in list_establishments(session=session)
        ),
        generated_at=now,
        regime_titles={regime_id: regime.short_title for regime_id, regime in context.regimes.items()},
        incident_category_labels=CATEGORY_LABELS,
    )
