"""The periodic pass over running playbooks: wake timers, remind before a step's deadline, and escalate an
overdue step up the on-call chain.

The scheduler calls :func:`tick`; an approval escalated to a level may be answered by that level's roles
(:func:`allowed_roles`, checked by runs.py). Each call is one unit of work that the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.domain import Role, TimelineKind
from ght_soc.models.oncall import ESCALATION_ORDER
from ght_soc.models.oncall import EscalationLevel as ChainLevel
from ght_soc.models.playbook_run import PlaybookRun, RunStatus, RunStep, StepStatus
from ght_soc.playbooks.definition import ApprovalStep, EscalationLevel
from ght_soc.playbooks.engine import Engine, playbook_of
from ght_soc.services import oncall, timeline

# The playbooks' names for the chain's levels, and the roles that stand at each level.
CHAIN_LEVELS: dict[EscalationLevel, ChainLevel] = {
    EscalationLevel.ON_CALL: ChainLevel.ON_CALL_ENGINEER,
    EscalationLevel.ADMIN_ON_DUTY: ChainLevel.ADMINISTRATOR_ON_DUTY,
    EscalationLevel.RSSI: ChainLevel.RSSI,
    EscalationLevel.DIRECTION: ChainLevel.DIRECTION,
}
LEVEL_ROLES: dict[ChainLevel, Role] = {
    ChainLevel.ON_CALL_ENGINEER: Role.ON_CALL_ENGINEER,
    ChainLevel.ADMINISTRATOR_ON_DUTY: Role.ADMINISTRATOR,
    ChainLevel.RSSI: Role.GHT_RSSI,
    ChainLevel.DIRECTION: Role.DECLARANT,
}
ROLE_LEVELS = {role: level for level, role in LEVEL_ROLES.items()}


def allowed_roles(step: ApprovalStep, row: RunStep) -> frozenset[Role]:
    """The step's roles, plus those of each chain level an unanswered approval was escalated to."""
    first = _first_index(step)
    reached = ESCALATION_ORDER[first : first + row.escalation_level]
    return frozenset(step.roles) | {LEVEL_ROLES[level] for level in reached}


@dataclass(frozen=True)
class TickReport:
    woken: int
    reminded: int
    escalated: int


def tick(engine: Engine, session: Session, *, now: datetime, link: str = "") -> TickReport:
    """The scheduler's periodic pass: wake timers, remind before deadlines, escalate what is overdue."""
    woken = engine.wake(session, now=now)
    reminded = escalated = 0
    late = session.scalars(
        select(RunStep)
        .join(PlaybookRun)
        .where(
            PlaybookRun.status == RunStatus.RUNNING,
            RunStep.status == StepStatus.ACTIVE,
            RunStep.deadline_at.is_not(None),
        )
    ).all()
    for row in late:
        step = playbook_of(row.run).step(row.step_id)
        assert row.deadline_at is not None and step.deadline is not None
        if row.deadline_at <= now:
            escalated += _escalate(session, row, now=now, link=link)
        elif not row.reminded and row.deadline_at - now <= min(step.deadline / 4, timedelta(minutes=15)):
            row.reminded = True
            reminded += _notify(session, row, _level_before(row, step), now=now, link=link, reminder=True)
    return TickReport(woken=woken, reminded=reminded, escalated=escalated)


def _first_index(step: Any) -> int:
    """Where escalation starts in the chain: the step's `escalate_to`, else the level above the on-call."""
    target = step.escalate_to
    start = CHAIN_LEVELS.get(target) if isinstance(target, EscalationLevel) else ROLE_LEVELS.get(target)
    return ESCALATION_ORDER.index(start) if start is not None else 1


def _level_before(row: RunStep, step: Any) -> ChainLevel | None:
    """The level after which the next notification goes (None: from the bottom of the chain)."""
    index = _first_index(step) + row.escalation_level - 1
    return ESCALATION_ORDER[index] if 0 <= index < len(ESCALATION_ORDER) else None


def _escalate(session: Session, row: RunStep, *, now: datetime, link: str) -> int:
    step = playbook_of(row.run).step(row.step_id)
    notified = _notify(session, row, _level_before(row, step), now=now, link=link, reminder=False)
    row.escalation_level += 1
    row.reminded = False
    # The next level gets the same time to act; at the top of the chain the step stays, visibly overdue.
    row.deadline_at = now + step.deadline if notified and step.deadline else None
    return notified


def _notify(
    session: Session, row: RunStep, after: ChainLevel | None, *, now: datetime, link: str, reminder: bool
) -> int:
    run, step = row.run, playbook_of(row.run).step(row.step_id)
    what = "Rappel" if reminder else "Escalade"
    subject = f"[{run.incident.reference}] {what} : {step.title}"
    body = (
        f"{what} pour l'incident {run.incident.reference} « {run.incident.title} ».\n"
        f"Étape en attente : {step.title} (playbook {run.title}).\n"
        f"Échéance : {row.deadline_at.isoformat() if row.deadline_at else '—'}\n"
        f"{link}/incidents/{run.incident_id}/runs/{run.id}#step-{row.step_id}\n"
    )
    key = f"run:{run.id}:{row.step_id}:{'remind' if reminder else 'escalate'}:{row.escalation_level}"
    notice = oncall.notify_next_level(
        session, after=after, subject=subject, body_text=body, idempotency_key=key, now=now
    )
    if notice is None:
        timeline.record(
            session=session,
            incident=run.incident,
            kind=TimelineKind.NOTIFICATION,
            actor=None,
            now=now,
            text=f"{what} impossible : plus personne au-dessus dans la chaîne pour « {step.title} »",
            data={"run": run.id, "step": row.step_id},
        )
        return 0
    names = ", ".join(p.display_name for p in notice.people) or "—"
    timeline.record(
        session=session,
        incident=run.incident,
        kind=TimelineKind.NOTIFICATION,
        actor=None,
        now=now,
        text=f"{what} « {step.title} » → {notice.level.value} : {names}",
        data={
            "run": run.id,
            "step": row.step_id,
            "level": notice.level.value,
            "notifications": list(notice.notification_ids),
        },
    )
    return 1
