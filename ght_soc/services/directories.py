"""Applying an LDAP sync to an establishment's inventory: objects, findings and change alerts.

The rule that matters: only a complete full sync concludes that an object is gone. An incomplete sync
(failed, partial, size-limited) updates what it read and nothing else; findings are only recomputed from a
complete view of the directory.

Nearly every object is unchanged at every sync, so the rows are compared by digest and never loaded as ORM
objects (ght_soc/services/directory_rows.py): an unchanged object costs no write but its `last_seen_at`,
and only the rows that changed or vanished are decoded, to be the "before" of the change alerts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.ldap.changes import DirectoryChange, changes
from connectors.ldap.hygiene import HygieneThresholds, findings, privileged_members
from connectors.ldap.records import DirectoryRecord, SyncSummary
from ght_soc.domain import AlertSeverity
from ght_soc.models import Alert, DirectoryFinding
from ght_soc.scoping import scope_of
from ght_soc.services.alerts import NewAlert, ingest_alert
from ght_soc.services.directory_rows import CHUNK, DirectoryRows, StoredKey, digest_of

ALERT_SOURCE = "ldap"
_SEVERITY = {"medium": AlertSeverity.MEDIUM, "high": AlertSeverity.HIGH, "critical": AlertSeverity.CRITICAL}


class OutOfScopeError(PermissionError):
    """The session's scope does not include the establishment whose directory is being applied."""


@dataclass(frozen=True)
class DirectorySyncResult:
    stored: int
    deleted: int
    findings: int
    alerts_created: int


def apply_sync(
    *,
    session: Session,
    establishment_id: int,
    directory: str,
    records: Sequence[DirectoryRecord],
    summary: SyncSummary,
    now: datetime,
    thresholds: HygieneThresholds | None = None,
) -> DirectorySyncResult:
    """Store one sync's records in the inventory, then its findings and the alerts of what changed.

    Flushes, never commits. The rows are written by Core statements, which the scoping hook does not
    restrict: an establishment outside the session's scope is refused here (OutOfScopeError).
    """
    if not scope_of(session).allows(establishment_id):
        raise OutOfScopeError(f"establishment {establishment_id} is outside this session's scope")
    table = DirectoryRows(session, establishment_id, directory)
    stored = table.keys()
    current = {record.dn.lower(): record for record in records}  # of two spellings of a DN, the last wins
    to_write, unchanged = _compare(current, stored)
    previous = _previous(table, stored, current, unchanged)
    complete_full = summary.complete and summary.mode == "full"
    view = current if complete_full else {**previous, **current}
    privileged = privileged_members(view.values()).keys()

    table.write(((dn, current[dn], digest, dn in privileged) for dn, digest in to_write.items()), stored, now)
    gone = {dn for dn, row in stored.items() if row.alive and dn not in current} if complete_full else set()
    table.set(gone, deleted_at=now, privileged=False)
    if complete_full:
        table.touch_alive(now)  # one statement for the tens of thousands of unchanged rows
    else:
        table.set(unchanged, last_seen_at=now)
    became, ceased = _privilege_changes(stored, to_write.keys() | gone, privileged)
    table.set(became, privileged=True)
    table.set(ceased, privileged=False)

    found = 0
    if summary.complete:
        found = _record_findings(
            session, establishment_id, directory, list(view.values()), now, thresholds or HygieneThresholds()
        )
    created = 0
    if previous:  # a first sync has no "before": everything would look new
        found_changes = changes(list(previous.values()), list(view.values()))
        created = _raise(session, establishment_id, directory, found_changes, now)
    session.flush()
    return DirectorySyncResult(stored=len(records), deleted=len(gone), findings=found, alerts_created=created)


