"""The daily governance reminders: computed, recorded once each, then handed to a notifier.

Mail sending belongs to the notification outbox; the lead wires a notifier that posts to it. Until then the
default notifier only logs, and the recorded reminders stay readable (notified_at empty).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.domain import Role
from ght_soc.governance.catalogue import Catalogue
from ght_soc.governance.enums import CheckKind, ReminderKind
from ght_soc.governance.reminders import DesignationEnd, Reminder, due_reminders
from ght_soc.models import Establishment, RoleAssignment, User
from ght_soc.models.governance import (
    CrisisExercise,
    CyberBudget,
    Designation,
    GovernanceReminder,
    SharedResource,
)
from ght_soc.services import notifications
from ght_soc.services.establishments import list_establishments

log = logging.getLogger(__name__)


class ReminderNotifier(Protocol):
    """Tells the right people; returns normally when it accepted the reminders (they are then marked sent)."""

    def notify(self, reminders: Sequence[GovernanceReminder]) -> None: ...


class LoggingNotifier:
    """The notifier until mail is wired: one log line per reminder."""

    def notify(self, reminders: Sequence[GovernanceReminder]) -> None:
        for r in reminders:
            log.info(
                "governance reminder: %s establishment=%s due=%s %s",
                r.kind,
                r.establishment_id,
                r.due_on,
                r.params,
            )


_SUBJECTS = {
    ReminderKind.DESIGNATION_EXPIRING: "Désignation bientôt échue",
    ReminderKind.EXERCISE_DUE: "Exercice de crise à planifier",
    ReminderKind.BUDGET_MISSING: "Budget cyber de l'année non saisi",
}


class OutboxNotifier:
    """Mails each reminder, through the outbox, to the GHT RSSI and the establishment's correspondents."""

    def __init__(self, *, session: Session, now: datetime) -> None:
        self._session, self._now = session, now

    def notify(self, reminders: Sequence[GovernanceReminder]) -> None:
        for reminder in reminders:
            to = self._recipients(reminder.establishment_id)
            if not to:
                log.warning("governance reminder %s: nobody with a mail address to tell", reminder.id)
                continue
            establishment = self._session.get(Establishment, reminder.establishment_id)
            name = establishment.name if establishment is not None else str(reminder.establishment_id)
            details = ", ".join(f"{key} : {value}" for key, value in reminder.params.items())
            notifications.enqueue_mail(
                self._session,
                to=to,
                subject=f"[{name}] {_SUBJECTS.get(reminder.kind, reminder.subject)}",
                body_text=(
                    f"{_SUBJECTS.get(reminder.kind, reminder.subject)} — {name}\n"
                    f"Échéance : {reminder.due_on.isoformat()}\n{details}\n"
                ),
                idempotency_key=f"governance:{reminder.id}",
                now=self._now,
            )

    def _recipients(self, establishment_id: int) -> list[str]:
        users = self._session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                ((RoleAssignment.role == Role.GHT_RSSI) & RoleAssignment.establishment_id.is_(None))
                | (
                    (RoleAssignment.role == Role.SITE_CORRESPONDENT)
                    & (RoleAssignment.establishment_id == establishment_id)
                )
            )
        )
        return sorted({u.email for u in users if u.email and u.is_active})


def compute_reminders(*, session: Session, catalogue: Catalogue, now: datetime) -> list[Reminder]:
    """Every reminder due today for the establishments in scope."""
    today = now.date()
    ends = [
        DesignationEnd(d.id, d.establishment_id, name, d.role, d.ends_on)
        for d, name in session.execute(
            select(Designation, SharedResource.name)
            .join(SharedResource, SharedResource.id == Designation.resource_id)
            .where(Designation.ends_on.is_not(None))
        )
        if d.ends_on is not None
    ]
    last_exercises = {}
    for x in session.scalars(select(CrisisExercise).order_by(CrisisExercise.held_on)):
        last_exercises[x.establishment_id] = x.held_on
    years: defaultdict[int, set[int]] = defaultdict(set)
    for b in session.scalars(select(CyberBudget)):
        years[b.establishment_id].add(b.year)
    exercise = next((o for o in catalogue.obligations if o.check is CheckKind.EXERCISE), None)
    return due_reminders(
        parameters=catalogue.parameters,
        today=today,
        establishment_ids=[e.id for e in list_establishments(session=session)],
        designation_ends=ends,
        last_exercises=last_exercises,
        budget_years=dict(years),
        exercise_validity_months=(exercise.validity_months or 12) if exercise else 12,
    )


def record_reminders(
    *, session: Session, reminders: Sequence[Reminder], now: datetime
) -> list[GovernanceReminder]:
    """Store the reminders not stored before (same kind, subject and due date); returns the new ones."""
    existing = {
        (r.establishment_id, r.kind, r.subject, r.due_on) for r in session.scalars(select(GovernanceReminder))
    }
    new = []
    for r in reminders:
        if (r.establishment_id, r.kind, r.subject, r.due_on) in existing:
            continue
        row = GovernanceReminder(
            establishment_id=r.establishment_id,
            kind=r.kind,
            subject=r.subject,
            due_on=r.due_on,
            params=dict(r.params),
            created_at=now,
        )
        session.add(row)
        new.append(row)
        existing.add((r.establishment_id, r.kind, r.subject, r.due_on))
    session.flush()
    return new


def run_reminders(
    *, session: Session, catalogue: Catalogue, now: datetime, notifier: ReminderNotifier
) -> list[GovernanceReminder]:
    """The scheduler job's body: compute, record the new reminders, notify, mark them sent."""
    new = record_reminders(
        session=session, reminders=compute_reminders(session=session, catalogue=catalogue, now=now), now=now
    )
    if new:
        notifier.notify(new)
        for row in new:
            row.notified_at = now
        session.flush()
    return new
