"""Runs as the users see them: start, answer a step, retry or skip, cancel.

People act through these functions (pages, API); the scheduler's periodic pass (timers, deadlines, reminders,
escalation) is escalation.py, and the engine's `resume` runs at start. Each is one unit of work that the
caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import Severity, TimelineKind
from ght_soc.models import Evidence, Incident
from ght_soc.models.playbook_run import ApprovalVote, PlaybookRun, RunStatus, RunStep, StepStatus
from ght_soc.playbooks.definition import ApprovalStep, ManualStep, Playbook, ValueType
from ght_soc.playbooks.engine import Engine, RunError, playbook_of
from ght_soc.playbooks.escalation import allowed_roles
from ght_soc.playbooks.loader import LoadedPlaybook
from ght_soc.services import audit, timeline

_SEVERITY_ORDER = list(Severity)


class ApprovalRefusedError(RunError):
    """This person may not answer this approval (role, separation of duties, already answered)."""


class StepNotWaitingError(RunError):
    """The step is no longer waiting for an answer (someone answered first, or it was skipped)."""


def start(
    engine: Engine,
    session: Session,
    *,
    incident: Incident,
    loaded: LoadedPlaybook,
    actor: Principal,
    now: datetime,
    inputs: Mapping[str, Any] | None = None,
) -> PlaybookRun:
    """Start a run pinned to this exact version (its text is stored), then run its first automatic steps."""
    playbook = loaded.playbook
    values = _inputs(playbook, inputs or {})
    run = PlaybookRun(
        incident_id=incident.id,
        playbook_id=playbook.id,
        version=playbook.version,
        content_hash=playbook.content_hash,
        source_text=loaded.text,
        title=playbook.title,
        status=RunStatus.RUNNING,
        inputs=values,
        joins={},
        started_by_id=actor.user_id,
        started_by_name=actor.display_name,
        started_at=now,
    )
    run.incident = incident
    session.add(run)
    session.flush()
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.STEP,
        actor=actor,
        now=now,
        text=f"Playbook lancé : {playbook.title} (v{playbook.version})",
        data={
            "run": run.id,
            "playbook": playbook.id,
            "version": playbook.version,
            "hash": playbook.content_hash,
        },
    )
    engine.activate(session, run, playbook.start, now=now)
    engine.advance(session, run, now=now, actor=actor)
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.RUN_STARTED,
        target=f"run:{run.id}",
        now=now,
        details={"incident": incident.id, "playbook": playbook.id, "version": playbook.version},
    )
    return run


def _inputs(playbook: Playbook, given: Mapping[str, Any]) -> dict[str, Any]:
    known = {spec.name: spec for spec in playbook.inputs}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise RunError(f"unknown input(s): {', '.join(unknown)}")
    values = {}
    for name, spec in known.items():
        value = given.get(name, spec.default)
        if value is None and spec.required:
            raise RunError(f"input {name!r} is required")
        values[name] = value
    return values


def suggested(
    playbooks: Iterable[Playbook], incident: Incident, rule_tags: Iterable[str] = ()
) -> list[Playbook]:
    """The playbooks whose triggers match the incident (category, severity, alert rule tags)."""
    tags = set(rule_tags)
    found = []
    for playbook in playbooks:
        triggers = playbook.triggers
        if _SEVERITY_ORDER.index(incident.severity) < _SEVERITY_ORDER.index(triggers.min_severity):
            continue
        if incident.category.value in triggers.categories or tags & set(triggers.rule_tags):
            found.append(playbook)
    return found


def waiting_row(session: Session, run: PlaybookRun, step_id: str) -> RunStep:
    """The step row, locked for the answer: two people answering at once are served one after the other."""
    row = session.scalars(
        select(RunStep).where(RunStep.run_id == run.id, RunStep.step_id == step_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise StepNotWaitingError("this step has not been reached")
    session.refresh(row)
    if row.status != StepStatus.ACTIVE or run.status != RunStatus.RUNNING:
        raise StepNotWaitingError("this step is no longer waiting for an answer")
    return row


def answer_approval(
    engine: Engine,
    session: Session,
    *,
    run: PlaybookRun,
    step_id: str,
    option: str,
    actor: Principal,
    now: datetime,
) -> bool:
    """Record one person's decision; returns True when it settled the approval (enough concordant answers)."""
    step = playbook_of(run).step(step_id)
    if not isinstance(step, ApprovalStep):
        raise RunError("this step is not an approval")
    row = waiting_row(session, run, step_id)
    chosen = next((o for o in step.options if o.value == option), None)
    if chosen is None:
        raise RunError(f"unknown option {option!r}")
    establishments = {link.establishment_id for link in run.incident.establishments}
    roles = {
        g.role for g in actor.grants if g.establishment_id is None or g.establishment_id in establishments
    }
    if actor.user_id is None or not roles & allowed_roles(step, row):
        raise ApprovalRefusedError("your role may not answer this approval")
    if step.separation_of_duties and actor.user_id == run.started_by_id:
        raise ApprovalRefusedError("whoever started this playbook cannot approve its containment")
    if any(vote.user_id == actor.user_id for vote in row.votes):
        raise ApprovalRefusedError("you have already answered")
    row.votes.append(ApprovalVote(user_id=actor.user_id, user_name=actor.display_name, option=option, at=now))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.APPROVAL_ANSWERED,
        target=f"run:{run.id}",
        now=now,
        details={"step": step_id, "option": option},
    )
    agreeing = [v for v in row.votes if v.option == option]
    timeline.record(
        session=session,
        incident=run.incident,
        kind=TimelineKind.DECISION,
        actor=actor,
        now=now,
        text=f"{step.question} — {chosen.label} ({len(agreeing)}/{step.approvers})",
        data={"run": run.id, "step": step_id, "option": option},
    )
    if len(agreeing) < step.approvers:
        return False
    engine.complete(
        session,
        run,
        row,
        {"decision": option, "approvers": [v.user_name for v in agreeing]},
        now=now,
        then=chosen.next,
        actor=actor,
        kind=TimelineKind.DECISION,
        text=f"Décision : {chosen.label}",
    )
    engine.advance(session, run, now=now, actor=actor)
    return True


