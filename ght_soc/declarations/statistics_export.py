"""The yearly statistics as the observatory reads them: French lines (CSV, PDF) and a stable JSON document.

CSV: UTF-8 with a byte-order mark, `;` separators, one indicator a row, French headings in the observatory's
terms; the year and the scope are repeated on every row so that the files of several members or years can be
pasted into one sheet. Percentages there use a decimal comma.

JSON, format `ght-soc.declaration-statistics`, version 1 (a change that breaks a reader bumps it)::

    {"format", "version", "year", "timezone", "generated_at",
     "scope": {"whole_group": bool, "establishments": [{"key", "name", "finess_ej"}]},
     "reports": {"due", "filed"}, "incidents",
     "malicious": {"malicious"|"not_malicious"|"unknown": share},
     "care_impact": {"any": share, "degraded_mode": share, "not_stated": share, "levels": {level: share}},
     "support_requested": {"yes": share, "not_stated": share},
     "incident_categories": {category: share}, "establishment_categories": {category: share},
     "months": {"01".."12": count},
     "notifications": {"anssi": filings, "cnil": filings, "by_regime": {regime_id: filings}},
     "filings": {"late": share, "open", "overdue"},
     "national_reference": {"year", "reports", "malicious_percent", "care_impact_percent",
                            "degraded_mode_percent", "source"}}

A share is `{"count", "of", "percent"}` (percent rounded to one decimal, null when `of` is 0); filings are
`{"due", "filed"}`. Every enum member appears, zero or not, so a reader's keys never depend on the data.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from babel.dates import get_month_names

from ght_soc.declarations.documents import CATEGORY_LABELS as ESTABLISHMENT_CATEGORY_LABELS
from ght_soc.declarations.fields import CARE_IMPACT_LABELS
from ght_soc.declarations.observatory import latest_national_figures
from ght_soc.declarations.statistics import Filings, NationalFigures, Share, YearStatistics
from ght_soc.domain import IncidentCategory, Malice

FORMAT = "ght-soc.declaration-statistics"
VERSION = 1
CSV_HEADINGS = ("Année", "Périmètre", "Rubrique", "Indicateur", "Nombre", "Sur", "Pourcentage", "Référence")


@dataclass(frozen=True, slots=True)
class ScopeEntry:
    key: str
    name: str
    finess_ej: str


@dataclass(frozen=True, slots=True)
class StatisticsReport:
    """The figures with what renders them: the reader's scope, when, and the French labels of the data."""

    statistics: YearStatistics
    whole_group: bool
    establishments: tuple[ScopeEntry, ...]  # the scope's members
    generated_at: datetime
    regime_titles: Mapping[str, str]  # regime id → its French short title
    incident_category_labels: Mapping[IncidentCategory, str]
    national: NationalFigures = field(default_factory=latest_national_figures)

    @property
    def scope_label(self) -> str:
        if self.whole_group:
            return "GHT (tous les établissements)"
        return ", ".join(f"{e.name} ({e.finess_ej})" for e in self.establishments) or "aucun établissement"


@dataclass(frozen=True, slots=True)
class Line:
    """One indicator: a count, out of `of` when it is a share, with the national figure when one exists."""

    section: str
    indicator: str
    count: int
    of: int | None = None
    national: str = ""

    @property
    def share(self) -> Share | None:
        return None if self.of is None else Share(self.count, self.of)


def percent_text(share: Share | None) -> str:
    """ "33,3 %" (French decimal comma); empty without a denominator."""
    value = None if share is None else share.percent()
    return "" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def lines(report: StatisticsReport) -> list[Line]:
    """Every indicator, in the observatory's order and words."""
    return [*_observatory_lines(report), *_breakdown_lines(report), *_filing_lines(report)]


def _observatory_lines(report: StatisticsReport) -> list[Line]:
    """What the observatory publishes, each share next to its national figure."""
    s, nat = report.statistics, report.national
    n = s.reports.due
    care = "Impact sur la prise en charge"
    malice = {
        Malice.MALICIOUS: ("Malveillante", f"{nat.malicious_percent} %"),
        Malice.NOT_MALICIOUS: ("Non malveillante", ""),
        Malice.UNKNOWN: ("Inconnue", ""),
    }
    return [
        Line("Synthèse", "Signalements (déclarations d'incident SI de santé, une par entité juridique)", n,
             national=str(nat.reports)),
        Line("Synthèse", "Signalements déposés", s.reports.filed, n),
        Line("Synthèse", "Incidents", s.incidents),
        *[Line("Origine malveillante", label, s.malice[m].count, n, ref) for m, (label, ref) in malice.items()],
        Line(care, "Signalements avec impact sur la prise en charge des patients", s.care_impact.count, n,
             f"{nat.care_impact_percent} %"),
        Line(care, "Signalements ayant imposé le passage en mode dégradé", s.degraded_mode.count, n,
             f"{nat.degraded_mode_percent} %"),
        *[Line(care, f"Niveau : {label}", s.care_levels[level].count, n)
          for level, label in CARE_IMPACT_LABELS.items()],
        Line(care, "Non renseigné", s.care_not_stated.count, n),
        Line("Appui du CERT Santé", "Appui demandé au CERT Santé", s.support_requested.count, n),
        Line("Appui du CERT Santé", "Non renseigné", s.support_not_stated.count, n),
    ]  # fmt: skip


