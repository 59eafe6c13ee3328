"""The governance report as data (what the group or one establishment stands at), and its CSV exports.

The service assembles it within the reader's scope; the CSV and PDF renderings only format it, in French,
for the ARS and the GHT's strategic committee.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ght_soc.governance.budget import BudgetEntry
from ght_soc.governance.catalogue import Domain
from ght_soc.governance.enums import DesignationRole
from ght_soc.governance.maturity import Scores
from ght_soc.governance.status import ItemStatus
from ght_soc.governance.wording import ORIGIN_FR, ROLE_FR, STATUS_FR, detail_fr


@dataclass(frozen=True)
class CoverageLine:
    """One person or provider covering an establishment, at a share."""

    name: str
    organisation: str
    role: DesignationRole
    share: str  # as entered, e.g. "30 %" or "4 j/mois"
    percent: float
    starts_on: date
    ends_on: date | None
    act_reference: str


@dataclass(frozen=True)
class EstablishmentReport:
    establishment_id: int
    name: str
    short_name: str
    finess_ej: str
    is_support: bool
    is_ose: bool
    coverage: Sequence[CoverageLine]
    items: Sequence[ItemStatus]
    scores: Scores
    budget: BudgetEntry | None
    last_exercise: date | None
    trend: Sequence[tuple[date, int | None]]


@dataclass(frozen=True)
class GroupReport:
    ght_name: str
    generated_at: datetime
    domains: Sequence[Domain]
    establishments: Sequence[EstablishmentReport]
    overloaded: Sequence[tuple[str, float]]  # people above 100 %, with their total


def obligations_csv(report: GroupReport) -> str:
    """Every obligation and measure of every establishment in the report, one row each (Excel-friendly)."""
    rows = [
        [
            "FINESS EJ",
            "Établissement",
            "Nature",
            "Clé",
            "Intitulé",
            "Domaine",
            "Statut",
            "Origine",
            "Détail",
            "Source",
            "Preuve",
            "Saisi par",
            "Saisi le",
        ]
    ]
    titles = {d.key: d.title for d in report.domains}
    for e in report.establishments:
        for item in e.items:
            record = item.record
            evidence = ""
            if record is not None:
                evidence = record.evidence_url or (
                    f"document n° {record.evidence_id}" if record.evidence_id else ""
                )
            rows.append(
                [
                    e.finess_ej,
                    e.name,
                    "mesure" if item.is_measure else "obligation",
                    item.key,
                    item.title,
                    titles.get(item.domain, item.domain),
                    STATUS_FR[item.status],
                    ORIGIN_FR[item.origin],
                    detail_fr(item),
                    item.source,
                    evidence,
                    record.recorded_by if record else "",
                    record.recorded_at.isoformat() if record else "",
                ]
            )
    return _csv(rows)


def maturity_csv(report: GroupReport) -> str:
    """The maturity matrix: one row per establishment, one column per domain, then the overall score."""
    rows = [["FINESS EJ", "Établissement", *(d.title for d in report.domains), "Global"]]
    for e in report.establishments:
        rows.append(
            [
                e.finess_ej,
                e.name,
                *(_score(e.scores.by_domain.get(d.key)) for d in report.domains),
                _score(e.scores.overall),
            ]
        )
    return _csv(rows)


def coverage_csv(report: GroupReport) -> str:
    """Who covers each establishment, in which role, at what share."""
    rows = [
        [
            "FINESS EJ",
            "Établissement",
            "Personne ou prestataire",
            "Structure",
            "Rôle",
            "Part",
            "% du temps",
            "Début",
            "Fin",
            "Acte de désignation",
        ]
    ]
    for e in report.establishments:
        for c in e.coverage:
            rows.append(
                [
                    e.finess_ej,
                    e.name,
                    c.name,
                    c.organisation,
                    ROLE_FR[c.role],
                    c.share,
                    f"{c.percent:g}",
                    c.starts_on.isoformat(),
                    c.ends_on.isoformat() if c.ends_on else "",
                    c.act_reference,
                ]
            )
    return _csv(rows)


def _score(value: int | None) -> str:
    return "" if value is None else str(value)


def _inert(cell: str) -> str:
    # Entered text that a spreadsheet would run as a formula (CSV injection) is quoted.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _csv(rows: list[list[str]]) -> str:
    # Semicolons and a byte-order mark: what a French spreadsheet opens without an import dialog.
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows([[_inert(cell) for cell in row] for row in rows])
    return "\ufeff" + buffer.getvalue()
