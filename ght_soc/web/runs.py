"""Playbook runs in the pages: start from an incident, the run view, and the on-call engineer's "my steps"."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ght_soc.access import Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.models import Incident, PlaybookRun, RunStep
from ght_soc.models.playbook_run import RunStatus, StepStatus
from ght_soc.playbooks import runs
from ght_soc.playbooks.definition import ApprovalStep, ManualStep
from ght_soc.playbooks.engine import RunError, playbook_of
from ght_soc.playbooks.hub import playbook_hub
from ght_soc.playbooks.loader import LoadedPlaybook
from ght_soc.services import incidents as incident_service
from ght_soc.web.forms import ActionForm
from ght_soc.web.security import current_principal, requires, requires_recent_auth

bp = Blueprint("runs", __name__)


def _may_work(incident: Incident) -> bool:
    principal = current_principal()
    return any(
        principal.can(Permission.WORK_INCIDENTS, link.establishment_id) for link in incident.establishments
    )


def _incident(incident_id: int, *, work: bool = True) -> Incident:
    incident = incident_service.get(session=db.session, incident_id=incident_id)
    if incident is None:
        abort(404)
    if work and not _may_work(incident):
        abort(403)
    return incident


def _run(incident: Incident, run_id: int) -> PlaybookRun:
    run = db.session.scalars(
        select(PlaybookRun).where(PlaybookRun.id == run_id, PlaybookRun.incident_id == incident.id)
    ).one_or_none()
    if run is None:
        abort(404)
    return run


def _after(incident_id: int, run_id: int, step_id: str = "") -> Response:
    anchor = f"#step-{step_id}" if step_id else ""
    return redirect(url_for("runs.view", incident_id=incident_id, run_id=run_id) + anchor)


def _chosen(incident_id: int, value: str) -> LoadedPlaybook | None:
    playbook_id, _sep, version = value.partition(":")
    library = playbook_hub(current_app).library
    try:
        return library.by_hash(library.get(playbook_id, int(version)).content_hash)
    except (KeyError, ValueError):
        flash(_("Unknown playbook."), "error")
        return None


@bp.get("/incidents/<int:incident_id>/runs/new")
@requires(Permission.WORK_INCIDENTS)
def prepare(incident_id: int) -> str | Response:
    """The playbook's inputs, to fill in before it starts (the machine touched, the site...)."""
    incident = _incident(incident_id)
    loaded = _chosen(incident_id, request.args.get("playbook", ""))
    if loaded is None:
        return redirect(url_for("incidents.detail", incident_id=incident_id))
    return render_template(
        "runs/prepare.html", incident=incident, playbook=loaded.playbook, form=ActionForm()
    )


