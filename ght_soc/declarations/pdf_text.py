"""What the hub's French PDFs share (declarations, breach register, statistics): text, styles, the document.

reportlab's standard Helvetica speaks WinAnsi (cp1252): every French character is in it; the few typographic
characters outside it are replaced by near equivalents rather than printed as black boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

_REPLACEMENTS = str.maketrans({"\u202f": " ", "\u2009": " ", "→": "->", "≤": "<=", "≥": ">=", "✓": "x"})

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("title", parent=_styles["Title"], fontSize=15, leading=19)
H2 = ParagraphStyle("h2", parent=_styles["Heading2"], fontSize=11.5, spaceBefore=8, spaceAfter=3)
BODY = ParagraphStyle("body", parent=_styles["BodyText"], fontSize=9, leading=11.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9, textColor=colors.grey)
LABEL = ParagraphStyle("label", parent=BODY, fontName="Helvetica-Bold")


def latin(value: str) -> str:
    """Stay inside the WinAnsi encoding of the standard fonts."""
    return value.translate(_REPLACEMENTS).encode("cp1252", errors="replace").decode("cp1252")


def markup(value: str) -> str:
    """Escape for reportlab's paragraph markup, keeping line breaks."""
    return escape(latin(value)).replace("\n", "<br/>")


def paragraph(value: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(markup(value), style)


def render(
    story: Sequence[Flowable],
    *,
    title: str,
    footer: str = "",
    subject: str = "",
    wide: bool = False,
    margin_mm: float = 18,
    compressed: bool = True,
) -> bytes:
    """An A4 document (landscape when `wide`) with the hub's metadata, and a footer line with the page number
    on every page when one is given. `compressed=False` keeps the text streams plain (searchable as bytes)."""
    size = landscape(A4) if wide else A4

    def on_page(canvas: Canvas, document: SimpleDocTemplate) -> None:
        if not footer:
            return
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(margin_mm * mm, margin_mm / 2 * mm, latin(footer))
        canvas.drawRightString(size[0] - margin_mm * mm, margin_mm / 2 * mm, f"page {document.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=margin_mm * mm,
        rightMargin=margin_mm * mm,
        topMargin=margin_mm * mm,
        bottomMargin=margin_mm * mm,
        title=latin(title),
        author="ght-soc",
        subject=latin(subject),
        lang="fr-FR",
        pageCompression=1 if compressed else 0,
    )
    document.build(list(story), onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
