"""Statuses, maturity scores, snapshots and the report, assembled from the hub's tables within the scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.governance.budget import BudgetEntry
from ght_soc.governance.catalogue import Catalogue
from ght_soc.governance.evidence import Observations, automatic_evidence
from ght_soc.governance.maturity import Scores, score
from ght_soc.governance.report import CoverageLine, EstablishmentReport, GroupReport
from ght_soc.governance.shares import Load, Share
from ght_soc.governance.status import DesignationFact, Facts, ItemStatus, RecordFact, evaluate
from ght_soc.governance.wording import UNIT_FR
from ght_soc.models import Establishment
from ght_soc.models.governance import (
    ComplianceRecord,
    CrisisExercise,
    CyberBudget,
    Designation,
    MaturitySnapshot,
    SharedResource,
)
from ght_soc.services.establishments import list_establishments
from ght_soc.services.governance_evidence import observe_all
from ght_soc.services.obligations import profile_of


def facts_by_establishment(
    *,
    session: Session,
    catalogue: Catalogue,
    establishments: Sequence[Establishment],
    observations: Sequence[Observations] | None = None,
) -> dict[int, Facts]:
    """Everything the status rules read, per establishment, in a few queries."""
    ids = [e.id for e in establishments]
    designations: defaultdict[int, list[DesignationFact]] = defaultdict(list)
    for d, name in session.execute(
        select(Designation, SharedResource.name)
        .join(SharedResource, SharedResource.id == Designation.resource_id)
        .where(Designation.establishment_id.in_(ids))
    ):
        designations[d.establishment_id].append(DesignationFact(d.role, d.starts_on, d.ends_on, name))
    budgets: defaultdict[int, list[BudgetEntry]] = defaultdict(list)
    for b in session.scalars(select(CyberBudget).where(CyberBudget.establishment_id.in_(ids))):
        budgets[b.establishment_id].append(BudgetEntry(b.year, b.it_budget, b.cyber_budget))
    exercises: defaultdict[int, list[date]] = defaultdict(list)
    for x in session.scalars(select(CrisisExercise).where(CrisisExercise.establishment_id.in_(ids))):
        exercises[x.establishment_id].append(x.held_on)
    records: defaultdict[int, dict[str, RecordFact]] = defaultdict(dict)
    for r in session.scalars(
        select(ComplianceRecord)
        .where(ComplianceRecord.establishment_id.in_(ids))
        .order_by(ComplianceRecord.recorded_at, ComplianceRecord.id)
    ):
        records[r.establishment_id][r.item_key] = _record_fact(r)  # the latest wins
    automatic = automatic_evidence(
        catalogue, observations if observations is not None else observe_all(session=session)
    )
    return {
        e.id: Facts(
            profile=profile_of(e),
            designations=designations[e.id],
            budgets=budgets[e.id],
            exercises=exercises[e.id],
            records=records[e.id],
            automatic=automatic.get(e.id, {}),
        )
        for e in establishments
    }


def _record_fact(r: ComplianceRecord) -> RecordFact:
    return RecordFact(
        item_key=r.item_key,
        status=r.status,
        is_override=r.is_override,
        comment=r.comment,
        recorded_at=r.recorded_at,
        recorded_by=r.recorded_by,
        done_on=r.done_on,
        level=r.level,
        evidence_id=r.evidence_id,
        evidence_url=r.evidence_url,
    )


def statuses(
    *, session: Session, catalogue: Catalogue, establishments: Sequence[Establishment], today: date
) -> dict[int, list[ItemStatus]]:
    """Every applicable item's status, per establishment in scope."""
    facts = facts_by_establishment(session=session, catalogue=catalogue, establishments=establishments)
    return {e.id: evaluate(catalogue, facts[e.id], today) for e in establishments}


def scores_of(catalogue: Catalogue, items: Sequence[ItemStatus]) -> Scores:
    return score(items, [d.key for d in catalogue.domains])