def _compare(
    current: dict[str, DirectoryRecord], stored: dict[str, StoredKey]
) -> tuple[dict[str, str], set[str]]:
    """(DN → digest of the records to write: new, changed or back after a deletion; DNs of the unchanged)."""
    to_write: dict[str, str] = {}
    unchanged: set[str] = set()
    for dn, record in current.items():
        digest = digest_of(record)
        row = stored.get(dn)
        if row is None or row.digest != digest or not row.alive:
            to_write[dn] = digest
        else:
            unchanged.add(dn)
    return to_write, unchanged


def _previous(
    table: DirectoryRows,
    stored: dict[str, StoredKey],
    current: dict[str, DirectoryRecord],
    unchanged: set[str],
) -> dict[str, DirectoryRecord]:
    """The directory before this sync: an unchanged row is its current record, only the others are decoded."""
    previous = {dn: current[dn] for dn in unchanged}
    previous.update(table.records({dn for dn, row in stored.items() if row.alive and dn not in unchanged}))
    return previous


def _privilege_changes(
    stored: dict[str, StoredKey], written: Collection[str], privileged: Collection[str]
) -> tuple[set[str], set[str]]:
    """The rows not written by this sync whose privileged flag is now wrong: (to set, to clear)."""
    became: set[str] = set()
    ceased: set[str] = set()
    for dn, row in stored.items():
        if dn in written:
            continue  # written with their flag, or deleted (never privileged)
        now_privileged = row.alive and dn in privileged
        if now_privileged != row.privileged:
            (became if now_privileged else ceased).add(dn)
    return became, ceased


def _record_findings(
    session: Session,
    establishment_id: int,
    directory: str,
    view: list[DirectoryRecord],
    now: datetime,
    thresholds: HygieneThresholds,
) -> int:
    current = {f.id: f for f in findings(view, now, thresholds)}
    rows = {
        r.finding: r
        for r in session.scalars(
            select(DirectoryFinding).where(
                DirectoryFinding.establishment_id == establishment_id, DirectoryFinding.directory == directory
            )
        )
    }
    for identifier, finding in current.items():
        row = rows.get(identifier)
        if row is None:
            row = DirectoryFinding(
                establishment_id=establishment_id, directory=directory, finding=identifier, first_seen_at=now
            )
            session.add(row)
        row.severity, row.title, row.explanation = finding.severity, finding.title, finding.explanation
        objects = list(finding.objects)  # inactive accounts: tens of thousands of DNs, mostly the same
        if row.objects != objects:
            row.objects = objects
        row.updated_at, row.resolved_at = now, None
    for identifier, row in rows.items():
        if identifier not in current and row.resolved_at is None:
            row.resolved_at = now
    return len(current)


def _raise(
    session: Session, establishment_id: int, directory: str, found: list[DirectoryChange], now: datetime
) -> int:
    """Ingest the alerts of these changes; those already raised (same reference) are looked up at once."""
    alerts = {alert.source_ref: alert for alert in (_alert(directory, change, now) for change in found)}
    references = sorted(alerts)
    raised: set[str] = set()
    for start in range(0, len(references), CHUNK):
        raised.update(
            session.scalars(
                select(Alert.source_ref).where(
                    Alert.establishment_id == establishment_id,
                    Alert.source == ALERT_SOURCE,
                    Alert.source_ref.in_(references[start : start + CHUNK]),
                )
            )
        )
    created = 0
    for reference, alert in alerts.items():
        if reference not in raised:
            created += int(ingest_alert(session=session, establishment_id=establishment_id, alert=alert)[1])
    return created


def _alert(directory: str, change: DirectoryChange, now: datetime) -> NewAlert:
    key = hashlib.sha256("|".join((change.kind, *change.objects, *change.groups)).encode()).hexdigest()[:24]
    return NewAlert(
        source=ALERT_SOURCE,
        source_ref=f"{directory}:{change.kind}:{key}",
        title=change.title,
        severity=_SEVERITY[change.severity],
        occurred_at=now,
        description=f"Annuaire {directory} : " + ", ".join(change.objects[:20]),
        raw={"kind": change.kind, "objects": list(change.objects), "groups": list(change.groups)},
    )
