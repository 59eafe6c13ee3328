"""A year of declarations in the national observatory's terms (shared/DOMAIN.md, "Incident categories").

The observatory of incidents in health establishments (ANS / CERT Santé) counts **reports**: one health IS
incident declaration per legal entity (FINESS EJ). A shared-IS ransomware declared by three members is one
incident and three reports. Its shares (malicious, impact on care, degraded mode, support requested from CERT
Santé) and its category breakdown are over reports; ours are too, so the two read side by side.

The service (services/declaration_statistics.py) turns rows into plain :class:`DeclarationRecord`s; nothing
here reads a database or a request.

**Year.** A declaration belongs to the calendar year of its regime's T0 on the Europe/Paris wall clock, whatever
the establishment's own zone: the observatory is national and publishes by calendar year, and one clock for the
whole group keeps a shared incident's reports in one year. A T0 at 00:30 on 1 January in Paris (23:30 UTC on
31 December) belongs to the new year.

**Values.** What was declared wins: the most recently sent document that carries the field, else the most
recently edited unsent one, else the qualification answers (malice, impact on care), else the incident
(its category) or the establishment (its category). A value that is not one of the expected ones (free text
typed over a category) falls through to the next source rather than inventing a category.

**Filings.** Documents no longer due (obsolete) count nowhere, and a declaration left with none is not counted.
A declaration is *filed* once one of its documents was sent; a document is *late* when sent after its deadline,
*open* when its clock has started, it has a deadline and it is not sent (a complement "as facts become known"
or a stage "on request" not requested owes nothing), *overdue* when open past its deadline at `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar
from zoneinfo import ZoneInfo

from ght_soc.declarations.documents import CATEGORY_LABELS as ESTABLISHMENT_CATEGORY_LABELS
from ght_soc.declarations.facts import CareImpact, QualificationAnswers
from ght_soc.declarations.regimes import StageKind
from ght_soc.domain import EstablishmentCategory, IncidentCategory, Malice

PARIS = ZoneInfo("Europe/Paris")
REPORT_REGIME = "health_is_incident"  # what the observatory counts
ANSSI_REGIMES = ("ose_nis1", "nis2")  # notifications to ANSSI / CERT-FR
CNIL_REGIMES = ("gdpr_art33",)  # personal-data breach notifications to the CNIL
# "Forcing degraded mode": degraded mode and every graver level (CareImpact is ordered by gravity), the usual
# reading of the observatory's figure. On the hub's scale every impact on care is at least degraded mode, so our
# two shares coincide; both are kept because the observatory publishes both, and its two differ (35 % and 32 % in
# 2023): it counts some impact on care short of degraded mode, which the declaration field set does not ask.
DEGRADED_MODE = frozenset(
    {
        CareImpact.DEGRADED_MODE,
        CareImpact.DEPROGRAMMING,
        CareImpact.TRANSFERS,
        CareImpact.PATIENT_ENDANGERMENT,
    }
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class NationalFigures:
    """A published year of the observatory, shown as a reference line (percentages as published)."""

    year: int
    reports: int
    malicious_percent: int
    care_impact_percent: int
    degraded_mode_percent: int
    source: str


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """One document of a declaration: its stored field values (JSON) and its clock."""

    stage: StageKind
    values: Mapping[str, object] = field(default_factory=dict)
    sent_at: datetime | None = None
    starts_at: datetime | None = None  # None: its clock has not started (waits for a filing, a resolution…)
    deadline_at: datetime | None = None
    updated_at: datetime = _EPOCH
    obsolete: bool = False  # no longer due after a re-qualification: counted nowhere


@dataclass(frozen=True, slots=True)
class DeclarationRecord:
    """One declaration: a regime for one legal entity on one incident, with its documents."""

    incident_id: int
    regime_id: str
    finess_ej: str
    t0_at: datetime
    establishment_category: EstablishmentCategory
    incident_category: IncidentCategory
    documents: tuple[DocumentRecord, ...]
    answers: QualificationAnswers | None = None

    @property
    def live(self) -> tuple[DocumentRecord, ...]:
        return tuple(d for d in self.documents if not d.obsolete)


@dataclass(frozen=True, slots=True)
class Share:
    """`count` out of `of`; the percentage is computed when rendered (None when `of` is zero)."""

    count: int
    of: int

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.count, self.of) if self.of else None

    def percent(self, digits: int = 1) -> float | None:
        return None if not self.of else round(100 * self.count / self.of, digits)


@dataclass(frozen=True, slots=True)
class Filings:
    due: int  # declarations (regime × legal entity) of the year still due
    filed: int  # of which at least one document was sent


@dataclass(frozen=True, slots=True)
class YearStatistics:
    year: int
    reports: Filings  # health IS declarations: the observatory's reports
    incidents: int  # distinct incidents among the reports
    malice: Mapping[Malice, Share]
    care_impact: Share  # any impact on care
    care_levels: Mapping[CareImpact, Share]
    care_not_stated: Share
    degraded_mode: Share
    support_requested: Share
    support_not_stated: Share
    incident_categories: Mapping[IncidentCategory, Share]
    establishment_categories: Mapping[EstablishmentCategory, Share]
    months: tuple[int, ...]  # reports per month of T0, January first
    regimes: Mapping[str, Filings]  # every regime seen in the year
    anssi: Filings
    cnil: Filings
    late: Share  # documents sent after their deadline, out of the sent ones that had a deadline
    open: int  # documents owed by a deadline and not sent yet
    overdue: int  # of which the deadline has passed


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) on the Paris wall clock, as UTC instants."""
    return (
        datetime(year, 1, 1, tzinfo=PARIS).astimezone(UTC),
        datetime(year + 1, 1, 1, tzinfo=PARIS).astimezone(UTC),
    )