def take_snapshots(*, session: Session, catalogue: Catalogue, today: date) -> int:
    """Record today's scores of every establishment in scope (once a day; a second call updates them)."""
    establishments = list_establishments(session=session)
    by_establishment = statuses(
        session=session, catalogue=catalogue, establishments=establishments, today=today
    )
    existing = {
        s.establishment_id: s
        for s in session.scalars(select(MaturitySnapshot).where(MaturitySnapshot.taken_on == today))
    }
    for e in establishments:
        scores = scores_of(catalogue, by_establishment[e.id])
        row = existing.get(e.id) or MaturitySnapshot(establishment_id=e.id, taken_on=today)
        row.scores, row.overall = dict(scores.by_domain), scores.overall
        session.add(row)
    session.flush()
    return len(establishments)


def trends(*, session: Session) -> dict[int, list[tuple[date, int | None]]]:
    """Each establishment's overall score over its snapshots, oldest first."""
    result: defaultdict[int, list[tuple[date, int | None]]] = defaultdict(list)
    for s in session.scalars(select(MaturitySnapshot).order_by(MaturitySnapshot.taken_on)):
        result[s.establishment_id].append((s.taken_on, s.overall))
    return dict(result)


def group_report(
    *,
    session: Session,
    catalogue: Catalogue,
    ght_name: str,
    now: datetime,
    loads: dict[int, Load],
    establishment_id: int | None = None,
) -> GroupReport:
    """The report of every establishment in scope, or of one; `loads` come from a GHT-wide session."""
    today = now.date()
    establishments = [
        e
        for e in list_establishments(session=session)
        if establishment_id is None or e.id == establishment_id
    ]
    by_establishment = statuses(
        session=session, catalogue=catalogue, establishments=establishments, today=today
    )
    history = trends(session=session)
    budgets: dict[int, BudgetEntry] = {}
    for b in session.scalars(select(CyberBudget).order_by(CyberBudget.year)):
        budgets[b.establishment_id] = BudgetEntry(b.year, b.it_budget, b.cyber_budget)
    last_exercise: dict[int, date] = {}
    for x in session.scalars(select(CrisisExercise).order_by(CrisisExercise.held_on)):
        last_exercise[x.establishment_id] = x.held_on
    coverage = _coverage_lines(session, today, catalogue.parameters.working_days_per_month)
    reports = [
        EstablishmentReport(
            establishment_id=e.id,
            name=e.name,
            short_name=e.short_name,
            finess_ej=e.finess_ej,
            is_support=e.is_support,
            is_ose=e.is_ose,
            coverage=coverage.get(e.id, []),
            items=by_establishment[e.id],
            scores=scores_of(catalogue, by_establishment[e.id]),
            budget=budgets.get(e.id),
            last_exercise=last_exercise.get(e.id),
            trend=history.get(e.id, []),
        )
        for e in establishments
    ]
    names = {r.id: r.name for r in session.scalars(select(SharedResource))}
    overloaded = [(names.get(rid, "?"), load.total_percent) for rid, load in loads.items() if load.overloaded]
    return GroupReport(
        ght_name=ght_name,
        generated_at=now,
        domains=catalogue.domains,
        establishments=reports,
        overloaded=sorted(overloaded) if establishment_id is None else [],
    )


def _coverage_lines(session: Session, today: date, working_days: float) -> dict[int, list[CoverageLine]]:
    from ght_soc.services.shared_resources import coverage

    lines: defaultdict[int, list[CoverageLine]] = defaultdict(list)
    for d in coverage(session=session, on=today):
        share = Share(d.share_value, d.share_unit)
        lines[d.establishment_id].append(
            CoverageLine(
                name=d.resource.name,
                organisation=d.resource.organisation or "",
                role=d.role,
                share=f"{d.share_value:g} {UNIT_FR[d.share_unit]}",
                percent=round(share.percent(working_days), 1),
                starts_on=d.starts_on,
                ends_on=d.ends_on,
                act_reference=d.act_reference or "",
            )
        )
    return dict(lines)
