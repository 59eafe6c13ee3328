"""Incident tasks: who does what by when; each creation and completion is on the main courante."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import TaskStatus, TimelineKind
from ght_soc.models import Incident, Task
from ght_soc.services import timeline


class TaskError(ValueError):
    """A task change that cannot be made."""


def add_task(
    *,
    session: Session,
    incident: Incident,
    title: str,
    actor: Principal | None,
    now: datetime,
    assignee_id: int | None = None,
    due_at: datetime | None = None,
) -> Task:
    title = title.strip()
    if not title:
        raise TaskError("a task needs a title")
    task = Task(
        incident_id=incident.id, title=title[:300], assignee_id=assignee_id, due_at=due_at, created_at=now
    )
    session.add(task)
    incident.tasks.append(task)
    session.flush()
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.TASK,
        text=f"Tâche ajoutée : {task.title}",
        actor=actor,
        now=now,
        data={"task_id": task.id, "action": "added"},
    )
    return task


def finish_task(
    *, session: Session, task: Task, actor: Principal, now: datetime, cancelled: bool = False
) -> None:
    if task.status != TaskStatus.OPEN:
        raise TaskError("this task is already finished")
    task.status = TaskStatus.CANCELLED if cancelled else TaskStatus.DONE
    task.done_at = now
    timeline.record(
        session=session,
        incident=task.incident,
        kind=TimelineKind.TASK,
        text=f"Tâche {'annulée' if cancelled else 'faite'} : {task.title}",
        actor=actor,
        now=now,
        data={"task_id": task.id, "action": task.status.value},
    )