@bp.post("/incidents/<int:incident_id>/runs")
@requires(Permission.WORK_INCIDENTS)
def start(incident_id: int) -> Response:
    incident = _incident(incident_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    loaded = _chosen(incident_id, request.form.get("playbook", ""))
    if loaded is None:
        return redirect(url_for("incidents.detail", incident_id=incident_id))
    hub = playbook_hub(current_app)
    try:
        inputs = {
            spec.name: runs.typed_value(
                spec.label or spec.name, spec.type, request.form.get(f"input-{spec.name}", ""), spec.required
            )
            for spec in loaded.playbook.inputs
            if f"input-{spec.name}" in request.form or spec.required
        }
        run = runs.start(
            hub.engine(current_app),
            db.session,
            incident=incident,
            loaded=loaded,
            actor=current_principal(),
            now=now(),
            inputs={name: value for name, value in inputs.items() if value is not None},
        )
    except RunError as error:
        db.session.rollback()
        flash(str(error), "error")
        playbook = f"{loaded.playbook.id}:{loaded.playbook.version}"
        return redirect(url_for(".prepare", incident_id=incident_id, playbook=playbook))
    db.session.commit()
    return _after(incident_id, run.id)


@bp.get("/incidents/<int:incident_id>/runs/<int:run_id>")
@requires(Permission.VIEW)
def view(incident_id: int, run_id: int) -> str:
    incident = _incident(incident_id, work=False)
    run = _run(incident, run_id)
    playbook = playbook_of(run)
    rows = {row.step_id: row for row in run.steps}
    return render_template(
        "runs/run.html",
        incident=incident,
        run=run,
        playbook=playbook,
        rows=rows,
        form=ActionForm(),
        can_work=_may_work(incident),
        ApprovalStep=ApprovalStep,
        ManualStep=ManualStep,
        StepStatus=StepStatus,
        RunStatus=RunStatus,
    )


def _act(incident_id: int, run_id: int, step_id: str, permission: Permission, act: object) -> Response:
    """Validate the CSRF token, apply one run operation, commit once; errors are shown, nothing half-done."""
    incident = _incident(incident_id)
    run = _run(incident, run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not current_principal().can_somewhere(permission):
        abort(403)
    engine = playbook_hub(current_app).engine(current_app)
    try:
        assert callable(act)
        act(engine, run)
    except RunError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Recorded."), "success")
    return _after(incident_id, run_id, step_id)


@bp.post("/incidents/<int:incident_id>/runs/<int:run_id>/steps/<step_id>/approve")
@requires(Permission.APPROVE)
@requires_recent_auth
def approve(incident_id: int, run_id: int, step_id: str) -> Response:
    option = request.form.get("option", "")
    return _act(
        incident_id,
        run_id,
        step_id,
        Permission.APPROVE,
        lambda engine, run: runs.answer_approval(
            engine, db.session, run=run, step_id=step_id, option=option, actor=current_principal(), now=now()
        ),
    )


@bp.post("/incidents/<int:incident_id>/runs/<int:run_id>/steps/<step_id>/complete")
@requires(Permission.WORK_INCIDENTS)
def complete(incident_id: int, run_id: int, step_id: str) -> Response:
    answers = {
        key.removeprefix("answer-"): value for key, value in request.form.items() if key.startswith("answer-")
    }
    return _act(
        incident_id,
        run_id,
        step_id,
        Permission.WORK_INCIDENTS,
        lambda engine, run: runs.complete_manual(
            engine,
            db.session,
            run=run,
            step_id=step_id,
            answers=answers,
            actor=current_principal(),
            now=now(),
        ),
    )


@bp.post("/incidents/<int:incident_id>/runs/<int:run_id>/steps/<step_id>/retry")
@requires(Permission.WORK_INCIDENTS)
def retry(incident_id: int, run_id: int, step_id: str) -> Response:
    return _act(
        incident_id,
        run_id,
        step_id,
        Permission.WORK_INCIDENTS,
        lambda engine, run: runs.retry_step(
            engine, db.session, run=run, step_id=step_id, actor=current_principal(), now=now()
        ),
    )


@bp.post("/incidents/<int:incident_id>/runs/<int:run_id>/steps/<step_id>/skip")
@requires(Permission.WORK_INCIDENTS)
def skip(incident_id: int, run_id: int, step_id: str) -> Response:
    reason = request.form.get("reason", "")
    return _act(
        incident_id,
        run_id,
        step_id,
        Permission.WORK_INCIDENTS,
        lambda engine, run: runs.skip_step(
            engine, db.session, run=run, step_id=step_id, actor=current_principal(), now=now(), reason=reason
        ),
    )


@bp.post("/incidents/<int:incident_id>/runs/<int:run_id>/cancel")
@requires(Permission.WORK_INCIDENTS)
def cancel(incident_id: int, run_id: int) -> Response:
    reason = request.form.get("reason", "") or _("stopped by hand")
    return _act(
        incident_id,
        run_id,
        "",
        Permission.WORK_INCIDENTS,
        lambda engine, run: runs.cancel(
            db.session, run=run, actor=current_principal(), now=now(), reason=reason
        ),
    )


@bp.get("/my-steps")
@requires(Permission.WORK_INCIDENTS)
def my_steps() -> str:
    """What waits for a person now, in the principal's scope, the most urgent first: the on-call's phone page."""
    waiting = db.session.scalars(
        select(RunStep)
        .join(PlaybookRun)
        .where(
            PlaybookRun.status == RunStatus.RUNNING,
            RunStep.status.in_([StepStatus.ACTIVE, StepStatus.FAILED]),
            RunStep.kind.in_(["manual", "approval", "action"]),
        )
        .order_by(RunStep.deadline_at.is_(None), RunStep.deadline_at, RunStep.started_at)
    ).all()
    items = [(row, playbook_of(row.run).step(row.step_id)) for row in waiting]
    items = [(row, step) for row, step in items if row.kind != "action" or row.status == StepStatus.FAILED]
    return render_template(
        "runs/my_steps.html",
        items=items,
        form=ActionForm(),
        ApprovalStep=ApprovalStep,
        ManualStep=ManualStep,
        StepStatus=StepStatus,
        current=now(),
    )
