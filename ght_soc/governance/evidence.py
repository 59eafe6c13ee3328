"""Automatic evidence: connector findings turned into a status per item, with their source named.

A source (the LDAP directory sync, later SNMP and the declarations module) reports which establishments it
has looked at and the findings it holds open there. An item listing finding patterns of that source is
NOT_MET where a matching finding is open, MET where the source looked and found nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ght_soc.governance.catalogue import Catalogue, matches
from ght_soc.governance.enums import ComplianceStatus
from ght_soc.governance.status import AutoEvidence


@dataclass(frozen=True)
class SourceFinding:
    establishment_id: int
    finding: str  # the stable identifier, e.g. ldap.privileged_kerberoastable
    title: str


@dataclass(frozen=True)
class Observations:
    """What one source says: where it looked last (establishment id → when) and its open findings."""

    source: str  # the identifiers' prefix, e.g. "ldap"
    label: str  # shown next to the status
    coverage: Mapping[int, datetime]
    findings: Sequence[SourceFinding]


def automatic_evidence(
    catalogue: Catalogue, observations: Sequence[Observations]
) -> dict[int, dict[str, AutoEvidence]]:
    """Establishment id → item key → the connectors' verdict, for every item that lists patterns."""
    result: dict[int, dict[str, AutoEvidence]] = {}
    for key, patterns in catalogue.automatic_patterns():
        prefixes = {p.split(".", 1)[0] for p in patterns}
        for source in (o for o in observations if o.source in prefixes):
            for establishment_id, seen_at in source.coverage.items():
                found = tuple(
                    f.title
                    for f in source.findings
                    if f.establishment_id == establishment_id and any(matches(p, f.finding) for p in patterns)
                )
                _merge(result.setdefault(establishment_id, {}), key, source.label, found, seen_at)
    return result


def _merge(
    items: dict[str, AutoEvidence], key: str, label: str, found: tuple[str, ...], seen_at: datetime
) -> None:
    before = items.get(key)
    sources = (*before.sources, label) if before else (label,)
    findings = (*before.findings, *found) if before else found
    observed = max(seen_at, before.observed_at) if before else seen_at
    status = ComplianceStatus.NOT_MET if findings else ComplianceStatus.MET
    items[key] = AutoEvidence(key, status, sources, findings, observed)
