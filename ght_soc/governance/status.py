"""Where an establishment stands on each obligation and hygiene measure, from the facts the hub holds.

Precedence, as data: a person's override (with a reason) wins; then connector findings that show a problem;
then what the hub computes (designations, budgets, exercises, self-assessment); then a person's record (which
expires after the obligation's validity); else nobody knows.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ght_soc.governance.budget import BudgetBand, BudgetEntry, band
from ght_soc.governance.catalogue import Catalogue, Measure, Obligation, Profile
from ght_soc.governance.enums import (
    CheckKind,
    ComplianceStatus,
    DesignationRole,
    EvidenceOrigin,
    HygieneLevel,
)
from ght_soc.governance.shares import is_active


class Detail(StrEnum):
    """Why a status is what it is; pages and reports word it in their language."""

    DESIGNATED = "designated"
    DESIGNATION_EXPIRED = "designation_expired"
    NOBODY_DESIGNATED = "nobody_designated"
    BUDGET_WITHIN = "budget_within"
    BUDGET_BELOW = "budget_below"
    BUDGET_MISSING = "budget_missing"
    EXERCISE_DONE = "exercise_done"
    EXERCISE_OLD = "exercise_old"
    NO_EXERCISE = "no_exercise"
    HYGIENE_ASSESSED = "hygiene_assessed"
    NO_HYGIENE = "no_hygiene"
    CONNECTOR_FINDINGS = "connector_findings"
    CONNECTOR_CLEAN = "connector_clean"
    RECORDED = "recorded"
    RECORD_EXPIRED = "record_expired"
    OVERRIDDEN = "overridden"
    LEVEL_STANDARD_ONLY = "level_standard_only"
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class DesignationFact:
    role: DesignationRole
    starts_on: date
    ends_on: date | None
    name: str


@dataclass(frozen=True)
class RecordFact:
    """A person's latest record on one item (the history is kept in the database)."""

    item_key: str
    status: ComplianceStatus
    is_override: bool
    comment: str
    recorded_at: datetime
    recorded_by: str
    done_on: date | None = None
    level: HygieneLevel | None = None
    evidence_id: int | None = None
    evidence_url: str | None = None

    @property
    def dated(self) -> date:
        return self.done_on or self.recorded_at.date()


@dataclass(frozen=True)
class AutoEvidence:
    """What connectors say about one item for one establishment."""

    item_key: str
    status: ComplianceStatus  # MET (sources looked, nothing found) or NOT_MET (findings)
    sources: tuple[str, ...]
    findings: tuple[str, ...]
    observed_at: datetime


@dataclass(frozen=True)
class Facts:
    profile: Profile
    designations: Sequence[DesignationFact] = ()
    budgets: Sequence[BudgetEntry] = ()
    exercises: Sequence[date] = ()
    records: Mapping[str, RecordFact] = field(default_factory=dict)
    automatic: Mapping[str, AutoEvidence] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemStatus:
    key: str
    title: str
    domain: str
    source: str
    is_measure: bool
    status: ComplianceStatus
    origin: EvidenceOrigin
    detail: Detail
    params: Mapping[str, str] = field(default_factory=dict)
    record: RecordFact | None = None
    automatic: AutoEvidence | None = None


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def evaluate(catalogue: Catalogue, facts: Facts, today: date) -> list[ItemStatus]:
    """Every applicable measure, then every applicable obligation, with its status and why."""
    validity = _hygiene_validity(catalogue)
    measures = [
        _measure(m, facts, today, validity, catalogue.targets_reinforced(facts.profile))
        for m in catalogue.applicable_measures(facts.profile)
    ]
    obligations = [
        _obligation(o, catalogue, facts, today, measures)
        for o in catalogue.applicable_obligations(facts.profile)
    ]
    return obligations + measures


def _hygiene_validity(catalogue: Catalogue) -> int:
    hygiene = next((o for o in catalogue.obligations if o.check is CheckKind.HYGIENE), None)
    return hygiene.validity_months if hygiene is not None and hygiene.validity_months else 12


