"""The statistics exports: a CSV a French spreadsheet opens, a JSON document with stable keys, a printable PDF."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

from pypdf import PdfReader

from ght_soc.declarations.facts import CareImpact, QualificationAnswers
from ght_soc.declarations.statistics import compute
from ght_soc.declarations.statistics_export import (
    FORMAT,
    VERSION,
    ScopeEntry,
    StatisticsReport,
    export,
    to_csv,
    to_json,
)
from ght_soc.declarations.statistics_pdf import render_pdf
from ght_soc.domain import EstablishmentCategory, IncidentCategory, Malice
from tests.declarations.test_statistics import NOW, initial, report

GENERATED = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
MALICIOUS = QualificationAnswers(malicious=Malice.MALICIOUS, care_impact=CareImpact.DEGRADED_MODE)
RECORDS = [
    report(initial({"support_requested": True}), ej="1", answers=MALICIOUS),
    report(ej="2", answers=MALICIOUS),
    report(ej="3", answers=QualificationAnswers(malicious=Malice.NOT_MALICIOUS)),
]


def make(year: int = 2024, whole_group: bool = True) -> StatisticsReport:
    return StatisticsReport(
        statistics=compute(RECORDS, year, now=NOW),
        whole_group=whole_group,
        establishments=(ScopeEntry("ch-amboise-demo", "Centre hospitalier d'Amboise", "370000002"),),
        generated_at=GENERATED,
        regime_titles={"health_is_incident": "Incident SI de santé (CERT Santé)"},
        incident_category_labels={IncidentCategory.RANSOMWARE: "Rançongiciel ou effaceur"},
    )


def rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "a byte-order mark, for the spreadsheet to read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def find(found: list[dict[str, str]], section: str, indicator: str) -> dict[str, str]:
    return next(r for r in found if r["Rubrique"] == section and r["Indicateur"] == indicator)


def test_the_csv_reads_back_with_french_headings_counts_shares_and_the_national_reference() -> None:
    text = to_csv(make())
    found = rows(text)
    assert list(found[0]) == [
        "Année",
        "Périmètre",
        "Rubrique",
        "Indicateur",
        "Nombre",
        "Sur",
        "Pourcentage",
        "Référence nationale 2023",
    ]
    assert {r["Année"] for r in found} == {"2024"} and {r["Périmètre"] for r in found} == {
        "GHT (tous les établissements)"
    }
    malicious = find(found, "Origine malveillante", "Malveillante")
    assert (malicious["Nombre"], malicious["Sur"], malicious["Pourcentage"]) == ("2", "3", "66,7 %")
    assert malicious["Référence nationale 2023"] == "50 %"
    degraded = find(
        found, "Impact sur la prise en charge", "Signalements ayant imposé le passage en mode dégradé"
    )
    assert (degraded["Nombre"], degraded["Référence nationale 2023"]) == ("2", "32 %")
    support = find(found, "Appui du CERT Santé", "Appui demandé au CERT Santé")
    assert (support["Nombre"], support["Sur"]) == ("1", "3")
    assert find(found, "Catégorie d'incident", "Rançongiciel ou effaceur")["Nombre"] == "3"
    assert find(found, "Mois (T0, heure de Paris)", "mars")["Nombre"] == "3"


def test_a_member_scope_is_named_on_every_csv_row_and_an_empty_year_has_blank_percentages() -> None:
    found = rows(to_csv(make(year=2022, whole_group=False)))
    assert {r["Périmètre"] for r in found} == {"Centre hospitalier d'Amboise (370000002)"}
    malicious = find(found, "Origine malveillante", "Malveillante")
    assert (malicious["Nombre"], malicious["Sur"], malicious["Pourcentage"]) == ("0", "0", "")


def test_the_json_document_has_stable_keys_whatever_the_data() -> None:
    full, empty = export(make()), json.loads(to_json(make(year=2022, whole_group=False)))
    expected = {
        "format",
        "version",
        "year",
        "timezone",
        "generated_at",
        "scope",
        "reports",
        "incidents",
        "malicious",
        "care_impact",
        "support_requested",
        "incident_categories",
        "establishment_categories",
        "months",
        "notifications",
        "filings",
        "national_reference",
    }
    assert set(full) == set(empty) == expected
    assert (full["format"], full["version"], full["year"]) == (FORMAT, VERSION, 2024)
    assert full["generated_at"] == "2025-01-15T09:30:00Z" and full["timezone"] == "Europe/Paris"
    assert full["malicious"]["malicious"] == {"count": 2, "of": 3, "percent": 66.7}
    assert empty["malicious"]["malicious"] == {"count": 0, "of": 0, "percent": None}
    for document in (full, empty):
        assert set(document["malicious"]) == {m.value for m in Malice}
        assert set(document["care_impact"]["levels"]) == {c.value for c in CareImpact}
        assert set(document["incident_categories"]) == {c.value for c in IncidentCategory}
        assert set(document["establishment_categories"]) == {c.value for c in EstablishmentCategory}
        assert list(document["months"]) == [f"{m:02d}" for m in range(1, 13)]
        assert set(document["notifications"]) == {"anssi", "cnil", "by_regime"}
        assert set(document["filings"]) == {"late", "open", "overdue"}
    assert empty["scope"] == {
        "whole_group": False,
        "establishments": [
            {"key": "ch-amboise-demo", "name": "Centre hospitalier d'Amboise", "finess_ej": "370000002"}
        ],
    }
    assert full["national_reference"]["reports"] == 581


def test_the_pdf_prints_every_section_with_the_national_reference() -> None:
    data = render_pdf(make())
    assert data.startswith(b"%PDF-")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    for expected in (
        "statistiques 2024",
        "Origine malveillante",
        "Malveillante",
        "66,7 %",
        "581",
        "mode dégradé",
    ):
        assert expected in text, expected
