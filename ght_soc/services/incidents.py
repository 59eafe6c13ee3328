"""Incidents: opened from alerts or by hand, merged with later alerts, moved through a transition table.

Every change lands on the main courante (ght_soc/services/timeline.py) with its actor and time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import AlertStatus, IncidentCategory, IncidentStatus, Malice, Severity, TimelineKind
from ght_soc.models import Alert, AlertChange, Establishment, Incident, IncidentEstablishment
from ght_soc.models.incident import MILESTONES
from ght_soc.services import observables, timeline

SEVERITY_ORDER = list(Severity)

# Which status may follow which. Reopening goes back to QUALIFIED: the qualification stays, the clocks too.
INCIDENT_TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.OPEN: frozenset(
        {IncidentStatus.QUALIFIED, IncidentStatus.CONTAINED, IncidentStatus.RESOLVED, IncidentStatus.CLOSED}
    ),
    IncidentStatus.QUALIFIED: frozenset({IncidentStatus.CONTAINED, IncidentStatus.RESOLVED}),
    IncidentStatus.CONTAINED: frozenset({IncidentStatus.QUALIFIED, IncidentStatus.RESOLVED}),
    IncidentStatus.RESOLVED: frozenset({IncidentStatus.CONTAINED, IncidentStatus.CLOSED}),
    IncidentStatus.CLOSED: frozenset({IncidentStatus.QUALIFIED}),
}

# The milestone a status stamps when it is first reached (a correction is a separate, explicit change).
STATUS_MILESTONE: dict[IncidentStatus, str] = {
    IncidentStatus.QUALIFIED: "qualified_at",
    IncidentStatus.CONTAINED: "contained_at",
    IncidentStatus.RESOLVED: "resolved_at",
    IncidentStatus.CLOSED: "closed_at",
}

ACTIVE_STATUSES = frozenset(set(IncidentStatus) - {IncidentStatus.CLOSED})


class IncidentError(ValueError):
    """An incident change that cannot be made; the message says why, in words for the user."""


class TransitionError(IncidentError):
    """The requested status cannot follow the current one."""


@dataclass(frozen=True)
class NewIncident:
    title: str
    category: IncidentCategory
    severity: Severity
    establishment_ids: tuple[int, ...]
    description: str = ""
    occurred_at: datetime | None = None
    detected_at: datetime | None = None
    malice: Malice = Malice.UNKNOWN


def open_incident(
    *,
    session: Session,
    new: NewIncident,
    actor: Principal,
    now: datetime,
    alert_ids: Sequence[int] = (),
) -> Incident:
    """Open an incident by hand, or from alerts; the establishments must be in the actor's scope."""
    title = new.title.strip()
    if not title:
        raise IncidentError("an incident needs a title")
    incident = Incident(
        reference=f"pending-{uuid.uuid4().hex[:22]}",
        title=title[:300],
        description=new.description,
        category=new.category,
        severity=new.severity,
        malice=new.malice,
        owner_id=actor.user_id,
        created_by_id=actor.user_id,
        created_at=now,
        occurred_at=new.occurred_at,
        detected_at=new.detected_at or now,
        discovered_at=now,
    )
    session.add(incident)
    session.flush()
    # The reference is numbered by the row id, which no concurrent opener can share.
    incident.reference = f"INC-{now.astimezone(UTC).year}-{incident.id:04d}"
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.OPENED,
        text=f"Incident ouvert : {incident.title}",
        actor=actor,
        now=now,
        data={"category": incident.category.value, "severity": incident.severity.value},
    )
    add_establishments(
        session=session, incident=incident, establishment_ids=new.establishment_ids, actor=actor, now=now
    )
    if alert_ids:
        merge_alerts(session=session, incident=incident, alert_ids=alert_ids, actor=actor, now=now)
    if not incident.establishments:
        raise IncidentError("an incident needs at least one establishment in your scope")
    session.flush()
    return incident