def _breakdown_lines(report: StatisticsReport) -> list[Line]:
    s, n = report.statistics, report.statistics.reports.due
    months = get_month_names("wide", locale="fr")
    return [
        *[Line("Catégorie d'incident", report.incident_category_labels.get(c, c.value), share.count, n)
          for c, share in s.incident_categories.items()],
        *[Line("Catégorie d'établissement", ESTABLISHMENT_CATEGORY_LABELS[c], share.count, n)
          for c, share in s.establishment_categories.items()],
        *[Line("Mois (T0, heure de Paris)", months[i + 1], count) for i, count in enumerate(s.months)],
    ]  # fmt: skip


def _filing_lines(report: StatisticsReport) -> list[Line]:
    """The other recipients' notifications, then how the filings kept their deadlines."""
    s = report.statistics
    found = [
        *_notification_lines("Notifications à l'ANSSI (OSE NIS 1, NIS 2)", s.anssi),
        *_notification_lines("Notifications de violation à la CNIL (RGPD art. 33)", s.cnil),
    ]
    for regime, filings in s.regimes.items():
        found += _notification_lines(f"Régime : {report.regime_titles.get(regime, regime)}", filings)
    return [
        *found,
        Line("Dépôts", "Documents déposés après l'échéance", s.late.count, s.late.of),
        Line("Dépôts", "Documents en attente de dépôt (échéance courante)", s.open),
        Line("Dépôts", "dont échéance dépassée", s.overdue, s.open),
    ]


def _notification_lines(what: str, filings: Filings) -> list[Line]:
    return [
        Line("Notifications", f"{what} : dues", filings.due),
        Line("Notifications", f"{what} : déposées", filings.filed, filings.due),
    ]


def to_csv(report: StatisticsReport) -> str:
    """The indicators as a French spreadsheet opens them (BOM, semicolons, decimal commas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([*CSV_HEADINGS[:-1], f"{CSV_HEADINGS[-1]} nationale {report.national.year}"])
    year, scope = str(report.statistics.year), report.scope_label
    for line in lines(report):
        of = "" if line.of is None else str(line.of)
        writer.writerow(
            [
                year,
                scope,
                line.section,
                line.indicator,
                line.count,
                of,
                percent_text(line.share),
                line.national,
            ]
        )
    return "\ufeff" + buffer.getvalue()


def _share(share: Share) -> dict[str, Any]:
    return {"count": share.count, "of": share.of, "percent": share.percent()}


def _filings(filings: Filings) -> dict[str, int]:
    return {"due": filings.due, "filed": filings.filed}


def export(report: StatisticsReport) -> dict[str, Any]:
    """The report as the JSON document described above (a dict, before serialisation)."""
    s, nat = report.statistics, report.national
    return {
        "format": FORMAT,
        "version": VERSION,
        "year": s.year,
        "timezone": "Europe/Paris",
        "generated_at": report.generated_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "scope": {
            "whole_group": report.whole_group,
            "establishments": [
                {"key": e.key, "name": e.name, "finess_ej": e.finess_ej} for e in report.establishments
            ],
        },
        "reports": _filings(s.reports),
        "incidents": s.incidents,
        "malicious": {m.value: _share(share) for m, share in s.malice.items()},
        "care_impact": {
            "any": _share(s.care_impact),
            "degraded_mode": _share(s.degraded_mode),
            "not_stated": _share(s.care_not_stated),
            "levels": {level.value: _share(share) for level, share in s.care_levels.items()},
        },
        "support_requested": {"yes": _share(s.support_requested), "not_stated": _share(s.support_not_stated)},
        "incident_categories": {c.value: _share(share) for c, share in s.incident_categories.items()},
        "establishment_categories": {
            c.value: _share(share) for c, share in s.establishment_categories.items()
        },
        "months": {f"{i + 1:02d}": count for i, count in enumerate(s.months)},
        "notifications": {
            "anssi": _filings(s.anssi),
            "cnil": _filings(s.cnil),
            "by_regime": {regime: _filings(f) for regime, f in s.regimes.items()},
        },
        "filings": {"late": _share(s.late), "open": s.open, "overdue": s.overdue},
        "national_reference": {
            "year": nat.year,
            "reports": nat.reports,
            "malicious_percent": nat.malicious_percent,
            "care_impact_percent": nat.care_impact_percent,
            "degraded_mode_percent": nat.degraded_mode_percent,
            "source": nat.source,
        },
    }


def to_json(report: StatisticsReport) -> str:
    """The JSON document, keys sorted, UTF-8 text kept readable."""
    return json.dumps(export(report), ensure_ascii=False, indent=2, sort_keys=True)
