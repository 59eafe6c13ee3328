"""Declaration pages: the GHT overview of every running clock, and an incident's qualification and documents
with their T0.

The document editor (draft, review, approval, filing, exports) is declaration_documents.py, a blueprint of its
own under the same prefix; the helpers both share (context, form handling, template helpers) are here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from ght_soc.access import SYSTEM, Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.declarations.clocks import ClockStatus, DeadlineMove, T0InFuture, format_local
from ght_soc.declarations.facts import QualificationAnswers
from ght_soc.declarations.fields import SECTION_LABELS, FieldKind
from ght_soc.declarations.qualification import QUESTIONS, answer_text
from ght_soc.declarations_runtime import attach, declaration_context
from ght_soc.models import Declaration, DeclarationStatus, Establishment, Incident, IncidentEstablishment
from ght_soc.services import declaration_changes as changes
from ght_soc.services import declarations as service
from ght_soc.services import incidents as incident_service
from ght_soc.web.forms import ActionForm
from ght_soc.web.security import current_principal, requires

bp = Blueprint("declarations", __name__, url_prefix="/declarations")


@bp.record_once
def _load_regimes(state: BlueprintSetupState) -> None:
    attach(state.app)  # type: ignore[arg-type]  # at app creation: a broken regime file stops the start


STATUS_LABELS: dict[DeclarationStatus, LazyString] = {
    DeclarationStatus.DRAFT: _l("draft"),
    DeclarationStatus.READY: _l("ready for approval"),
    DeclarationStatus.APPROVED: _l("approved"),
    DeclarationStatus.SENT: _l("sent"),
    DeclarationStatus.OBSOLETE: _l("no longer due"),
}
CLOCK_LABELS: dict[ClockStatus, LazyString] = {
    ClockStatus.WAITING: _l("not started"),
    ClockStatus.PENDING: _l("pending"),
    ClockStatus.DUE_SOON: _l("due soon"),
    ClockStatus.OVERDUE: _l("overdue"),
    ClockStatus.DONE: _l("done"),
}
_ANSWER_TYPES = get_type_hints(QualificationAnswers)


def current_context() -> service.DeclarationContext:
    """The declaration context of the app serving the request."""
    return declaration_context(current_app)


def row_or_404(declaration_id: int) -> Declaration:
    """The declaration row in the user's scope, else 404."""
    row = db.session.get(Declaration, declaration_id)
    if row is None:
        abort(404)
    return row


def _incident_or_404(incident_id: int) -> Incident:
    incident = incident_service.get(session=db.session, incident_id=incident_id)
    if incident is None:
        abort(404)
    return incident


def _questions() -> list[dict[str, Any]]:
    """The questionnaire as the template renders it: kind and choices from the answers' types."""
    found = []
    for name, label in QUESTIONS.items():
        kind = _ANSWER_TYPES[name]
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            choices = [(m.value, answer_text(name, m.value)) for m in kind]
            found.append({"name": name, "label": label, "kind": "choice", "choices": choices})
        elif kind is bool:
            found.append({"name": name, "label": label, "kind": "bool"})
        else:
            found.append({"name": name, "label": label, "kind": "int"})
    return found


def _answers_from_form() -> QualificationAnswers:
    values: dict[str, Any] = {}
    for question in _questions():
        name, raw = question["name"], request.form.get(question["name"], "").strip()
        if question["kind"] == "bool":
            values[name] = raw in ("on", "yes", "true", "1")
        elif question["kind"] == "choice":
            values[name] = raw or None
        elif raw:
            if not raw.isdigit():
                raise ValueError(_("The number of persons must be a whole number."))
            values[name] = int(raw)
    return service.answers_from_json({k: v for k, v in values.items() if v is not None})


def _affected(incident_id: int) -> tuple[list[str], dict[str, int]]:
    """Every establishment the incident affects and every member's id, whatever the user's scope: the
    qualification service refuses a user who does not see them all (a partial view would drop rows)."""
    with db.session_for(SYSTEM) as session:
        affected = session.scalars(
            select(Establishment.key)
            .join(IncidentEstablishment, IncidentEstablishment.establishment_id == Establishment.id)
            .where(IncidentEstablishment.incident_id == incident_id)
            .order_by(IncidentEstablishment.id)
        ).all()
        ids = {key: id_ for key, id_ in session.execute(select(Establishment.key, Establishment.id))}
    return list(affected), ids


def _rows_view(incident: Incident) -> list[dict[str, Any]]:
    """The incident's visible documents, regime by regime, with their clocks."""
    context, moment = current_context(), now()
    found = []
    for (regime_id, _ej), rows in service.groups(
        service.declarations_of(session=db.session, incident=incident)
    ).items():
        regime = context.regimes[regime_id]
        clocks = service.group_clocks(rows, regime, incident, context)
        zone = context.timezone(rows[0].establishment.key)
        order = [s.kind.value for s in regime.stages]
        documents_ = []
        for row in sorted(rows, key=lambda r: (order.index(r.stage), r.sequence)):
            clock = service.row_clock(row, clocks)
            documents_.append({"row": row, "clock": clock, "status": clock.status(moment), "zone": zone})
        found.append(
            {"regime": regime, "rows": rows, "first": rows[0], "zone": zone, "documents": documents_}
        )
    return found


