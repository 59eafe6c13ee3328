"""Sources of automatic evidence: each reads one connector's findings from the hub's tables.

Adding a source (SNMP device findings, late declarations) is one class with `observe` and one entry in
EVIDENCE_SOURCES; the catalogue's `automatic:` patterns name its findings by their prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc import clock
from ght_soc.governance.evidence import Observations, SourceFinding
from ght_soc.models import Declaration, DeviceFinding, DirectoryFinding, DirectoryObject, NetworkDevice
from ght_soc.models.declaration import DeclarationStatus


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


class DeviceFindings:
    """The SNMP hygiene findings (default community, no SNMPv3, vulnerable firmware); looked at once polled."""

    name = "snmp"
    label = "Équipements réseau (SNMP)"

    def observe(self, *, session: Session) -> Observations:
        coverage = {
            establishment_id: polled_at
            for establishment_id, polled_at in session.execute(
                select(NetworkDevice.establishment_id, func.max(NetworkDevice.last_polled_at)).group_by(
                    NetworkDevice.establishment_id
                )
            )
        }
        findings = [
            SourceFinding(row.establishment_id, f"snmp.{row.kind}", f"{row.kind} : {row.device.address}")
            for row in session.scalars(select(DeviceFinding).where(DeviceFinding.resolved_at.is_(None)))
        ]
        return Observations(source=self.name, label=self.label, coverage=coverage, findings=findings)


LATE_LOOKBACK = timedelta(days=365)


class LateDeclarations:
    """National declarations past their deadline within the last year: still not filed, or filed late."""

    name = "declarations"
    label = "Déclarations nationales"

    def observe(self, *, session: Session) -> Observations:
        now = clock.now()
        rows = session.scalars(
            select(Declaration).where(
                Declaration.deadline_at.is_not(None),
                Declaration.deadline_at >= now - LATE_LOOKBACK,
                Declaration.status != DeclarationStatus.OBSOLETE,
            )
        ).all()
        coverage = {row.establishment_id: now for row in rows}
        findings = [
            SourceFinding(
                row.establishment_id, "declarations.late", f"{row.regime_id} ({row.stage}) en retard"
            )
            for row in rows
            if row.deadline_at is not None
            and (
                (row.sent_at or now) > row.deadline_at
                if row.status == DeclarationStatus.SENT
                else now > row.deadline_at
            )
        ]
        return Observations(source=self.name, label=self.label, coverage=coverage, findings=findings)


EVIDENCE_SOURCES: tuple[EvidenceSource, ...] = (DirectoryFindings(), DeviceFindings(), LateDeclarations())


def observe_all(
    *, session: Session, sources: Sequence[EvidenceSource] = EVIDENCE_SOURCES
) -> list[Observations]:
    """What every source says now."""
    return [source.observe(session=session) for source in sources]
