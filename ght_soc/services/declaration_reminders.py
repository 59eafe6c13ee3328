"""Declaration reminders: what the scheduler calls with `now`, mailing before each deadline and when overdue.

Each run looks at every document not yet sent, computes its clock afresh (a corrected T0, a resolved incident
or a stage just sent move it) and mails the latest reminder that has come due, once: the outbox's idempotency
key names the document, its deadline and the reminder's instant, so a second run, a second scheduler or a
crash between runs sends nothing twice, while a moved deadline gets its own reminders. A scheduler that was
down only sends the latest reminder missed, not the whole backlog. Past the deadline, the overdue notice is
repeated every `overdue_repeat` (none when zero).

Recipients: the establishment's director and delegates in force (their mandates' addresses), the declarants
(DECLARANT role) of the establishment, the DPO, the GHT RSSI and whoever holds the
on-call chain at `now`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.declarations.clocks import ReminderKind, StageClock, format_local
from ght_soc.domain import Role, TimelineKind
from ght_soc.models import Declaration, Incident, Notification, RoleAssignment, User
from ght_soc.services import timeline
from ght_soc.services.declarant_mandates import as_mandate, rows_of
from ght_soc.services.declarations import (
    UNSENT,
    DeclarationContext,
    declarations_of,
    group_clocks,
    groups,
    row_clock,
)
from ght_soc.services.notifications import enqueue_mail
from ght_soc.services.oncall import escalation_chain

log = logging.getLogger(__name__)
REMINDED_ROLES = (Role.DECLARANT, Role.DPO, Role.GHT_RSSI)


@dataclass(frozen=True, slots=True)
class DueReminder:
    at: datetime
    overdue: bool
    label: str  # French


def latest_due(clock: StageClock, now: datetime, overdue_repeat: timedelta) -> DueReminder | None:
    """The most recent reminder of `clock` at or before `now`, the repeated overdue notices included."""
    if clock.sent_at is not None or clock.deadline_at is None:
        return None
    due = [r for r in clock.reminders() if r.at <= now]
    if not due:
        return None
    last = due[-1]
    found = DueReminder(last.at, last.kind == ReminderKind.OVERDUE, last.label)
    if found.overdue and overdue_repeat > timedelta(0):
        repeats = (now - clock.deadline_at) // overdue_repeat
        if repeats >= 1:
            at = clock.deadline_at + repeats * overdue_repeat
            found = DueReminder(at, True, f"échéance dépassée depuis {_duration(at - clock.deadline_at)}")
    return found


def _duration(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    return f"{hours // 24} j {hours % 24} h" if hours >= 24 else f"{hours} h"


def recipients(session: Session, *, establishment_id: int, now: datetime) -> list[str]:
    """The mail addresses to remind for one establishment's declaration, without duplicates."""
    people = session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role.in_(REMINDED_ROLES),
            (RoleAssignment.establishment_id.is_(None))
            | (RoleAssignment.establishment_id == establishment_id),
            User.is_active.is_(True),
        )
        .order_by(User.id)
    ).all()
    addresses = _mandate_holders(session, establishment_id, now)
    addresses += [u.email for u in people if u.email]
    addresses += [p.email for p in escalation_chain(session, at=now) if p.email]
    return list(dict.fromkeys(addresses))


def _mandate_holders(session: Session, establishment_id: int, now: datetime) -> list[str]:
    """The director and the delegates in force, first: they are the ones who file. A mandate is dated on the
    establishment's calendar, but a day's difference at midnight does not matter for whom a reminder reaches."""
    day = now.date()
    return [
        address
        for row in rows_of(session=session, establishment_id=establishment_id)
        if as_mandate(row).holds_on(day)
        for address in [row.email or (row.user.email if row.user else None)]
        if address
    ]


def send_due_reminders(*, session: Session, context: DeclarationContext, now: datetime) -> list[Notification]:
    """Queue the reminders due at `now` (idempotent) and refresh the cached deadlines; returns new mails."""
    incident_ids = session.scalars(
        select(Declaration.incident_id).where(Declaration.status.in_(UNSENT)).distinct()
    ).all()
    queued: list[Notification] = []
    for incident_id in sorted(incident_ids):
        incident = session.get_one(Incident, incident_id)
        for (regime_id, _), rows in groups(declarations_of(session=session, incident=incident)).items():
            clocks = group_clocks(rows, context.regimes[regime_id], incident, context)
            for row in rows:
                clock = row_clock(row, clocks)
                row.starts_at, row.deadline_at = clock.starts_at, clock.deadline_at
                if row.status in UNSENT:
                    mail = _remind(session, incident, row, clock, context, now)
                    queued += [mail] if mail is not None else []
    session.flush()
    return queued


def _remind(
    session: Session,
    incident: Incident,
    row: Declaration,
    clock: StageClock,
    context: DeclarationContext,
    now: datetime,
) -> Notification | None:
    due = latest_due(clock, now, context.overdue_repeat)
    if due is None or clock.deadline_at is None:
        return None
    key = f"declaration:{row.id}:{clock.deadline_at.isoformat()}:{due.at.isoformat()}"
    if session.scalars(select(Notification.id).where(Notification.idempotency_key == key)).first():
        return None
    to = recipients(session, establishment_id=row.establishment_id, now=now)
    if not to:
        log.warning("declaration %d: reminder due but nobody to mail", row.id)
        return None
    regime = context.regimes[row.regime_id]
    zone = context.timezone(row.establishment.key)
    deadline = format_local(clock.deadline_at, zone)
    what = f"{regime.short_title} — {clock.stage.title} — {row.establishment.name}"
    head = "ÉCHÉANCE DÉPASSÉE" if due.overdue else "Rappel"
    body = "\n".join(
        [
            f"{head} : {what}",
            f"Incident {incident.reference} : {incident.title}",
            f"Échéance : {deadline} ({clock.stage.deadline_wording})",
            f"Rappel : {due.label}",
            f"Destinataire de la déclaration : {regime.recipient.name} — {regime.recipient.channel}",
            f"État du document : {row.status.value}",
            *([f"Document : {context.public_url}/declarations/{row.id}"] if context.public_url else []),
            "",
            "Le hub ne dépose rien lui-même : la déclaration est déposée par le directeur ou son délégataire,",
            "puis enregistrée dans ght-soc avec la référence du dépôt.",
        ]
    )
    mail = enqueue_mail(
        session,
        to=to,
        subject=f"[ght-soc] {head} déclaration {what} — échéance {deadline}",
        body_text=body,
        idempotency_key=key,
        now=now,
    )
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.NOTIFICATION,
        text=f"{head} envoyé ({due.label}) : {what}, échéance {deadline}",
        actor=None,
        now=now,
        data={"declaration": row.id, "recipients": len(to), "overdue": due.overdue},
    )
    return mail
