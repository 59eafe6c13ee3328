"""The yearly statistics as a printable French PDF for the GHT's committees: the CSV's lines, section by section.

It reuses the declaration PDF's text helpers (standard Helvetica, WinAnsi-safe text), so no font file ships.
"""

from __future__ import annotations

from itertools import groupby

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from ght_soc.declarations.clocks import format_local
from ght_soc.declarations.pdf_text import BODY, H2, LABEL, SMALL, TITLE, paragraph, render
from ght_soc.declarations.statistics_export import StatisticsReport, lines, percent_text

_WIDTHS = (88 * mm, 18 * mm, 18 * mm, 20 * mm, 26 * mm)


def _table(rows: list[list[Paragraph]]) -> Table:
    table = Table(rows, colWidths=_WIDTHS, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    return table


def render_pdf(report: StatisticsReport) -> bytes:
    """Every indicator of `report`, with its count, denominator, percentage and the national reference."""
    year, national = report.statistics.year, report.national
    heading = ["Indicateur", "Nombre", "Sur", "Pourcentage", f"Réf. nationale {national.year}"]
    story: list[Flowable] = [
        paragraph(f"Déclarations d'incidents de sécurité — statistiques {year}", TITLE),
        paragraph(f"Périmètre : {report.scope_label}"),
        paragraph(
            f"Année du T0 de chaque déclaration, heure de Paris. Préparé le {format_local(report.generated_at)}.",
            SMALL,
        ),
    ]
    for section, items in groupby(lines(report), key=lambda line: line.section):
        rows = [[paragraph(text, LABEL) for text in heading]]
        for line in items:
            of = "" if line.of is None else str(line.of)
            cells = (line.indicator, str(line.count), of, percent_text(line.share), line.national)
            rows.append([paragraph(text, BODY) for text in cells])
        story += [paragraph(section, H2), _table(rows)]
    story.append(paragraph(f"Référence nationale : {national.source}.", SMALL))
    return render(story, title=f"Statistiques des déclarations {year}", margin_mm=15)
