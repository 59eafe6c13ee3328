"""The breach register's exports: a CSV for French spreadsheets and a printable French PDF.

Both read a sequence of :class:`BreachEntry` (no database, no web): one line, or one block, per entry, with
the CNIL model register's fields in its order. The CSV is UTF-8 with a byte-order mark and `;` separators
(what a French Excel opens as columns), times on the Paris wall clock as dd/mm/yyyy hh:mm; a cell that a
spreadsheet would run as a formula is prefixed with an apostrophe (titles can come from alerts, that is from
outside). The PDF is landscape A4: a summary table, then every entry in full, times with their zone, and
it says how the references are numbered (in the year of recording, never renumbered).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from ght_soc.declarations.breaches import (
    CNIL_LABELS,
    FIELD_LABELS,
    PERSONS_LABELS,
    RISK_LABELS,
    BreachEntry,
    BreachOrigin,
    CnilDecision,
    PersonsDecision,
)
from ght_soc.declarations.clocks import PARIS, format_local
from ght_soc.declarations.pdf_text import BODY, H2, LABEL, SMALL, paragraph, render
from ght_soc.declarations.pdf_text import TITLE as TITLE_STYLE

TITLE = "Registre des violations de données à caractère personnel"
LEGAL_BASIS = "RGPD art. 33(5) : toute violation est documentée, qu'elle ait été notifiée ou non."
NUMBERING = (
    "Références numérotées par établissement et par année d'inscription au registre ; une référence attribuée "
    "ne change plus, même si la date de prise de connaissance est corrigée."
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ORIGIN_LABELS = {
    BreachOrigin.QUALIFICATION: "ouverte par la qualification de l'incident",
    BreachOrigin.MANUAL: "inscrite manuellement",
}

Instant = Callable[[datetime | None], str]


def short_time(moment: datetime | None, timezone: str = PARIS) -> str:
    """dd/mm/yyyy hh:mm on the `timezone` wall clock ("" for None): what a spreadsheet reads as a date."""
    return "" if moment is None else moment.astimezone(ZoneInfo(timezone)).strftime("%d/%m/%Y %H:%M")


def _yes(value: bool) -> str:
    return "oui" if value else "non"


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _within_72_hours(entry: BreachEntry) -> str:
    if entry.cnil.at is None:
        return ""
    return "non (hors délai)" if entry.late else "oui"


def _cnil(entry: BreachEntry) -> str:
    text = CNIL_LABELS[CnilDecision(entry.cnil.decision)]
    return text + (" (déclaration déposée depuis le hub)" if entry.cnil.declaration_id else "")


def _persons(entry: BreachEntry) -> str:
    text = PERSONS_LABELS[PersonsDecision(entry.persons.decision)]
    return text + (" (communication enregistrée dans le hub)" if entry.persons.declaration_id else "")


def cells(entry: BreachEntry, when: Instant) -> list[tuple[str, str]]:
    """The entry as (French label, text) pairs in the register's order; `when` renders an instant."""
    withdrawn = when(entry.withdrawn_at)
    return [
        ("Référence", entry.reference),
        ("Responsable du traitement", entry.establishment_name),
        ("FINESS EJ", entry.finess_ej),
        ("Incident", entry.incident_reference),
        ("Origine de l'entrée", _ORIGIN_LABELS[entry.origin]),
        (FIELD_LABELS["title"], entry.title),
        ("Nature de la violation", ", ".join(entry.nature)),
        (FIELD_LABELS["circumstances"], entry.circumstances),
        (FIELD_LABELS["occurred_at"], when(entry.occurred_at)),
        (FIELD_LABELS["aware_at"], when(entry.aware_at)),
        (FIELD_LABELS["contained_at"], when(entry.contained_at)),
        (FIELD_LABELS["data_categories"], entry.data_categories),
        (FIELD_LABELS["health_data"], _yes(entry.health_data)),
        (FIELD_LABELS["person_categories"], entry.person_categories),
        (FIELD_LABELS["persons_count"], _count(entry.persons_count)),
        (FIELD_LABELS["records_count"], _count(entry.records_count)),
        (FIELD_LABELS["consequences"], entry.consequences),
        (FIELD_LABELS["measures"], entry.measures),
        (FIELD_LABELS["risk"], RISK_LABELS[entry.risk]),
        (FIELD_LABELS["risk_reasoning"], entry.risk_reasoning),
        (FIELD_LABELS["cnil_decision"], _cnil(entry)),
        (FIELD_LABELS["cnil_notified_at"], when(entry.cnil.at)),
        ("Notifiée dans les 72 heures", _within_72_hours(entry)),
        (FIELD_LABELS["cnil_channel"], entry.cnil.channel),
        (FIELD_LABELS["cnil_reference"], entry.cnil.reference),
        (FIELD_LABELS["cnil_reasoning"], entry.cnil_reasoning),
        (FIELD_LABELS["late_reasons"], entry.late_reasons),
        (FIELD_LABELS["persons_decision"], _persons(entry)),
        (FIELD_LABELS["persons_informed_at"], when(entry.persons.at)),
        (FIELD_LABELS["persons_channel"], entry.persons.channel),
        (FIELD_LABELS["persons_reasoning"], entry.persons_reasoning),
        ("Requalifiée sans données personnelles le", withdrawn),
        ("Inscrite le", f"{when(entry.recorded_at)} par {entry.recorded_by}".strip()),
        ("Dernière modification", f"{when(entry.updated_at)} par {entry.updated_by}".strip()),
    ]


