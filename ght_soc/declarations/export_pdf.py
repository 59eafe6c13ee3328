"""A printable French PDF of a declaration document: the paper fallback when the national portal is down.

It carries the regime and its legal basis, the recipient and the fallback channel, the establishment with its
FINESS numbers, every stage's deadline on the establishment's wall clock, every field of the document with its
French label (ruled blank lines where a field is still empty, so it can be completed by hand), and a signature
block for the director or the delegate. The hub never files it: a person does.

Built with reportlab's standard Helvetica (WinAnsi): no font file to ship, every French character available;
the few characters outside that encoding are replaced by near equivalents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from ght_soc.declarations.clocks import StageClock, format_local
from ght_soc.declarations.documents import Draft, display_value
from ght_soc.declarations.fields import FIELDS, SECTION_LABELS, FieldKind
from ght_soc.declarations.pdf_text import H2, LABEL, SMALL, TITLE, paragraph, render
from ght_soc.declarations.qualification import Applicability
from ght_soc.declarations.regimes import Regime

_BLANK = "_" * 70


def _grid(rows: list[list[Flowable]], widths: tuple[float, float]) -> Table:
    table = Table(rows, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
            ]
        )
    )
    return table


def _field_rows(draft: Draft, timezone: str) -> list[Flowable]:
    story: list[Flowable] = []
    section = None
    rows: list[list[Flowable]] = []
    for key in draft.fields:
        spec = FIELDS[key]
        if spec.section != section:
            if rows:
                story.append(_grid(rows, (62 * mm, 108 * mm)))
            story.append(paragraph(SECTION_LABELS[spec.section], H2))
            section, rows = spec.section, []
        label = spec.label + (" *" if key in draft.required else "")
        shown = display_value(key, draft.value(key), timezone)
        if not shown:
            lines = 3 if spec.kind == FieldKind.LONG_TEXT else 1
            shown = "\n".join([_BLANK] * lines)
        rows.append([paragraph(label, LABEL), paragraph(shown)])
    if rows:
        story.append(_grid(rows, (62 * mm, 108 * mm)))
    return story


def _deadlines(clocks: Sequence[StageClock], current: str, timezone: str) -> Table:
    rows: list[list[Flowable]] = [
        [paragraph("Étape", LABEL), paragraph(f"Échéance (heure locale, {timezone})", LABEL)]
    ]
    for clock in clocks:
        stage = clock.stage
        if clock.deadline_at is not None:
            when = format_local(clock.deadline_at, timezone)
        elif clock.starts_at is None:
            when = "à calculer (point de départ non encore connu)"
        else:
            when = "pas d'échéance calculée"
        sla = " — engagement interne du GHT" if stage.internal_sla else ""
        sent = f"\nDéposé le {format_local(clock.sent_at, timezone)}" if clock.sent_at else ""
        marker = " (ce document)" if stage.kind == current else ""
        rows.append(
            [
                paragraph(stage.title + marker),
                paragraph(f"{when}\nTexte : {stage.deadline_wording}{sla}{sent}"),
            ]
        )
    return _grid(rows, (55 * mm, 115 * mm))


def _signature() -> list[Flowable]:
    lines = [
        "Fait à ______________________________, le ____ / ____ / ________ à ____ h ____",
        "Nom et prénom du signataire : ____________________________________________",
        "Qualité : directeur de l'établissement / délégataire (référence de la délégation) : ____________________",
        "Référence de dépôt (portail, ARS ou accusé de réception) : ______________________________",
        "Signature :",
    ]
    return [
        KeepTogether([paragraph("Signature", H2), *[paragraph(line) for line in lines], Spacer(1, 22 * mm)])
    ]


def render_pdf(
    draft: Draft,
    regime: Regime,
    declaration: Applicability,
    clocks: Sequence[StageClock],
    *,
    timezone: str,
    generated_at: datetime,
) -> bytes:
    """The document as a printable PDF (A4, French); `clocks` are the declaration's stage clocks."""
    stage = regime.stage(draft.stage)
    story: list[Flowable] = [
        paragraph(regime.title, TITLE),
        paragraph(f"{stage.title} — {declaration.establishment_name}", H2),
        paragraph("Base légale", H2),
        *[paragraph(f"{s.reference}" + (f" : {s.title}" if s.title else "")) for s in regime.legal_sources],
        paragraph("Destinataire", H2),
        paragraph(f"{regime.recipient.name} — {regime.recipient.channel}"),
    ]
    if regime.recipient.fallback:
        story.append(paragraph(f"À défaut : {regime.recipient.fallback}"))
    story += [
        paragraph("Établissement déclarant", H2),
        paragraph(f"{declaration.establishment_name} — FINESS EJ {declaration.finess_ej}"),
        paragraph("FINESS ET : " + (", ".join(declaration.finess_et) or "non renseigné")),
        paragraph(
            f"Assujettissement : {declaration.bound_reason} ; motifs : " + " ; ".join(declaration.reasons)
        ),
        paragraph("Échéances", H2),
        _deadlines(clocks, stage.kind, timezone),
        *_field_rows(draft, timezone),
        Spacer(1, 3 * mm),
        paragraph("* champ obligatoire ; les lignes vides sont à compléter à la main.", SMALL),
        *_signature(),
    ]
    return render(
        story,
        title=f"{regime.title} — {declaration.establishment_name}",
        subject=stage.title,
        footer=f"ght-soc — {regime.short_title} — document préparé le {format_local(generated_at, timezone)}",
        margin_mm=20,
    )
