"""Maturity scores: per establishment and domain, the share of applicable items met (0-100)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ght_soc.governance.enums import ComplianceStatus
from ght_soc.governance.status import ItemStatus

# Late evidence and partial measures count half: the work exists, it needs renewing or completing.
POINTS: dict[ComplianceStatus, float] = {
    ComplianceStatus.MET: 1.0,
    ComplianceStatus.PARTIAL: 0.5,
    ComplianceStatus.LATE: 0.5,
    ComplianceStatus.NOT_MET: 0.0,
    ComplianceStatus.UNKNOWN: 0.0,
}


@dataclass(frozen=True)
class Scores:
    """Domain key → score (None when nothing of the domain applies), and the overall score."""

    by_domain: Mapping[str, int | None]
    overall: int | None


def score(statuses: Iterable[ItemStatus], domains: Iterable[str]) -> Scores:
    """Score each domain; the overall score weighs every counted item equally."""
    points: defaultdict[str, float] = defaultdict(float)
    counts: defaultdict[str, int] = defaultdict(int)
    for item in statuses:
        if item.status is ComplianceStatus.NOT_APPLICABLE:
            continue
        points[item.domain] += POINTS[item.status]
        counts[item.domain] += 1
    by_domain = {d: (round(100 * points[d] / counts[d]) if counts[d] else None) for d in domains}
    total = sum(counts.values())
    overall = round(100 * sum(points.values()) / total) if total else None
    return Scores(by_domain=by_domain, overall=overall)


def band(value: int | None) -> str:
    """A coarse band for colouring: none, low (< 40), medium (< 70), high."""
    if value is None:
        return "none"
    if value < 40:
        return "low"
    return "medium" if value < 70 else "high"