# --- CSV ----------------------------------------------------------------------------------------------------
def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(entries: Sequence[BreachEntry], *, timezone: str = PARIS) -> bytes:
    """One line per entry under a header line; UTF-8 with BOM, `;`-separated, times on `timezone`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    header = [label for label, _text in cells(_BLANK, lambda _moment: "")]
    writer.writerow([f"{label} ({timezone})" if label in _TIME_COLUMNS else label for label in header])
    for entry in entries:
        writer.writerow([_safe(text) for _label, text in cells(entry, lambda m: short_time(m, timezone))])
    return buffer.getvalue().encode("utf-8-sig")


_TIME_COLUMNS = frozenset(
    FIELD_LABELS[k]
    for k in ("occurred_at", "aware_at", "contained_at", "cnil_notified_at", "persons_informed_at")
)
_EPOCH = datetime.fromtimestamp(0, ZoneInfo("UTC"))
# An empty entry: the header's labels come from the same function as the lines, so they cannot drift apart.
_BLANK = BreachEntry(
    id=0,
    reference="",
    establishment_id=0,
    establishment_name="",
    finess_ej="",
    timezone=PARIS,
    origin=BreachOrigin.MANUAL,
    title="",
    circumstances="",
    aware_at=_EPOCH,
    recorded_at=_EPOCH,
    recorded_by="",
    updated_at=_EPOCH,
    updated_by="",
)


# --- PDF ----------------------------------------------------------------------------------------------------
def _summary(entries: Sequence[BreachEntry]) -> Table:
    heads = ["Référence", "Responsable", "Prise de connaissance", "Intitulé", "Personnes", "Risque", "CNIL"]
    rows: list[list[Flowable]] = [[paragraph(h, LABEL) for h in heads]]
    for entry in entries:
        cnil = CNIL_LABELS[CnilDecision(entry.cnil.decision)]
        if entry.cnil.at is not None:
            cnil += f" le {short_time(entry.cnil.at, entry.timezone)}" + (
                " (hors délai)" if entry.late else ""
            )
        rows.append(
            [
                paragraph(entry.reference),
                paragraph(f"{entry.establishment_name} ({entry.finess_ej})"),
                paragraph(short_time(entry.aware_at, entry.timezone)),
                paragraph(entry.title),
                paragraph(_count(entry.persons_count)),
                paragraph(RISK_LABELS[entry.risk]),
                paragraph(cnil),
            ]
        )
    widths = (26 * mm, 48 * mm, 30 * mm, 75 * mm, 20 * mm, 24 * mm, 40 * mm)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_grid_style(header_row=True))
    return table


def _block(entry: BreachEntry) -> Flowable:
    def when(moment: datetime | None) -> str:
        return "" if moment is None else format_local(moment, entry.timezone)

    rows = [[paragraph(label, LABEL), paragraph(text or "—")] for label, text in cells(entry, when)[5:]]
    table = Table(rows, colWidths=(70 * mm, 185 * mm))
    table.setStyle(_grid_style(header_row=False))
    heading = paragraph(f"{entry.reference} — {entry.establishment_name} (FINESS EJ {entry.finess_ej})", H2)
    incident = f"Incident {entry.incident_reference}" if entry.incident_reference else "Sans incident associé"
    return KeepTogether([heading, paragraph(f"{incident} ; {_ORIGIN_LABELS[entry.origin]}.", SMALL), table])


def _grid_style(*, header_row: bool) -> TableStyle:
    shaded = ((0, 0), (-1, 0)) if header_row else ((0, 0), (0, -1))
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", shaded[0], shaded[1], colors.whitesmoke),
        ]
    )


def to_pdf(entries: Sequence[BreachEntry], *, scope: str, generated_at: datetime) -> bytes:
    """The register as a printable PDF (landscape A4, French); `scope` says whose register and which years."""
    story: list[Flowable] = [
        paragraph(TITLE, TITLE_STYLE),
        paragraph(scope, H2),
        paragraph(LEGAL_BASIS, BODY),
        paragraph(NUMBERING, SMALL),
        paragraph(f"Édité le {format_local(generated_at)} ; {len(entries)} entrée(s).", SMALL),
        Spacer(1, 4 * mm),
    ]
    if entries:
        story += [_summary(entries), *[_block(entry) for entry in entries]]
    else:
        story.append(paragraph("Aucune violation inscrite pour cette sélection.", BODY))
    return render(
        story,
        title=f"{TITLE} — {scope}",
        subject=LEGAL_BASIS,
        footer=f"ght-soc — {TITLE} — {scope}",
        wide=True,
        margin_mm=15,
        compressed=False,  # plain text streams: a leak test can search them as it searches a page
    )