@bp.get("/")
@requires(Permission.VIEW)
def overview() -> str:
    """Every running clock the user may see, the nearest deadline first."""
    context, moment = current_context(), now()
    rows = db.session.scalars(
        select(Declaration).where(Declaration.status != DeclarationStatus.OBSOLETE)
    ).all()
    running: list[dict[str, Any]] = []
    by_incident: dict[int, list[Declaration]] = {}
    for row in rows:
        by_incident.setdefault(row.incident_id, []).append(row)
    for members in by_incident.values():
        incident = members[0].incident
        for (regime_id, _ej), group in service.groups(members).items():
            clocks = service.group_clocks(group, context.regimes[regime_id], incident, context)
            for row in group:
                clock = service.row_clock(row, clocks)
                status = clock.status(moment)
                if status not in (ClockStatus.DONE, ClockStatus.WAITING):
                    zone = context.timezone(row.establishment.key)
                    running.append(
                        {
                            "row": row,
                            "clock": clock,
                            "status": status,
                            "zone": zone,
                            "regime": context.regimes[regime_id],
                        }
                    )
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    running.sort(key=lambda item: (item["clock"].deadline_at or far, item["row"].id))
    return render_template("declarations/overview.html", running=running, **template_helpers())


@bp.get("/incidents/<int:incident_id>")
@requires(Permission.VIEW)
def incident_page(incident_id: int) -> str:
    found = _incident_or_404(incident_id)
    answers = service.current_answers(session=db.session, incident=found)
    return render_template(
        "declarations/incident.html",
        incident=found,
        answers=dataclasses.asdict(answers or QualificationAnswers()),
        qualified=answers is not None,
        questions=_questions(),
        regimes=_rows_view(found),
        form=ActionForm(),
        **template_helpers(),
    )


def act(target: str, apply: Callable[[], object]) -> Response:
    """Validate the CSRF token, apply one service call, commit once, go back to `target`."""
    if not ActionForm().validate_on_submit():
        flash(_("The form was not valid; nothing was changed."), "error")
        return redirect(target)
    try:
        apply()
    except ValueError as error:  # the services' errors say what went wrong
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
    return redirect(target)


@bp.post("/incidents/<int:incident_id>/qualification")
@requires(Permission.VIEW)
def qualify(incident_id: int) -> Response:
    found = _incident_or_404(incident_id)
    principal = current_principal()
    affected, ids = _affected(found.id)
    if not any(
        principal.can(p, ids.get(k))
        for k in affected
        for p in (Permission.DECLARE, Permission.WORK_INCIDENTS)
    ):
        abort(403)

    def apply() -> None:
        changes.qualify(
            session=db.session,
            incident=found,
            answers=_answers_from_form(),
            affected=affected,
            establishment_ids=ids,
            context=current_context(),
            actor=principal,
            now=now(),
        )

    return act(url_for(".incident_page", incident_id=found.id), apply)


def local_instant(text: str, zone: str) -> datetime:
    """A datetime-local input on the establishment's wall clock (an explicit offset is kept)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("A date and time is expected.")) from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))


@bp.post("/<int:declaration_id>/t0")
@requires(Permission.DECLARE)
def correct_t0(declaration_id: int) -> Response:
    row = row_or_404(declaration_id)
    context = current_context()

    def apply() -> None:
        try:
            moves = _correct()
        except T0InFuture:
            raise ValueError(_("The T0 cannot be later than now; nothing was changed.")) from None
        flash(_("T0 corrected; %(count)d deadline(s) moved.", count=len(moves)), "success")

    def _correct() -> list[DeadlineMove]:
        return changes.correct_t0(
            session=db.session,
            incident=row.incident,
            regime_id=row.regime_id,
            finess_ej=row.finess_ej,
            t0=local_instant(request.form.get("t0", ""), context.timezone(row.establishment.key)),
            context=context,
            actor=current_principal(),
            now=now(),
        )

    return act(url_for(".incident_page", incident_id=row.incident_id), apply)


def template_helpers() -> dict[str, Any]:
    """What the declaration templates call: labels, local times, field kinds."""
    return {
        "status_label": STATUS_LABELS.__getitem__,
        "clock_label": CLOCK_LABELS.__getitem__,
        "format_local": format_local,
        "section_labels": SECTION_LABELS,
        "FieldKind": FieldKind,
        "local_input": local_input,
    }


def local_input(value: datetime | None, zone: str) -> str:
    """An instant as a datetime-local input's value on the `zone` wall clock (empty for None)."""
    return "" if value is None else value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
