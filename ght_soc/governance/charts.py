"""Charts as inline SVG, drawn on the server from data: the pages' CSP forbids scripts, and no library is needed.

Colours are presentation attributes (the CSP also forbids inline `style`); every chart carries a title and
a text alternative, and the page shows the same figures in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

PALETTE = ("#0b5394", "#b45f06", "#38761d", "#741b47", "#134f5c", "#990000", "#7f6000", "#351c75")
BAND_COLOURS = {"low": "#b3261e", "medium": "#9a6700", "high": "#1a7f37", "none": "#8c959f"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    colour: str = PALETTE[0]


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[date, float]]


def bar_chart(
    bars: Sequence[Bar], *, title: str, maximum: float = 100, marker: float | None = None, unit: str = "%"
) -> str:
    """Horizontal bars, one per label; `marker` draws a dashed line (e.g. the 100 % of a full time)."""
    label_width, bar_width, row = 220, 360, 26
    top = max([maximum] + [b.value or 0 for b in bars] + ([marker] if marker else []))
    height = row * len(bars) + 30
    width = label_width + bar_width + 70
    parts = [_open(width, height, title)]
    for index, bar in enumerate(bars):
        y = 10 + index * row
        length = 0 if bar.value is None else bar.value / top * bar_width
        text = "—" if bar.value is None else f"{bar.value:g} {unit}".strip()
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" font-size="12">{_cut(bar.label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" fill="{bar.colour}">'
            f"<title>{escape(bar.label)} : {escape(text)}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + 16}" font-size="12">{escape(text)}</text>'
        )
    if marker is not None:
        x = label_width + marker / top * bar_width
        parts.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 18}" stroke="#b3261e" '
            f'stroke-dasharray="4 3"/><text x="{x:.1f}" y="{height - 4}" font-size="11" '
            f'text-anchor="middle" fill="#b3261e">{marker:g} {unit}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(series: Sequence[Series], *, title: str, maximum: float = 100) -> str:
    """One line per series over time (0 to `maximum`), with a legend; empty series are left out."""
    kept = [s for s in series if s.points]
    width, height, left, plot_h = 640, 260, 40, 180
    plot_w = width - left - 180
    days = sorted({p[0] for s in kept for p in s.points})
    parts = [_open(width, height, title)]
    for value in (0, 50, 100):
        y = 10 + plot_h - value / maximum * plot_h
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#d0d7de"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{value}</text>'
        )
    if days:
        first, span = days[0], max(1, (days[-1] - days[0]).days)
        for label_day in (days[0], days[-1]):
            x = left + (label_day - first).days / span * plot_w
            parts.append(
                f'<text x="{x:.1f}" y="{10 + plot_h + 18}" font-size="11" text-anchor="middle">'
                f"{label_day.strftime('%m/%Y')}</text>"
            )
        for index, s in enumerate(kept):
            colour = PALETTE[index % len(PALETTE)]
            points = " ".join(
                f"{left + (d - first).days / span * plot_w:.1f},{10 + plot_h - v / maximum * plot_h:.1f}"
                for d, v in sorted(s.points)
            )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
                f"<title>{escape(s.label)}</title></polyline>"
            )
            legend_y = 14 + index * 18
            parts.append(
                f'<rect x="{left + plot_w + 14}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{left + plot_w + 30}" y="{legend_y}" font-size="11">{_cut(s.label, 24)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" font-family="system-ui, sans-serif">'
        f"<title>{escape(title)}</title>"
    )


def _cut(text: str, length: int = 32) -> str:
    return escape(text if len(text) <= length else text[: length - 1] + "…")
