"""Text and paragraph styles shared by the hub's French PDFs (declarations, breach register, statistics).

reportlab's standard Helvetica speaks WinAnsi (cp1252): every French character is in it; the few typographic
characters outside it are replaced by near equivalents rather than printed as black boxes.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import Paragraph

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
