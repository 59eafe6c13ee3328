"""The playbook engine: walks a pinned playbook over persisted `RunStep` rows.

Automatic steps (action, condition, parallel, end, and waits whose time has come) run as soon as they are
reached; manual and approval steps wait for a person (ght_soc/playbooks/runs.py answers them). State lives only
in the database, so a restarted hub resumes from the rows (`resume`), and timers are re-armed by the periodic
`tick`.

Write-ahead for actions: the attempt row is **committed before** the handler runs. This is the one place a
service commits: it is what makes "never executed twice after a crash" true. An attempt found STARTED after a
restart is marked INTERRUPTED and the step waits for a person to retry or skip it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import TimelineKind
from ght_soc.models import Incident
from ght_soc.models.playbook_run import AttemptStatus, PlaybookRun, RunAction, RunStatus, RunStep, StepStatus
from ght_soc.playbooks.actions import ActionSpec, HandlerRegistry, action_spec, require_enabled
from ght_soc.playbooks.definition import (
    ActionStep,
    ConditionStep,
    EndStep,
    JoinMode,
    OnFailure,
    ParallelStep,
    Playbook,
    Step,
    WaitStep,
)
from ght_soc.playbooks.expressions import ExpressionEvaluationError, compile_expression, render
from ght_soc.playbooks.loader import load_playbook_bytes
from ght_soc.services import audit, timeline

OPEN_STEP_STATUSES = frozenset({StepStatus.ACTIVE, StepStatus.RETRY_WAIT, StepStatus.FAILED})
MAX_ERROR = 2000


class RunError(ValueError):
    """A run operation that cannot be done; the message says why, for the user."""


@dataclass
class ActionContext:
    """What a handler gets besides its arguments: the unit of work and the incident it acts for."""

    session: Session
    incident: Incident
    run: PlaybookRun
    step: RunStep
    actor: Principal | None
    now: datetime
    extras: Mapping[str, Any] = field(default_factory=dict)  # the event store, the SMTP settings...


@lru_cache(maxsize=256)
def _parse(source_text: str) -> Playbook:
    loaded, problems = load_playbook_bytes(source_text.encode(), "<pinned>")
    if loaded is None:
        raise RunError(f"pinned playbook unreadable: {problems[0] if problems else '?'}")
    return loaded.playbook


def playbook_of(run: PlaybookRun) -> Playbook:
    """The exact version the run pinned, read back from its stored text."""
    return _parse(run.source_text)


def expression_context(run: PlaybookRun, incident: Incident) -> dict[str, Any]:
    """What expressions see: inputs, the incident's readable fields, and the outputs of finished steps."""
    return {
        "inputs": dict(run.inputs),
        "incident": {
            "title": incident.title,
            "category": incident.category.value,
            "severity": incident.severity.value,
            "status": incident.status.value,
            "establishments": [link.establishment.key for link in incident.establishments],
            "malicious": incident.malice.value == "malicious",
            "personal_data": bool(run.inputs.get("personal_data", False)),
        },
        "steps": {
            row.step_id: {"output": dict(row.output)} for row in run.steps if row.status == StepStatus.DONE
        },
    }