def year_of(moment: datetime) -> int:
    """The calendar year of `moment` on the Paris wall clock."""
    return moment.astimezone(PARIS).year


def declared(record: DeclarationRecord, key: str) -> object | None:
    """`key` as last declared: newest sent document carrying it, else newest edited unsent one, else None."""
    sent = sorted((d for d in record.live if d.sent_at), key=lambda d: d.sent_at or _EPOCH, reverse=True)
    unsent = sorted((d for d in record.live if not d.sent_at), key=lambda d: d.updated_at, reverse=True)
    for document in (*sent, *unsent):
        value = document.values.get(key)
        if value is not None and value != "" and value != []:
            return value
    return None


E = TypeVar("E", bound=StrEnum)


def _member(kind: type[E], value: object, labels: Mapping[E, str] | None = None) -> E | None:
    """`value` read as a member of `kind`, by value or by French label; None when it is neither."""
    if not isinstance(value, str):
        return None
    if value in {member.value for member in kind}:
        return kind(value)
    by_label = {label.casefold(): member for member, label in (labels or {}).items()}
    return by_label.get(value.strip().casefold())


def malice_of(record: DeclarationRecord) -> Malice:
    """Declared malice, else the qualification's; unknown when neither says."""
    found = _member(Malice, declared(record, "malicious"))
    if found is None and record.answers is not None:
        found = record.answers.malicious
    return found or Malice.UNKNOWN


def care_impact_of(record: DeclarationRecord) -> CareImpact | None:
    """Declared impact on care, else the qualification's; None when neither says."""
    found = _member(CareImpact, declared(record, "care_impact"))
    return found if found is not None or record.answers is None else record.answers.care_impact


def support_requested_of(record: DeclarationRecord) -> bool | None:
    """Whether support was requested from CERT Santé (the questionnaire does not ask: None when not declared)."""
    value = declared(record, "support_requested")
    return value if isinstance(value, bool) else None


def incident_category_of(
    record: DeclarationRecord, labels: Mapping[IncidentCategory, str] | None = None
) -> IncidentCategory:
    """Declared category (its value or its French label), else the incident's."""
    return (
        _member(IncidentCategory, declared(record, "incident_category"), labels) or record.incident_category
    )


def establishment_category_of(record: DeclarationRecord) -> EstablishmentCategory:
    value = declared(record, "establishment_category")
    found = _member(EstablishmentCategory, value, ESTABLISHMENT_CATEGORY_LABELS)
    return found or record.establishment_category


def _filings(records: Iterable[DeclarationRecord]) -> Filings:
    found = list(records)
    return Filings(len(found), sum(1 for r in found if any(d.sent_at for d in r.live)))


def _shares(kinds: Iterable[E], values: list[E | None], of: int) -> dict[E, Share]:
    return {kind: Share(sum(1 for v in values if v == kind), of) for kind in kinds}


def compute(
    records: Iterable[DeclarationRecord],
    year: int,
    *,
    now: datetime,
    incident_category_labels: Mapping[IncidentCategory, str] | None = None,
) -> YearStatistics:
    """The year's figures from every declaration record given (other years' and obsolete ones are left out)."""
    due = [r for r in records if year_of(r.t0_at) == year and r.live]
    reports = [r for r in due if r.regime_id == REPORT_REGIME]
    n = len(reports)
    care = [care_impact_of(r) for r in reports]
    support = [support_requested_of(r) for r in reports]
    documents = [d for r in due for d in r.live]
    dated = [d for d in documents if d.sent_at and d.deadline_at]
    owed = [d for d in documents if not d.sent_at and d.starts_at and d.deadline_at]
    months = [0] * 12
    for record in reports:
        months[record.t0_at.astimezone(PARIS).month - 1] += 1
    return YearStatistics(
        year=year,
        reports=_filings(reports),
        incidents=len({r.incident_id for r in reports}),
        malice=_shares(Malice, [malice_of(r) for r in reports], n),
        care_impact=Share(sum(1 for c in care if c not in (None, CareImpact.NONE)), n),
        care_levels=_shares(CareImpact, care, n),
        care_not_stated=Share(care.count(None), n),
        degraded_mode=Share(sum(1 for c in care if c in DEGRADED_MODE), n),
        support_requested=Share(support.count(True), n),
        support_not_stated=Share(support.count(None), n),
        incident_categories=_shares(
            IncidentCategory, [incident_category_of(r, incident_category_labels) for r in reports], n
        ),
        establishment_categories=_shares(
            EstablishmentCategory, [establishment_category_of(r) for r in reports], n
        ),
        months=tuple(months),
        regimes={
            regime: _filings(r for r in due if r.regime_id == regime)
            for regime in sorted({r.regime_id for r in due})
        },
        anssi=_filings(r for r in due if r.regime_id in ANSSI_REGIMES),
        cnil=_filings(r for r in due if r.regime_id in CNIL_REGIMES),
        late=Share(
            sum(1 for d in dated if d.sent_at and d.deadline_at and d.sent_at > d.deadline_at), len(dated)
        ),
        open=len(owed),
        overdue=sum(1 for d in owed if d.deadline_at and d.deadline_at <= now),
    )