def open_from_alerts(
    *,
    session: Session,
    alert_ids: Sequence[int],
    actor: Principal,
    now: datetime,
    title: str | None = None,
    category: IncidentCategory = IncidentCategory.OTHER,
) -> Incident:
    """Open an incident from alerts: their establishments, worst severity and earliest times carry over."""
    alerts = _visible_alerts(session, alert_ids)
    if not alerts:
        raise IncidentError("none of these alerts is visible to you")
    attached = [a for a in alerts if a.incident_id is not None]
    if attached:
        raise IncidentError(f"alert {attached[0].id} already belongs to an incident")
    new = NewIncident(
        title=title or alerts[0].title,
        category=category,
        severity=max((a.severity for a in alerts), key=SEVERITY_ORDER.index),
        establishment_ids=tuple(
            sorted({a.establishment_id for a in alerts if a.establishment_id is not None})
        ),
        occurred_at=min(a.occurred_at for a in alerts),
        detected_at=min(a.first_seen_at or a.created_at for a in alerts),
    )
    return open_incident(session=session, new=new, actor=actor, now=now, alert_ids=[a.id for a in alerts])


def merge_alerts(
    *, session: Session, incident: Incident, alert_ids: Iterable[int], actor: Principal | None, now: datetime
) -> list[Alert]:
    """Attach alerts to the incident: their establishments join it, new ones are acknowledged, their
    indicators become observables, and each merge is on the timeline."""
    merged = []
    for alert in _visible_alerts(session, alert_ids):
        if alert.incident_id == incident.id:
            continue
        if alert.incident_id is not None:
            raise IncidentError(f"alert {alert.id} already belongs to another incident")
        alert.incident_id = incident.id
        if alert.status == AlertStatus.NEW:
            alert.status = AlertStatus.ACKNOWLEDGED
            alert.changes.append(
                AlertChange(
                    from_status=AlertStatus.NEW,
                    to_status=AlertStatus.ACKNOWLEDGED,
                    actor=actor.display_name if actor else "ght-soc",
                    actor_user_id=actor.user_id if actor else None,
                    at=now,
                    note="rattachée à un incident",
                )
            )
        if alert.establishment_id is not None:
            add_establishments(
                session=session,
                incident=incident,
                establishment_ids=[alert.establishment_id],
                actor=actor,
                now=now,
            )
        timeline.record(
            session=session,
            incident=incident,
            kind=TimelineKind.ALERT,
            text=f"Alerte rattachée : {alert.title}",
            actor=actor,
            now=now,
            data={"alert_id": alert.id, "severity": alert.severity.value},
        )
        if SEVERITY_ORDER.index(alert.severity) > SEVERITY_ORDER.index(incident.severity):
            set_severity(session=session, incident=incident, severity=alert.severity, actor=actor, now=now)
        for indicator in alert.indicators:
            observables.add_from_indicator(
                session=session,
                incident=incident,
                field=indicator.kind,
                value=indicator.value,
                source=f"alert:{alert.id}",
                actor=actor,
                now=now,
            )
        merged.append(alert)
    session.flush()
    return merged


def join_incident_of_earlier_alert(*, session: Session, alert: Alert, now: datetime) -> Incident | None:
    """A new alert whose deduplication key already led to an active incident joins that incident."""
    if alert.dedup_key is None or alert.incident_id is not None:
        return None
    incident = session.scalars(
        select(Incident)
        .join(Alert, Alert.incident_id == Incident.id)
        .where(
            Alert.dedup_key == alert.dedup_key,
            Alert.id != alert.id,
            Incident.status.in_(sorted(ACTIVE_STATUSES)),
        )
        .order_by(Alert.last_seen_at.desc())
        .limit(1)
    ).first()
    if incident is not None:
        merge_alerts(session=session, incident=incident, alert_ids=[alert.id], actor=None, now=now)
    return incident


def add_establishments(
    *,
    session: Session,
    incident: Incident,
    establishment_ids: Iterable[int],
    actor: Principal | None,
    now: datetime,
) -> None:
    """Mark establishments as affected (a shared IS often means several); unknown or out-of-scope ids are ignored."""
    present = {link.establishment_id for link in incident.establishments}
    wanted = sorted(set(establishment_ids) - present)
    if not wanted:
        return
    for establishment in session.scalars(select(Establishment).where(Establishment.id.in_(wanted))):
        incident.establishments.append(IncidentEstablishment(establishment_id=establishment.id, added_at=now))
        timeline.record(
            session=session,
            incident=incident,
            kind=TimelineKind.ESTABLISHMENT,
            text=f"Établissement concerné : {establishment.name}",
            actor=actor,
            now=now,
            data={"establishment": establishment.key},
        )
    session.flush()


