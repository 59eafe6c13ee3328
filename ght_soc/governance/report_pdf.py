"""The governance report as a French PDF (reportlab, no system library): the group or one establishment."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ght_soc.governance.enums import ComplianceStatus
from ght_soc.governance.maturity import band
from ght_soc.governance.report import EstablishmentReport, GroupReport
from ght_soc.governance.wording import ORIGIN_FR, ROLE_FR, STATUS_FR, detail_fr

PARIS = ZoneInfo("Europe/Paris")
BAND_FILL = {
    "low": colors.HexColor("#f4c7c3"),
    "medium": colors.HexColor("#fce8b2"),
    "high": colors.HexColor("#b7e1cd"),
    "none": colors.HexColor("#eeeeee"),
}
STATUS_FILL = {
    ComplianceStatus.MET: BAND_FILL["high"],
    ComplianceStatus.PARTIAL: BAND_FILL["medium"],
    ComplianceStatus.LATE: BAND_FILL["medium"],
    ComplianceStatus.NOT_MET: BAND_FILL["low"],
}


def render_pdf(report: GroupReport, *, single: bool = False) -> bytes:
    """The report as PDF bytes; `single` titles it for one establishment instead of the group."""
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8, leading=10)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title="Rapport de gouvernance cyber",
        pageCompression=0,  # uncompressed: the text stays searchable (and checked by the isolation walk)
        author="ght-soc",
        lang="fr",
    )
    when = report.generated_at.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")
    heading = report.establishments[0].name if single and report.establishments else report.ght_name
    story: list[Flowable] = [
        Paragraph(f"Rapport de gouvernance cyber — {_text(heading)}", styles["Title"]),
        Paragraph(
            f"Établi le {when} (heure de Paris) par ght-soc, à l'attention de l'ARS et du comité "
            "stratégique du GHT.",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Matrice de maturité (score de 0 à 100 par domaine)", styles["Heading2"]),
        _matrix(report, small),
        Spacer(1, 4 * mm),
        _bars(report),
    ]
    if report.overloaded:
        story.append(
            Paragraph("Ressources partagées en surcharge (plus de 100 % de leur temps)", styles["Heading2"])
        )
        for name, total in report.overloaded:
            story.append(Paragraph(f"{_text(name)} : {total:g} %", styles["BodyText"]))
    for establishment in report.establishments:
        story += [PageBreak(), *_establishment(establishment, styles, small)]
    document.build(story)
    return buffer.getvalue()


def _matrix(report: GroupReport, small: ParagraphStyle) -> Table:
    header = ["Établissement", *(d.title for d in report.domains), "Global"]
    rows: list[list[object]] = [[Paragraph(_text(h), small) for h in header]]
    style: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dbe9f7")),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for r, e in enumerate(report.establishments, start=1):
        values = [*(e.scores.by_domain.get(d.key) for d in report.domains), e.scores.overall]
        rows.append([Paragraph(_text(e.short_name), small), *("—" if v is None else str(v) for v in values)])
        for c, v in enumerate(values, start=1):
            style.append(("BACKGROUND", (c, r), (c, r), BAND_FILL[band(v)]))
    widths = [55 * mm] + [(273 - 55) / (len(header) - 1) * mm] * (len(header) - 1)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _bars(report: GroupReport) -> Drawing:
    """The overall score per establishment as horizontal bars."""
    row, label_w, bar_w = 14, 160, 300
    drawing = Drawing(label_w + bar_w + 40, row * len(report.establishments) + 10)
    top = drawing.height - row
    for index, e in enumerate(report.establishments):
        y = top - index * row
        value = e.scores.overall or 0
        drawing.add(String(label_w - 4, y + 3, e.short_name[:40], fontSize=8, textAnchor="end"))
        bar = Rect(label_w, y, value / 100 * bar_w, row - 4)
        bar.fillColor, bar.strokeColor, bar.strokeWidth = BAND_FILL[band(e.scores.overall)], colors.grey, 0.3
        drawing.add(bar)
        drawing.add(
            String(label_w + value / 100 * bar_w + 4, y + 3, str(e.scores.overall or "—"), fontSize=8)
        )
    drawing.add(Line(label_w, 0, label_w, drawing.height, strokeColor=colors.black, strokeWidth=0.5))
    return drawing


def _establishment(e: EstablishmentReport, sheet: StyleSheet1, small: ParagraphStyle) -> list[Flowable]:
    flags = ", ".join(f for f, on in (("établissement support", e.is_support), ("OSE", e.is_ose)) if on)
    story: list[Flowable] = [
        Paragraph(f"{_text(e.name)} (FINESS EJ {e.finess_ej})", sheet["Heading1"]),
        Paragraph(_text(flags) or "&nbsp;", sheet["BodyText"]),
        Paragraph("Qui couvre l'établissement", sheet["Heading2"]),
    ]
    coverage = [["Personne ou prestataire", "Rôle", "Part", "Période", "Acte"]] + [
        [
            c.name,
            ROLE_FR[c.role],
            c.share,
            f"{c.starts_on:%d/%m/%Y} – {c.ends_on:%d/%m/%Y}"
            if c.ends_on
            else f"depuis le {c.starts_on:%d/%m/%Y}",
            c.act_reference,
        ]
        for c in e.coverage
    ]
    story.append(
        _table(coverage, small, [70, 55, 25, 55, 60])
        if e.coverage
        else Paragraph("Aucune désignation enregistrée.", sheet["BodyText"])
    )
    story.append(Paragraph("Obligations et mesures", sheet["Heading2"]))
    rows = [["Intitulé", "Statut", "Origine", "Détail", "Source"]]
    fills = []
    for index, item in enumerate(sorted(e.items, key=lambda i: (i.is_measure, i.key)), start=1):
        rows.append(
            [item.title, STATUS_FR[item.status], ORIGIN_FR[item.origin], detail_fr(item), item.source]
        )
        if item.status in STATUS_FILL:
            fills.append(("BACKGROUND", (1, index), (1, index), STATUS_FILL[item.status]))
    story.append(_table(rows, small, [90, 25, 27, 65, 66], fills))
    return story


def _table(
    rows: Sequence[Sequence[str]],
    small: ParagraphStyle,
    widths_mm: Sequence[int],
    extra: Sequence[Any] = (),
) -> Table:
    table = Table(
        [[Paragraph(_text(cell), small) for cell in row] for row in rows],
        colWidths=[w * mm for w in widths_mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dbe9f7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *extra,
            ]
        )
    )
    return table


def _text(value: str) -> str:
    # Paragraph reads a small markup language: entered text must not be taken for tags.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
