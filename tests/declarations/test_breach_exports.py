"""The breach register's exports, from entries alone: CSV columns and spreadsheet safety, the PDF's text."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ght_soc.declarations.breach_exports import to_csv, to_pdf
from ght_soc.declarations.breaches import (
    FIELD_LABELS,
    VALUE_FIELDS,
    BreachEntry,
    BreachOrigin,
    CnilDecision,
    Notification,
    PersonsDecision,
    Problem,
)
from ght_soc.declarations.facts import GdprRisk
from tests.declarations.test_exports import pdf_text

AWARE = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)  # 09:15 in Paris (winter time)
ENTRY = BreachEntry(
    id=7,
    reference="VDP-2026-003",
    establishment_id=2,
    establishment_name="Centre hospitalier d'Amboise",
    finess_ej="370000481",
    timezone="Europe/Paris",
    origin=BreachOrigin.QUALIFICATION,
    incident_id=11,
    incident_reference="INC-2026-0042",
    title="Messagerie compromise",
    circumstances="Hameçonnage ; règle de transfert vers une adresse externe.",
    aware_at=AWARE,
    recorded_at=AWARE,
    recorded_by="Sophie Bernard",
    updated_at=AWARE + timedelta(days=4),
    updated_by="Sophie Bernard",
    confidentiality=True,
    data_categories="identité, comptes rendus",
    health_data=True,
    person_categories="patients",
    persons_count=350,
    records_count=1200,
    consequences="Divulgation de comptes rendus.",
    measures="Règle supprimée, mot de passe changé.",
    risk=GdprRisk.HIGH,
    cnil=Notification(CnilDecision.NOTIFIED.value, AWARE + timedelta(hours=80), "Téléservice", "CNIL-77", 5),
    late_reasons="Ampleur connue après l'analyse des journaux.",
    persons=Notification(PersonsDecision.INFORMED.value, AWARE + timedelta(days=5), "courrier"),
)


def parsed(data: bytes) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_a_late_notification_is_flagged_with_its_reasons_and_a_complete_entry_lacks_nothing() -> None:
    assert ENTRY.late and ENTRY.problems == ()
    assert replace(ENTRY, late_reasons="").problems == (Problem.LATE_REASONS,)
    (line,) = parsed(to_csv([ENTRY]))
    assert line["Notifiée dans les 72 heures"] == "non (hors délai)"
    assert line["Date de notification à la CNIL (Europe/Paris)"] == "05/03/2026 17:15"
    assert line["Référence CNIL"] == "CNIL-77" and line["Motifs du retard de notification"].startswith(
        "Ampleur"
    )
    assert line["Information des personnes (art. 34)"].startswith("personnes informées")


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_made_plain_text() -> None:
    hostile = replace(ENTRY, title='=HYPERLINK("http://attacker.invalid","clic")', measures="-2+3")
    (line,) = parsed(to_csv([hostile]))
    assert line["Intitulé"] == '\'=HYPERLINK("http://attacker.invalid","clic")'
    assert line["Mesures prises ou envisagées"] == "'-2+3"


def test_an_empty_register_still_has_its_header_and_a_pdf() -> None:
    data = to_csv([])
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").count("\r\n") == 1
    assert "Aucune violation inscrite" in pdf_text(
        to_pdf([], scope="CH d'Amboise — année 2026", generated_at=AWARE)
    )


def test_the_pdf_holds_every_field_of_an_entry_with_its_zone() -> None:
    text = pdf_text(to_pdf([ENTRY], scope="Établissements visibles — toutes années", generated_at=AWARE))
    for expected in (
        "VDP-2026-003",
        "Centre hospitalier d'Amboise (FINESS EJ 370000481)",
        "Incident INC-2026-0042",
        "perte de confidentialité",
        "lundi 2 mars 2026 à 9 h 15 (Europe/Paris, UTC+01:00)",
        "risque élevé",
        "notifiée à la CNIL (déclaration déposée depuis le hub)",
        "non (hors délai)",
        "Ampleur connue après l'analyse des journaux.",
        "Hameçonnage ; règle de transfert",
    ):
        assert expected in text, expected


def test_the_written_values_are_the_labelled_fields_in_the_registers_order() -> None:
    """What a form writes is what the exports and the timeline label, in the same order."""
    assert VALUE_FIELDS == tuple(FIELD_LABELS)
