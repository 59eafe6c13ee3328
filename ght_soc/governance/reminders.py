"""Reminders the scheduler sends: designations about to end, the yearly exercise due, the budget not entered.

Each reminder has a subject and a due date; the pair is its identity, so a daily job records it once.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from ght_soc.governance.catalogue import Parameters
from ght_soc.governance.enums import DesignationRole, ReminderKind
from ght_soc.governance.status import add_months


@dataclass(frozen=True)
class DesignationEnd:
    designation_id: int
    establishment_id: int
    name: str
    role: DesignationRole
    ends_on: date


@dataclass(frozen=True)
class Reminder:
    kind: ReminderKind
    establishment_id: int
    subject: str
    due_on: date
    params: Mapping[str, str] = field(default_factory=dict)


def due_reminders(
    *,
    parameters: Parameters,
    today: date,
    establishment_ids: Iterable[int],
    designation_ends: Sequence[DesignationEnd],
    last_exercises: Mapping[int, date],
    budget_years: Mapping[int, set[int]],
    exercise_validity_months: int = 12,
) -> list[Reminder]:
    """Every reminder due on `today`, whether or not it was already sent (the caller deduplicates)."""
    reminders: list[Reminder] = []
    horizon = today + timedelta(days=parameters.designation_warning_days)
    for d in designation_ends:
        if today <= d.ends_on <= horizon:
            reminders.append(
                Reminder(
                    ReminderKind.DESIGNATION_EXPIRING,
                    d.establishment_id,
                    f"designation:{d.designation_id}",
                    d.ends_on,
                    {"name": d.name, "role": d.role.value},
                )
            )
    budget_deadline = date(
        today.year,
        parameters.budget_due_month,
        calendar.monthrange(today.year, parameters.budget_due_month)[1],
    )
    for establishment_id in sorted(set(establishment_ids)):
        last = last_exercises.get(establishment_id)
        # Never exercised: due since the start of the year, one reminder a year.
        due = add_months(last, exercise_validity_months) if last else date(today.year, 1, 1)
        if due - timedelta(days=parameters.exercise_warning_days) <= today:
            reminders.append(
                Reminder(
                    ReminderKind.EXERCISE_DUE,
                    establishment_id,
                    "exercise",
                    due,
                    {"last": last.isoformat() if last else ""},
                )
            )
        if today > budget_deadline and today.year not in budget_years.get(establishment_id, set()):
            reminders.append(
                Reminder(
                    ReminderKind.BUDGET_MISSING,
                    establishment_id,
                    f"budget:{today.year}",
                    budget_deadline,
                    {"year": str(today.year)},
                )
            )
    return reminders