def change_status(
    *,
    session: Session,
    incident: Incident,
    to: IncidentStatus,
    actor: Principal | None,
    now: datetime,
    reason: str = "",
) -> None:
    """Move the incident along the transition table; the status's milestone is stamped the first time."""
    if to not in INCIDENT_TRANSITIONS[incident.status]:
        raise TransitionError(f"an incident cannot go from {incident.status.value} to {to.value}")
    before = incident.status
    incident.status = to
    milestone = STATUS_MILESTONE.get(to)
    if milestone and getattr(incident, milestone) is None:
        setattr(incident, milestone, now)
    text = f"Statut : {before.value} → {to.value}" + (f" ({reason.strip()})" if reason.strip() else "")
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.STATUS,
        text=text,
        actor=actor,
        now=now,
        data={"from": before.value, "to": to.value},
    )


def set_severity(
    *, session: Session, incident: Incident, severity: Severity, actor: Principal | None, now: datetime
) -> None:
    if severity == incident.severity:
        return
    before = incident.severity
    incident.severity = severity
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.SEVERITY,
        text=f"Gravité : {before.value} → {severity.value}",
        actor=actor,
        now=now,
        data={"from": before.value, "to": severity.value},
    )


def correct_milestone(
    *,
    session: Session,
    incident: Incident,
    milestone: str,
    value: datetime | None,
    actor: Principal,
    now: datetime,
) -> None:
    """Correct one of the incident's instants (the declaration clocks recompute from it)."""
    if milestone not in MILESTONES:
        raise IncidentError(f"unknown milestone {milestone!r}; known: {', '.join(MILESTONES)}")
    if value is not None and value.tzinfo is None:
        raise IncidentError("instants must carry their time zone")
    before = getattr(incident, milestone)
    setattr(incident, milestone, value.astimezone(UTC) if value else None)
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.FIELD,
        text=f"{milestone} corrigé : {_iso(before)} → {_iso(value)}",
        actor=actor,
        now=now,
        data={"field": milestone, "from": _iso(before), "to": _iso(value)},
    )


def update_fields(
    *,
    session: Session,
    incident: Incident,
    actor: Principal,
    now: datetime,
    title: str | None = None,
    category: IncidentCategory | None = None,
    malice: Malice | None = None,
    description: str | None = None,
) -> None:
    """Change the descriptive fields; each actual change is one timeline entry."""
    changes = {
        "title": title.strip()[:300] if title is not None and title.strip() else None,
        "category": category,
        "malice": malice,
        "description": description,
    }
    for field, value in changes.items():
        if value is None or getattr(incident, field) == value:
            continue
        before = getattr(incident, field)
        setattr(incident, field, value)
        timeline.record(
            session=session,
            incident=incident,
            kind=TimelineKind.FIELD,
            text=f"{field} : {_shown(before)} → {_shown(value)}"
            if field != "description"
            else "Description modifiée",
            actor=actor,
            now=now,
            data={"field": field},
        )


def get(*, session: Session, incident_id: int) -> Incident | None:
    """The incident if it is visible in the session's scope."""
    return session.scalars(select(Incident).where(Incident.id == incident_id)).one_or_none()


@dataclass(frozen=True)
class IncidentFilter:
    status: IncidentStatus | None = None
    active_only: bool = False
    establishment_id: int | None = None
    category: IncidentCategory | None = None


def list_incidents(
    *, session: Session, filters: IncidentFilter = IncidentFilter(), limit: int = 200
) -> Sequence[Incident]:
    """Visible incidents, most recent first."""
    query = select(Incident).order_by(Incident.created_at.desc(), Incident.id.desc()).limit(limit)
    if filters.status is not None:
        query = query.where(Incident.status == filters.status)
    if filters.active_only:
        query = query.where(Incident.status.in_(sorted(ACTIVE_STATUSES)))
    if filters.category is not None:
        query = query.where(Incident.category == filters.category)
    if filters.establishment_id is not None:
        query = query.where(
            Incident.id.in_(
                select(IncidentEstablishment.incident_id).where(
                    IncidentEstablishment.establishment_id == filters.establishment_id
                )
            )
        )
    return session.scalars(query).all()


def counts_by_status(*, session: Session) -> dict[IncidentStatus, int]:
    rows = session.execute(select(Incident.status, func.count()).group_by(Incident.status)).all()
    return {status: count for status, count in rows}


def _visible_alerts(session: Session, alert_ids: Iterable[int]) -> list[Alert]:
    ids = sorted(set(alert_ids))
    if not ids:
        return []
    return list(session.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id)))


def _shown(value: object) -> str:
    return str(getattr(value, "value", value))


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else "—"