def _item(item: Obligation | Measure, source: str, **kwargs: object) -> ItemStatus:
    return ItemStatus(
        key=item.key,
        title=item.title,
        domain=item.domain,
        source=source,
        is_measure=isinstance(item, Measure),
        **kwargs,  # type: ignore[arg-type]
    )


def _common(
    item: Obligation | Measure, source: str, facts: Facts, today: date
) -> tuple[ItemStatus | None, RecordFact | None, AutoEvidence | None]:
    """The override or the connector's problem, which both win over everything else."""
    record, auto = facts.records.get(item.key), facts.automatic.get(item.key)
    if record is not None and record.is_override:
        return (
            _item(
                item,
                source,
                status=record.status,
                origin=EvidenceOrigin.OVERRIDE,
                detail=Detail.OVERRIDDEN,
                params={"reason": record.comment},
                record=record,
                automatic=auto,
            ),
            record,
            auto,
        )
    if auto is not None and auto.status is ComplianceStatus.NOT_MET:
        return (
            _item(
                item,
                source,
                status=ComplianceStatus.NOT_MET,
                origin=EvidenceOrigin.CONNECTOR,
                detail=Detail.CONNECTOR_FINDINGS,
                params={"sources": ", ".join(auto.sources), "count": str(len(auto.findings))},
                record=record,
                automatic=auto,
            ),
            record,
            auto,
        )
    return None, record, auto


def _measure(measure: Measure, facts: Facts, today: date, validity: int, reinforced: bool) -> ItemStatus:
    source = f"Guide d'hygiène ANSSI, mesure {measure.number}"
    decided, record, auto = _common(measure, source, facts, today)
    if decided is not None:
        return decided
    if record is not None:
        status, detail = record.status, Detail.RECORDED
        if status is ComplianceStatus.MET and reinforced and HygieneLevel.REINFORCED in measure.levels:
            if record.level is not HygieneLevel.REINFORCED:
                status, detail = ComplianceStatus.PARTIAL, Detail.LEVEL_STANDARD_ONLY
        if status is not ComplianceStatus.NOT_APPLICABLE and add_months(record.dated, validity) < today:
            status, detail = ComplianceStatus.LATE, Detail.RECORD_EXPIRED
        return _item(
            measure,
            source,
            status=status,
            origin=EvidenceOrigin.PERSON,
            detail=detail,
            params={"date": record.dated.isoformat()},
            record=record,
            automatic=auto,
        )
    if auto is not None:
        return _item(
            measure,
            source,
            status=ComplianceStatus.MET,
            origin=EvidenceOrigin.CONNECTOR,
            detail=Detail.CONNECTOR_CLEAN,
            params={"sources": ", ".join(auto.sources)},
            automatic=auto,
        )
    return _item(
        measure,
        source,
        status=ComplianceStatus.UNKNOWN,
        origin=EvidenceOrigin.NONE,
        detail=Detail.NOT_ASSESSED,
    )


def _obligation(
    obligation: Obligation, catalogue: Catalogue, facts: Facts, today: date, measures: list[ItemStatus]
) -> ItemStatus:
    decided, record, auto = _common(obligation, obligation.source, facts, today)
    if decided is not None:
        return decided
    computed = _computed(obligation, catalogue, facts, today, measures)
    if computed is not None:
        status, detail, params = computed
        return _item(
            obligation,
            obligation.source,
            status=status,
            origin=EvidenceOrigin.HUB,
            detail=detail,
            params=params,
            record=record,
            automatic=auto,
        )
    if record is not None:
        status, detail = record.status, Detail.RECORDED
        if (
            obligation.validity_months
            and status is ComplianceStatus.MET
            and add_months(record.dated, obligation.validity_months) < today
        ):
            status, detail = ComplianceStatus.LATE, Detail.RECORD_EXPIRED
        return _item(
            obligation,
            obligation.source,
            status=status,
            origin=EvidenceOrigin.PERSON,
            detail=detail,
            params={"date": record.dated.isoformat()},
            record=record,
            automatic=auto,
        )
    if auto is not None:
        return _item(
            obligation,
            obligation.source,
            status=ComplianceStatus.MET,
            origin=EvidenceOrigin.CONNECTOR,
            detail=Detail.CONNECTOR_CLEAN,
            params={"sources": ", ".join(auto.sources)},
            automatic=auto,
        )
    return _item(
        obligation,
        obligation.source,
        status=ComplianceStatus.UNKNOWN,
        origin=EvidenceOrigin.NONE,
        detail=Detail.NOT_ASSESSED,
    )


