"""Incident pages: list and board, opening (by hand or from alerts), detail with its main courante."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ght_soc.access import Permission
from ght_soc.clock import now
from ght_soc.database import db, writes_on_get
from ght_soc.domain import IncidentCategory, IncidentStatus, ObservableKind, Severity
from ght_soc.models import Evidence, Incident, Task
from ght_soc.playbooks import runs
from ght_soc.playbooks.hub import playbook_hub
from ght_soc.services import establishments as establishment_service
from ght_soc.services import evidence as evidence_service
from ght_soc.services import incidents as incident_service
from ght_soc.services import observables, tasks, timeline
from ght_soc.settings import IncidentsConfig
from ght_soc.web.forms import ActionForm
from ght_soc.web.incident_forms import (
    EvidenceForm,
    FromAlertsForm,
    IncidentForm,
    IncidentStatusForm,
    NoteForm,
    ObservableForm,
    SeverityForm,
    TaskForm,
)
from ght_soc.web.security import current_principal, requires

bp = Blueprint("incidents", __name__, url_prefix="/incidents")
FormT = TypeVar("FormT", bound=FlaskForm)


def evidence_files() -> evidence_service.EvidenceStore:
    settings: IncidentsConfig = current_app.extensions["ght_soc.config"].settings.incidents
    return evidence_service.EvidenceStore(
        Path(settings.evidence_dir), current_app.config["EVIDENCE_MAX_BYTES"]
    )


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    """An oversize upload: nothing was read or kept; say so on the page the user came from."""
    mb = current_app.config["EVIDENCE_MAX_BYTES"] >> 20
    flash(_("File larger than the limit of %(mb)d MB; nothing was kept.", mb=mb), "error")
    incident_id = (request.view_args or {}).get("incident_id")
    return redirect(url_for(".detail", incident_id=incident_id) if incident_id else url_for(".index"))


def _incident_or_404(incident_id: int) -> Incident:
    incident = incident_service.get(session=db.session, incident_id=incident_id)
    if incident is None:
        abort(404)
    return incident


def _may_work(incident: Incident) -> bool:
    principal = current_principal()
    return any(
        principal.can(Permission.WORK_INCIDENTS, link.establishment_id) for link in incident.establishments
    )


def _working(incident_id: int) -> Incident:
    incident = _incident_or_404(incident_id)
    if not _may_work(incident):
        abort(403)
    return incident


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    status_arg = request.args.get("status", "active")
    filters = incident_service.IncidentFilter(
        status=IncidentStatus(status_arg) if status_arg in set(IncidentStatus) else None,
        active_only=status_arg == "active",
        establishment_id=request.args.get("establishment", type=int),
    )
    found = incident_service.list_incidents(session=db.session, filters=filters)
    board = request.args.get("view") == "board"
    columns = {status: [i for i in found if i.status == status] for status in IncidentStatus} if board else {}
    return render_template(
        "incidents/index.html",
        incidents=found,
        board=board,
        columns=columns,
        status=status_arg,
        establishments=establishment_service.list_establishments(session=db.session),
        can_open=current_principal().can_somewhere(Permission.WORK_INCIDENTS),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.WORK_INCIDENTS)
def new() -> str | Response:
    principal = current_principal()
    form = IncidentForm()
    visible = establishment_service.list_establishments(session=db.session)
    form.establishments.choices = [
        (e.id, e.short_name) for e in visible if principal.can(Permission.WORK_INCIDENTS, e.id)
    ]
    if form.validate_on_submit():
        try:
            incident = incident_service.open_incident(
                session=db.session,
                new=incident_service.NewIncident(
                    title=form.title.data,
                    category=IncidentCategory(form.category.data),
                    severity=Severity(form.severity.data),
                    establishment_ids=tuple(form.establishments.data),
                    description=form.description.data or "",
                ),
                actor=principal,
                now=now(),
            )
        except incident_service.IncidentError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            return redirect(url_for(".detail", incident_id=incident.id))
    return render_template("incidents/new.html", form=form)


@bp.post("/from-alerts")
@requires(Permission.WORK_INCIDENTS)
def from_alerts() -> Response:
    """Open one incident from the alerts ticked on the alerts page."""
    form = FromAlertsForm()
    if not form.validate_on_submit():
        abort(400)
    principal = current_principal()
    wanted = [int(v) for v in request.form.getlist("alert_ids") if v.isdigit()]
    try:
        incident = incident_service.open_from_alerts(
            session=db.session,
            alert_ids=wanted,
            actor=principal,
            now=now(),
            title=form.title.data or None,
            category=IncidentCategory(form.category.data),
        )
        if not _may_work(incident):
            abort(403)
    except incident_service.IncidentError as error:
        flash(str(error), "error")
        return redirect(url_for("alerts.index"))
    db.session.commit()
    flash(_("Incident %(reference)s opened.", reference=incident.reference), "success")
    return redirect(url_for(".detail", incident_id=incident.id))


@bp.get("/<int:incident_id>")
@requires(Permission.VIEW)
def detail(incident_id: int) -> str:
    incident = _incident_or_404(incident_id)
    library = playbook_hub(current_app).library
    return render_template(
        "incidents/detail.html",
        incident=incident,
        entries=timeline.entries(session=db.session, incident=incident),
        can_work=_may_work(incident),
        next_statuses=sorted(
            incident_service.INCIDENT_TRANSITIONS[incident.status], key=list(IncidentStatus).index
        ),
        note_form=NoteForm(),
        status_form=IncidentStatusForm(),
        severity_form=SeverityForm(),
        task_form=TaskForm(),
        observable_form=ObservableForm(),
        evidence_form=EvidenceForm(),
        action_form=ActionForm(),
        incident_runs=runs.runs_of(db.session, incident),
        playbooks=list(library),
        suggested=runs.suggested(library, incident),
    )


def _change(
    incident_id: int, form_class: type[FormT], apply: Callable[[Incident, FormT], object]
) -> Response:
    """Validate a form, apply one service call on the incident, commit once, and go back to the detail page."""
    incident = _working(incident_id)
    form = form_class()
    if not form.validate_on_submit():
        flash(_("The form was not valid; nothing was changed."), "error")
        return redirect(url_for(".detail", incident_id=incident.id))
    try:
        apply(incident, form)
    except ValueError as error:  # the services' errors say what went wrong, in the user's words
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
    return redirect(url_for(".detail", incident_id=incident_id) + request.form.get("anchor", ""))


@bp.post("/<int:incident_id>/notes")
@requires(Permission.WORK_INCIDENTS)
def add_note(incident_id: int) -> Response:
    return _change(
        incident_id,
        NoteForm,
        lambda incident, form: timeline.add_note(
            session=db.session, incident=incident, text=form.text.data, actor=current_principal(), now=now()
        ),
    )


@bp.post("/<int:incident_id>/status")
@requires(Permission.WORK_INCIDENTS)
def change_status(incident_id: int) -> Response:
    return _change(
        incident_id,
        IncidentStatusForm,
        lambda incident, form: incident_service.change_status(
            session=db.session,
            incident=incident,
            to=IncidentStatus(form.status.data),
            actor=current_principal(),
            now=now(),
            reason=form.reason.data or "",
        ),
    )


@bp.post("/<int:incident_id>/severity")
@requires(Permission.WORK_INCIDENTS)
def change_severity(incident_id: int) -> Response:
    return _change(
        incident_id,
        SeverityForm,
        lambda incident, form: incident_service.set_severity(
            session=db.session,
            incident=incident,
            severity=Severity(form.severity.data),
            actor=current_principal(),
            now=now(),
        ),
    )


@bp.post("/<int:incident_id>/tasks")
@requires(Permission.WORK_INCIDENTS)
def add_task(incident_id: int) -> Response:
    return _change(
        incident_id,
        TaskForm,
        lambda incident, form: tasks.add_task(
            session=db.session, incident=incident, title=form.title.data, actor=current_principal(), now=now()
        ),
    )


@bp.post("/<int:incident_id>/tasks/<int:task_id>/done")
@requires(Permission.WORK_INCIDENTS)
def finish_task(incident_id: int, task_id: int) -> Response:
    def apply(incident: Incident, form: ActionForm) -> None:
        task = db.session.get(Task, task_id)
        if task is None or task.incident_id != incident.id:
            abort(404)
        tasks.finish_task(session=db.session, task=task, actor=current_principal(), now=now())

    return _change(incident_id, ActionForm, apply)


@bp.post("/<int:incident_id>/observables")
@requires(Permission.WORK_INCIDENTS)
def add_observable(incident_id: int) -> Response:
    return _change(
        incident_id,
        ObservableForm,
        lambda incident, form: observables.add(
            session=db.session,
            incident=incident,
            kind=ObservableKind(form.kind.data),
            value=form.value.data,
            actor=current_principal(),
            now=now(),
        ),
    )


@bp.post("/<int:incident_id>/evidence")
@requires(Permission.WORK_INCIDENTS)
def add_evidence(incident_id: int) -> Response:
    files = evidence_files()
    upload = request.files.get("file")  # a body over the limit was refused before the CSRF check read it

    def apply(incident: Incident, form: EvidenceForm) -> None:
        if upload is None or not upload.filename:
            raise evidence_service.EvidenceError(_("Choose a file to upload."))
        evidence_service.store(
            session=db.session,
            files=files,
            incident=incident,
            stream=upload.stream,
            filename=upload.filename,
            content_type=upload.mimetype,
            description=form.description.data or "",
            actor=current_principal(),
            now=now(),
        )

    return _change(incident_id, EvidenceForm, apply)


@bp.get("/<int:incident_id>/evidence/<int:evidence_id>")
@requires(Permission.VIEW)
@writes_on_get  # the download is written to the chain of custody
def download_evidence(incident_id: int, evidence_id: int) -> Response:
    incident = _working(incident_id)  # custody: only those who work the incident take evidence out
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.incident_id != incident.id:
        abort(404)
    handle = evidence_service.open_for_download(
        session=db.session, files=evidence_files(), evidence=item, actor=current_principal(), now=now()
    )
    db.session.commit()
    # Always an attachment of an opaque type: an uploaded page or script is never rendered by the hub.
    return send_file(
        handle, mimetype="application/octet-stream", as_attachment=True, download_name=item.filename
    )