def complete_manual(
    engine: Engine,
    session: Session,
    *,
    run: PlaybookRun,
    step_id: str,
    answers: Mapping[str, str],
    actor: Principal,
    now: datetime,
) -> None:
    """Finish a manual step with its answers (typed) once its required evidence is on the incident."""
    step = playbook_of(run).step(step_id)
    if not isinstance(step, ManualStep):
        raise RunError("this step is not a manual step")
    row = waiting_row(session, run, step_id)
    output = {
        answer.name: typed_value(answer.label, answer.type, answers.get(answer.name, ""), answer.required)
        for answer in step.answers
    }
    required = sum(1 for item in step.evidence if item.required)
    if required:
        deposited = (
            session.scalar(
                select(func.count())
                .select_from(Evidence)
                .where(Evidence.incident_id == run.incident_id, Evidence.uploaded_at >= row.started_at)
            )
            or 0
        )
        if deposited < required:
            raise RunError(f"this step needs {required} evidence file(s) deposited on the incident first")
    engine.complete(session, run, row, output, now=now, then=step.next, actor=actor)
    engine.advance(session, run, now=now, actor=actor)


def typed_value(label: str, kind: ValueType, text: str, required: bool) -> Any:
    """A value typed in a form, read as the step answer or playbook input declares it."""
    text = text.strip()
    if not text:
        if required:
            raise RunError(f"« {label} » is required")
        return None
    try:
        if kind == ValueType.INTEGER:
            return int(text)
        if kind == ValueType.NUMBER:
            return float(text.replace(",", "."))
        if kind == ValueType.BOOLEAN:
            return text.lower() in {"1", "true", "oui", "yes", "on"}
        if kind == ValueType.STRING_LIST:
            return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
    except ValueError:
        raise RunError(f"« {label} » : {text!r} is not a valid {kind.value}") from None
    return text


def retry_step(
    engine: Engine, session: Session, *, run: PlaybookRun, step_id: str, actor: Principal, now: datetime
) -> None:
    row = _row(run, step_id)
    engine.retry(session, run, row, now=now, actor=actor)
    engine.advance(session, run, now=now, actor=actor)


def skip_step(
    engine: Engine,
    session: Session,
    *,
    run: PlaybookRun,
    step_id: str,
    actor: Principal,
    now: datetime,
    reason: str,
) -> None:
    row = _row(run, step_id)
    if row.status not in (StepStatus.FAILED, StepStatus.ACTIVE, StepStatus.RETRY_WAIT):
        raise RunError("this step is finished")
    engine.skip(session, run, row, now=now, actor=actor, reason=reason.strip() or "passée par décision")
    engine.advance(session, run, now=now, actor=actor)


def cancel(session: Session, *, run: PlaybookRun, actor: Principal, now: datetime, reason: str) -> None:
    if run.status != RunStatus.RUNNING:
        raise RunError("this run is not running")
    run.status, run.finished_at = RunStatus.CANCELLED, now
    for row in run.steps:
        if row.status in (StepStatus.ACTIVE, StepStatus.RETRY_WAIT, StepStatus.FAILED):
            row.status, row.finished_at, row.wake_at = StepStatus.SKIPPED, now, None
    timeline.record(
        session=session,
        incident=run.incident,
        kind=TimelineKind.STEP,
        actor=actor,
        now=now,
        text=f"Playbook arrêté : {run.title} ({reason})",
        data={"run": run.id, "state": "cancelled"},
    )
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.RUN_CANCELLED,
        target=f"run:{run.id}",
        now=now,
        details={"reason": reason},
    )


def _row(run: PlaybookRun, step_id: str) -> RunStep:
    row = next((r for r in run.steps if r.step_id == step_id), None)
    if row is None:
        raise StepNotWaitingError("this step has not been reached")
    return row


def runs_of(session: Session, incident: Incident) -> Sequence[PlaybookRun]:
    return session.scalars(
        select(PlaybookRun).where(PlaybookRun.incident_id == incident.id).order_by(PlaybookRun.id)
    ).all()
