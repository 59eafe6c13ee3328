"""Sources of automatic evidence: each reads one connector's findings from the hub's tables.

Adding a source (SNMP device findings, late declarations) is one class with `observe` and one entry in
EVIDENCE_SOURCES; the catalogue's `automatic:` patterns name its findings by their prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc.governance.evidence import Observations, SourceFinding
from ght_soc.models import DirectoryFinding, DirectoryObject


class EvidenceSource(Protocol):
    """One connector's view: where it looked, and the findings it holds open (within the session's scope)."""

    name: str

    def observe(self, *, session: Session) -> Observations: ...


class DirectoryFindings:
    """The LDAP/Active Directory hygiene findings; an establishment counts as looked at once it has objects."""

    name = "ldap"
    label = "Annuaire (LDAP)"

    def observe(self, *, session: Session) -> Observations:
        coverage = {
            establishment_id: seen_at
            for establishment_id, seen_at in session.execute(
                select(DirectoryObject.establishment_id, func.max(DirectoryObject.last_seen_at)).group_by(
                    DirectoryObject.establishment_id
                )
            )
        }
        findings = [
            SourceFinding(row.establishment_id, row.finding, row.title)
            for row in session.scalars(select(DirectoryFinding).where(DirectoryFinding.resolved_at.is_(None)))
        ]
        return Observations(source=self.name, label=self.label, coverage=coverage, findings=findings)


EVIDENCE_SOURCES: tuple[EvidenceSource, ...] = (DirectoryFindings(),)


def observe_all(
    *, session: Session, sources: Sequence[EvidenceSource] = EVIDENCE_SOURCES
) -> list[Observations]:
    """What every source says now."""
    return [source.observe(session=session) for source in sources]
