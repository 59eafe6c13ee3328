"""Applying an LDAP sync to an establishment's inventory: objects, findings and change alerts.

The rule that matters: only a complete full sync concludes that an object is gone. An incomplete sync
(failed, partial, size-limited) updates what it read and nothing else; findings are only recomputed from a
complete view of the directory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.ldap.changes import DirectoryChange, changes
from connectors.ldap.hygiene import HygieneThresholds, findings, privileged_members
from connectors.ldap.records import DirectoryAccount, DirectoryGroup, DirectoryRecord, SyncSummary
from ght_soc.domain import AlertSeverity
from ght_soc.models import DirectoryFinding, DirectoryObject
from ght_soc.services.alerts import NewAlert, ingest_alert

ALERT_SOURCE = "ldap"
_SEVERITY = {"medium": AlertSeverity.MEDIUM, "high": AlertSeverity.HIGH, "critical": AlertSeverity.CRITICAL}
_ACCOUNT_FIELDS = tuple(f.name for f in fields(DirectoryAccount))
_GROUP_FIELDS = tuple(f.name for f in fields(DirectoryGroup))


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
    existing = {
        o.dn: o
        for o in session.scalars(
            select(DirectoryObject).where(
                DirectoryObject.establishment_id == establishment_id, DirectoryObject.directory == directory
            )
        )
    }
    previous = [_record(o) for o in existing.values() if o.deleted_at is None]
    view = {r.dn.lower(): r for r in previous}
    for record in records:
        view[record.dn.lower()] = record
        _store(session, existing, establishment_id, directory, record, now)
    deleted = 0
    if summary.complete and summary.mode == "full":
        seen = {r.dn.lower() for r in records}
        for dn, row in existing.items():
            if dn not in seen and row.deleted_at is None:
                row.deleted_at = now
                view.pop(dn, None)
                deleted += 1
    privileged = privileged_members(view.values())
    for dn, row in existing.items():
        now_privileged = dn in privileged and row.deleted_at is None
        if row.privileged != now_privileged:  # unchanged for nearly every row: no attribute event
            row.privileged = now_privileged
    found = 0
    if summary.complete:
        found = _record_findings(
            session, establishment_id, directory, list(view.values()), now, thresholds or HygieneThresholds()
        )
    created = 0
    if previous:  # a first sync has no "before": everything would look new
        for change in changes(previous, list(view.values())):
            created += _raise(session, establishment_id, directory, change, now)
    session.flush()
    return DirectorySyncResult(stored=len(records), deleted=deleted, findings=found, alerts_created=created)


def _store(
    session: Session,
    existing: dict[str, DirectoryObject],
    establishment_id: int,
    directory: str,
    record: DirectoryRecord,
    now: datetime,
) -> None:
    dn = record.dn.lower()
    row = existing.get(dn)
    if row is None:
        row = DirectoryObject(
            establishment_id=establishment_id, directory=directory, dn=dn, first_seen_at=now, last_seen_at=now
        )
        session.add(row)
        existing[dn] = row
    kind: str
    if isinstance(record, DirectoryAccount):
        kind, name, enabled = record.kind, record.login, record.enabled
        last_logon, password_last_set = record.last_logon, record.password_last_set
    else:
        kind, name, enabled, last_logon, password_last_set = "group", record.name, True, None, None
    values = {
        "kind": kind,
        "name": name,
        "sid": record.sid,
        "enabled": enabled,
        "last_logon_at": last_logon,
        "password_last_set_at": password_last_set,
        "attributes": _serialised(record),
        "last_seen_at": now,
        "deleted_at": None,
    }
    # Only what changed is set: an unchanged directory is most of every sync, and each ORM attribute set
    # costs an event and a history entry (an equal value would not be written anyway).
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _serialised(record: DirectoryRecord) -> dict[str, Any]:
    # Field by field rather than dataclasses.asdict, which deep-copies every value (half the time of applying
    # a full sync went there): the values are immutable already.
    data: dict[str, Any] = {}
    for name in _ACCOUNT_FIELDS if isinstance(record, DirectoryAccount) else _GROUP_FIELDS:
        value = getattr(record, name)
        data[name] = (
            value.isoformat()
            if isinstance(value, datetime)
            else list(value)
            if isinstance(value, tuple)
            else value
        )
    return data


def _record(row: DirectoryObject) -> DirectoryRecord:
    data = dict(row.attributes)
    if row.kind == "group":
        return DirectoryGroup(
            establishment=data["establishment"],
            dn=data["dn"],
            name=data.get("name"),
            sid=data.get("sid"),
            members=tuple(data.get("members", ())),
        )
    for name in ("last_logon", "password_last_set", "modified"):
        data[name] = datetime.fromisoformat(data[name]) if data.get(name) else None
    for name in ("service_principal_names", "member_of"):
        data[name] = tuple(data.get(name, ()))
    return DirectoryAccount(**data)


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
        row.objects = list(finding.objects)
        row.updated_at, row.resolved_at = now, None
    for identifier, row in rows.items():
        if identifier not in current and row.resolved_at is None:
            row.resolved_at = now
    return len(current)


def _raise(
    session: Session, establishment_id: int, directory: str, change: DirectoryChange, now: datetime
) -> int:
    digest = hashlib.sha256("|".join((change.kind, *change.objects, *change.groups)).encode()).hexdigest()[
        :24
    ]
    _, created = ingest_alert(
        session=session,
        establishment_id=establishment_id,
        alert=NewAlert(
            source=ALERT_SOURCE,
            source_ref=f"{directory}:{change.kind}:{digest}",
            title=change.title,
            severity=_SEVERITY[change.severity],
            occurred_at=now,
            description=f"Annuaire {directory} : " + ", ".join(change.objects[:20]),
            raw={"kind": change.kind, "objects": list(change.objects), "groups": list(change.groups)},
        ),
    )
    return int(created)