Computed = tuple[ComplianceStatus, Detail, dict[str, str]]


def _computed(
    obligation: Obligation, catalogue: Catalogue, facts: Facts, today: date, measures: list[ItemStatus]
) -> Computed | None:
    if obligation.check is CheckKind.DESIGNATION:
        return _designation(obligation, facts, today)
    if obligation.check is CheckKind.BUDGET:
        return _budget(catalogue, facts, today)
    if obligation.check is CheckKind.EXERCISE:
        return _exercise(obligation, facts, today)
    if obligation.check is CheckKind.HYGIENE:
        return _hygiene(measures)
    return None


def _designation(obligation: Obligation, facts: Facts, today: date) -> Computed:
    relevant = [d for d in facts.designations if d.role in obligation.roles]
    active = sorted({d.name for d in relevant if is_active(d.starts_on, d.ends_on, today)})
    if active:
        return ComplianceStatus.MET, Detail.DESIGNATED, {"names": ", ".join(active)}
    ended = [d for d in relevant if d.ends_on is not None and d.ends_on < today]
    if ended:
        last = max(ended, key=lambda d: d.ends_on or today)
        return (
            ComplianceStatus.LATE,
            Detail.DESIGNATION_EXPIRED,
            {"date": str(last.ends_on), "names": last.name},
        )
    return ComplianceStatus.NOT_MET, Detail.NOBODY_DESIGNATED, {}


def _budget(catalogue: Catalogue, facts: Facts, today: date) -> Computed:
    parameters = catalogue.parameters
    by_year = {b.year: b for b in facts.budgets}
    entry = by_year.get(today.year) or by_year.get(today.year - 1)
    if entry is None:
        return ComplianceStatus.NOT_MET, Detail.BUDGET_MISSING, {"year": str(today.year)}
    params = {
        "year": str(entry.year),
        "percent": f"{entry.cyber_percent:g}",
        "minimum": f"{parameters.budget_min_percent:g}",
        "maximum": f"{parameters.budget_max_percent:g}",
    }
    if (
        band(entry.cyber_percent, parameters.budget_min_percent, parameters.budget_max_percent)
        is BudgetBand.BELOW
    ):
        return ComplianceStatus.NOT_MET, Detail.BUDGET_BELOW, params
    if entry.year < today.year and today.month > parameters.budget_due_month:
        return ComplianceStatus.LATE, Detail.BUDGET_MISSING, {"year": str(today.year)}
    return ComplianceStatus.MET, Detail.BUDGET_WITHIN, params


def _exercise(obligation: Obligation, facts: Facts, today: date) -> Computed:
    if not facts.exercises:
        return ComplianceStatus.NOT_MET, Detail.NO_EXERCISE, {}
    last = max(facts.exercises)
    if add_months(last, obligation.validity_months or 12) < today:
        return ComplianceStatus.LATE, Detail.EXERCISE_OLD, {"date": last.isoformat()}
    return ComplianceStatus.MET, Detail.EXERCISE_DONE, {"date": last.isoformat()}


def _hygiene(measures: list[ItemStatus]) -> Computed:
    fresh = sum(m.status not in (ComplianceStatus.UNKNOWN, ComplianceStatus.LATE) for m in measures)
    late = sum(m.status is ComplianceStatus.LATE for m in measures)
    params = {"count": str(fresh), "total": str(len(measures))}
    if measures and fresh == len(measures):
        return ComplianceStatus.MET, Detail.HYGIENE_ASSESSED, params
    if fresh:
        return ComplianceStatus.PARTIAL, Detail.HYGIENE_ASSESSED, params
    if late:
        return ComplianceStatus.LATE, Detail.HYGIENE_ASSESSED, params
    return ComplianceStatus.NOT_MET, Detail.NO_HYGIENE, params