@dataclass
class Engine:
    """One per hub: the handlers of the declared actions and the member actions the configuration enables."""

    handlers: HandlerRegistry[ActionContext]
    enabled_member_actions: frozenset[str] = frozenset()
    extras: Mapping[str, Any] = field(default_factory=dict)
    # Called after each write-ahead commit; tests use it to "crash" between the journal and the action.
    before_action: Callable[[RunAction], None] | None = None

    # -- stepping -------------------------------------------------------------------------------------

    def activate(
        self,
        session: Session,
        run: PlaybookRun,
        step_id: str,
        *,
        now: datetime,
        parallel_of: str | None = None,
        branch: str | None = None,
    ) -> None:
        """Reach `step_id`: a branch reaching its parallel's join ends instead; otherwise a new ACTIVE row."""
        playbook = playbook_of(run)
        if parallel_of is not None:
            parallel = playbook.step(parallel_of)
            assert isinstance(parallel, ParallelStep)
            if step_id == parallel.next:
                self._end_branch(session, run, parallel, branch or step_id, now=now)
                return
        if any(row.step_id == step_id for row in run.steps):
            return  # two paths met on one step: it runs once
        step = playbook.step(step_id)
        row = RunStep(
            run_id=run.id,
            step_id=step_id,
            kind=step.kind.value,
            status=StepStatus.ACTIVE,
            parallel_of=parallel_of,
            branch=branch,
            started_at=now,
            deadline_at=now + step.deadline if step.deadline else None,
            output={},
        )
        if isinstance(step, WaitStep):
            row.wake_at = now + (step.duration or step.timeout)  # type: ignore[operator]
        run.steps.append(row)
        session.flush()
        if step.kind.value in ("manual", "approval"):
            self._note(
                session,
                run,
                f"En attente : {step.title}",
                now=now,
                data={"step": step_id, "state": "waiting"},
            )

    def advance(
        self, session: Session, run: PlaybookRun, *, now: datetime, actor: Principal | None = None
    ) -> None:
        """Run every automatic step that can run now, until the run waits for a person or a timer."""
        for _ in range(10_000):  # a bound: a playbook has no cycles, so far fewer passes ever happen
            if run.status != RunStatus.RUNNING:
                return
            ready = [
                row for row in run.steps if row.status == StepStatus.ACTIVE and self._ready(run, row, now)
            ]
            if not ready:
                break
            for row in ready:
                self._process(session, run, row, now=now, actor=actor)
        self._finish_if_done(session, run, now=now)

    def _ready(self, run: PlaybookRun, row: RunStep, now: datetime) -> bool:
        step = playbook_of(run).step(row.step_id)
        if isinstance(step, ActionStep | ConditionStep | ParallelStep | EndStep):
            return True
        if isinstance(step, WaitStep):
            if row.wake_at is not None and row.wake_at <= now:
                return True
            return step.until is not None and self._until(run, step)
        return False

    def _until(self, run: PlaybookRun, step: WaitStep) -> bool:
        try:
            return compile_expression(str(step.until)).is_true(expression_context(run, run.incident))
        except ExpressionEvaluationError:
            return False  # an output not there yet: keep waiting, the timeout still bounds the wait

    def _process(
        self, session: Session, run: PlaybookRun, row: RunStep, *, now: datetime, actor: Principal | None
    ) -> None:
        step = playbook_of(run).step(row.step_id)
        if isinstance(step, ActionStep):
            self._execute(session, run, row, step, now=now, actor=actor)
        elif isinstance(step, ConditionStep):
            context = expression_context(run, run.incident)
            try:
                target = next(
                    (b.next for b in step.branches if compile_expression(b.when).is_true(context)),
                    step.otherwise,
                )
            except ExpressionEvaluationError as error:
                self._fail(session, run, row, step, str(error), now=now)
                return
            self.complete(session, run, row, {"next": target}, now=now, then=target)
        elif isinstance(step, ParallelStep):
            self.complete(session, run, row, {}, now=now, then=None)
            for first in step.branches:
                self.activate(session, run, first, now=now, parallel_of=step.id, branch=first)
        elif isinstance(step, EndStep):
            self.complete(session, run, row, {}, now=now, then=None)
        elif isinstance(step, WaitStep):
            timed_out = step.until is None or not self._until(run, step)
            if step.duration is not None:
                timed_out = False
            target = step.on_timeout if timed_out and step.on_timeout else step.next
            self.complete(session, run, row, {"timed_out": timed_out}, now=now, then=target)

    def complete(
        self,
        session: Session,
        run: PlaybookRun,
        row: RunStep,
        output: Mapping[str, Any],
        *,
        now: datetime,
        then: str | None,
        actor: Principal | None = None,
        kind: TimelineKind = TimelineKind.STEP,
        text: str | None = None,
    ) -> None:
        """Mark a step done with its output, write it on the timeline, and reach the next step."""
        step = playbook_of(run).step(row.step_id)
        row.status = StepStatus.DONE
        row.output = dict(output)
        row.finished_at = now
        row.wake_at = None
        self._note(
            session,
            run,
            text or f"Étape faite : {step.title}",
            now=now,
            actor=actor,
            kind=kind,
            data={"step": row.step_id, "state": "done"},
        )
        if then is not None:
            self.activate(session, run, then, now=now, parallel_of=row.parallel_of, branch=row.branch)

    def _end_branch(
        self, session: Session, run: PlaybookRun, parallel: ParallelStep, branch: str, *, now: datetime
    ) -> None:
        ended = list(run.joins.get(parallel.id, []))
        if branch not in ended:
            ended.append(branch)
        run.joins = {**run.joins, parallel.id: ended}
        needed = 1 if parallel.join == JoinMode.ANY else len(parallel.branches)
        if len(ended) != needed:
            return
        if parallel.join == JoinMode.ANY:  # the other branches are no longer needed
            for other in run.steps:
                if other.parallel_of == parallel.id and other.status in OPEN_STEP_STATUSES:
                    other.status, other.finished_at, other.wake_at = StepStatus.SKIPPED, now, None
        origin = next(r for r in run.steps if r.step_id == parallel.id)
        self.activate(
            session, run, parallel.next, now=now, parallel_of=origin.parallel_of, branch=origin.branch
        )

    def _finish_if_done(self, session: Session, run: PlaybookRun, *, now: datetime) -> None:
        if run.status != RunStatus.RUNNING or any(r.status in OPEN_STEP_STATUSES for r in run.steps):
            return
        if any(r.kind == "end" and r.status == StepStatus.DONE for r in run.steps):
            run.status, run.finished_at = RunStatus.COMPLETED, now
            self._note(
                session,
                run,
                f"Playbook terminé : {run.title}",
                now=now,
                data={"run": run.id, "state": "completed"},
            )

    # -- actions --------------------------------------------------------------------------------------

    def _execute(
        self,
        session: Session,
        run: PlaybookRun,
        row: RunStep,
        step: ActionStep,
        *,
        now: datetime,
        actor: Principal | None,
    ) -> None:
        spec = action_spec(step.action)
        try:
            self._gate(run, spec)
            arguments = render(step.args, expression_context(run, run.incident))
            parsed = self.handlers.parse_arguments(step.action, arguments)
            handler = self.handlers.handler(step.action)
        except (ValueError, LookupError, PermissionError, ExpressionEvaluationError) as error:
            self._fail(session, run, row, step, _message(error), now=now)
            return
        row.attempts += 1
        attempt = RunAction(
            run_step_id=row.id,
            attempt=row.attempts,
            action=step.action,
            status=AttemptStatus.STARTED,
            arguments=parsed.model_dump(mode="json"),
            started_at=now,
        )
        row.attempts_log.append(attempt)
        if spec.harms_member_system:
            # In the write-ahead transaction: the audit chain's lock is released before the member is reached.
            audit.record(
                session,
                actor=actor,
                action=audit.AuditAction.MEMBER_ACTION,
                target=f"run:{run.id}",
                now=now,
                details={"action": step.action, "step": row.step_id, "arguments": attempt.arguments},
            )
        session.commit()  # write-ahead: see the module docstring
        if self.before_action is not None:
            self.before_action(attempt)
        context = ActionContext(
            session=session,
            incident=run.incident,
            run=run,
            step=row,
            actor=actor,
            now=now,
            extras=self.extras,
        )
        try:
            with session.begin_nested():
                outputs = dict(handler(parsed, context))
        except Exception as error:  # noqa: BLE001 - any handler failure is shown on the run, never lost
            attempt.status, attempt.finished_at, attempt.error = AttemptStatus.FAILED, now, _message(error)
            self._fail(session, run, row, step, _message(error), now=now)
            return
        attempt.status, attempt.finished_at = AttemptStatus.SUCCEEDED, now
        self.complete(
            session,
            run,
            row,
            outputs,
            now=now,
            then=step.next,
            text=f"Action faite : {step.title} ({spec.label})",
        )

    def _gate(self, run: PlaybookRun, spec: ActionSpec) -> None:
        """An action on a member's systems needs the config flag and an approval already given in this run."""
        if not spec.harms_member_system:
            return
        require_enabled(spec, self.enabled_member_actions)
        if not any(r.kind == "approval" and r.status == StepStatus.DONE for r in run.steps):
            raise PermissionError(
                f"l'action {spec.name!r} agit sur un établissement : une approbation doit la précéder"
            )

    def _fail(
        self, session: Session, run: PlaybookRun, row: RunStep, step: Step, error: str, *, now: datetime
    ) -> None:
        """Apply the step's failure policy: retry later, skip on, or stop and wait for a person."""
        row.error = error[:MAX_ERROR]
        if step.on_failure == OnFailure.RETRY and row.attempts < step.max_attempts:
            row.status = StepStatus.RETRY_WAIT
            row.wake_at = now + _backoff(row.attempts)
            self._note(
                session,
                run,
                f"Échec de « {step.title} », nouvel essai prévu : {row.error}",
                now=now,
                data={"step": row.step_id, "state": "retry_wait"},
            )
        elif step.on_failure == OnFailure.SKIP:
            self.skip(session, run, row, now=now, actor=None, reason=row.error)
        else:
            row.status = StepStatus.FAILED
            self._note(
                session,
                run,
                f"Échec de « {step.title} » : {row.error} — relancer ou passer",
                now=now,
                data={"step": row.step_id, "state": "failed"},
            )

    def skip(
        self,
        session: Session,
        run: PlaybookRun,
        row: RunStep,
        *,
        now: datetime,
        actor: Principal | None,
        reason: str,
    ) -> None:
        """Leave a step without doing it and continue at its normal successor."""
        step = playbook_of(run).step(row.step_id)
        row.status, row.finished_at, row.wake_at = StepStatus.SKIPPED, now, None
        self._note(
            session,
            run,
            f"Étape passée : {step.title} ({reason})",
            now=now,
            actor=actor,
            data={"step": row.step_id, "state": "skipped"},
        )
        following = step.successors()
        if following:
            self.activate(session, run, following[0], now=now, parallel_of=row.parallel_of, branch=row.branch)

    def retry(
        self, session: Session, run: PlaybookRun, row: RunStep, *, now: datetime, actor: Principal | None
    ) -> None:
        """Make a failed (or interrupted) step active again; the next advance runs it as a new attempt."""
        if row.status not in (StepStatus.FAILED, StepStatus.RETRY_WAIT):
            raise RunError("only a failed step can be retried")
        row.status, row.wake_at, row.error = StepStatus.ACTIVE, None, ""
        self._note(
            session,
            run,
            f"Nouvel essai demandé : {playbook_of(run).step(row.step_id).title}",
            now=now,
            actor=actor,
            data={"step": row.step_id, "state": "retry"},
        )

    def resume(self, session: Session, *, now: datetime) -> int:
        """After a restart: interrupted attempts wait for a person; every running run advances. Returns runs."""
        for attempt in session.scalars(select(RunAction).where(RunAction.status == AttemptStatus.STARTED)):
            attempt.status, attempt.finished_at = AttemptStatus.INTERRUPTED, now
            attempt.error = "interrompue par un arrêt du hub : elle n'est pas relancée d'office"
            row = attempt.step
            row.status, row.error = StepStatus.FAILED, attempt.error
            self._note(
                session,
                row.run,
                f"Action interrompue par un arrêt du hub : {row.step_id} — relancer ou passer",
                now=now,
                data={"step": row.step_id, "state": "interrupted"},
            )
        run_ids = session.scalars(select(PlaybookRun.id).where(PlaybookRun.status == RunStatus.RUNNING)).all()
        self._advance_each(session, run_ids, now=now)
        return len(run_ids)

    def _advance_each(self, session: Session, run_ids: Sequence[int], *, now: datetime) -> None:
        """Advance runs one by one, each committed and let go: hundreds of runs in one identity map would make
        every flush walk all of them (resuming 200 runs went from 62 s to a few)."""
        for run_id in run_ids:
            run = session.get(PlaybookRun, run_id)
            if run is not None:
                self.advance(session, run, now=now)
                session.commit()
                session.expunge_all()

    def wake(self, session: Session, *, now: datetime) -> int:
        """Timers: due waits and retries become ready; waits on a condition are re-evaluated. Returns rows woken."""
        due = session.scalars(
            select(RunStep)
            .join(PlaybookRun)
            .where(
                PlaybookRun.status == RunStatus.RUNNING,
                RunStep.status.in_([StepStatus.RETRY_WAIT, StepStatus.ACTIVE]),
                (RunStep.wake_at <= now) | (RunStep.kind == "wait"),
            )
        ).all()
        for row in due:
            if row.status == StepStatus.RETRY_WAIT and row.wake_at is not None and row.wake_at <= now:
                row.status, row.wake_at = StepStatus.ACTIVE, None
        woken = len(due)
        run_ids = sorted({row.run_id for row in due})
        session.flush()
        self._advance_each(session, run_ids, now=now)
        return woken

    def _note(
        self,
        session: Session,
        run: PlaybookRun,
        text: str,
        *,
        now: datetime,
        actor: Principal | None = None,
        kind: TimelineKind = TimelineKind.STEP,
        data: dict[str, Any] | None = None,
    ) -> None:
        timeline.record(
            session=session,
            incident=run.incident,
            kind=kind,
            text=text,
            actor=actor,
            now=now,
            data={"run": run.id, **(data or {})},
        )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 900))


def _message(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
    return str(error) or type(error).__name__
