"""Governance changes: shared people, designations, records (with overrides), budgets, exercises, snapshots.

Each view parses the form, calls one service, commits once. Refused input answers 400 (413 for a document too
large) with the reason, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum
from typing import TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ght_soc.access import Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.governance.budget import BudgetEntry
from ght_soc.governance.enums import (
    ComplianceStatus,
    DesignationRole,
    ExerciseLevel,
    HygieneLevel,
    ResourceKind,
    ShareUnit,
)
from ght_soc.governance.errors import GovernanceInputError, InputProblem
from ght_soc.governance.rights import can_edit, can_edit_group
from ght_soc.governance.shares import Share
from ght_soc.models import Establishment
from ght_soc.services import maturity as maturity_service
from ght_soc.services import obligations as obligation_service
from ght_soc.services import shared_resources as resource_service
from ght_soc.services.obligations import DEFAULT_MAX_EVIDENCE_BYTES, Actor, NewExercise, NewRecord
from ght_soc.services.shared_resources import NewDesignation, NewResource
from ght_soc.web.forms import ActionForm
from ght_soc.web.governance import catalogue, establishment_or_404
from ght_soc.web.governance_labels import problem_message
from ght_soc.web.security import current_principal, requires

bp = Blueprint("governance_edit", __name__, url_prefix="/governance")

MAX_BYTES_KEY = "GOVERNANCE_EVIDENCE_MAX_BYTES"
E = TypeVar("E", bound=StrEnum)


class BadForm(Exception):
    """A field is missing or unreadable (the 400 page names it)."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(field)


def _text(name: str, required: bool = False, limit: int = 300) -> str:
    value = (request.form.get(name) or "").strip()
    if required and not value:
        raise BadForm(name)
    return value[:limit]


def _date(name: str, required: bool = False) -> date | None:
    value = _text(name, required)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadForm(name) from None


def _number(name: str) -> float:
    try:
        return float(_text(name, required=True).replace(",", ".").replace(" ", ""))
    except ValueError:
        raise BadForm(name) from None


def _choice(name: str, kind: type[E]) -> E:
    try:
        return kind(_text(name, required=True))
    except ValueError:
        raise BadForm(name) from None


def _actor() -> Actor:
    principal = current_principal()
    return Actor(name=principal.display_name, user_id=principal.user_id)


def _editable(establishment_id: int) -> Establishment:
    """The establishment if in scope (else 404) and the principal may edit it (else 403), with a valid token."""
    establishment = establishment_or_404(establishment_id)
    if not can_edit(current_principal(), establishment.id):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return establishment


def _refused(message: str, status: int = 400) -> tuple[str, int]:
    db.session.rollback()
    back = request.referrer if (request.referrer or "").startswith(request.host_url) else None
    return render_template("governance/refused.html", message=message, back=back), status


def _upload(establishment: Establishment) -> int | None:
    """Store the form's `document` if one was sent; too large raises GovernanceInputError before storing."""
    upload = request.files.get("document")
    if upload is None or not upload.filename:
        return None
    limit = int(current_app.config.get(MAX_BYTES_KEY, DEFAULT_MAX_EVIDENCE_BYTES))
    data = upload.stream.read(limit + 1)  # one byte more than allowed is enough to refuse
    document = obligation_service.store_evidence(
        session=db.session,
        establishment_id=establishment.id,
        filename=upload.filename,
        content_type=upload.mimetype or "application/octet-stream",
        data=data,
        actor=_actor(),
        now=now(),
        max_bytes=limit,
    )
    return document.id


def _answer(error: Exception) -> tuple[str, int]:
    if isinstance(error, GovernanceInputError):
        status = 413 if error.problem is InputProblem.EVIDENCE_TOO_LARGE else 400
        return _refused(problem_message(error), status)
    assert isinstance(error, BadForm)
    return _refused(_("The field %(field)s is missing or unreadable.", field=error.field))


@bp.post("/people")
@requires(Permission.MANAGE_GOVERNANCE)
def create_person() -> Response | tuple[str, int]:
    if not can_edit_group(current_principal()):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        resource = resource_service.create_resource(
            session=db.session,
            resource=NewResource(
                kind=_choice("kind", ResourceKind),
                name=_text("name", required=True, limit=200),
                organisation=_text("organisation", limit=200) or None,
                email=_text("email", limit=254) or None,
                phone=_text("phone", limit=40) or None,
                notes=_text("notes", limit=2000) or None,
            ),
            now=now(),
        )
    except BadForm as error:
        return _answer(error)
    db.session.commit()
    flash(_("Shared resource added."), "success")
    return redirect(url_for("governance.person", resource_id=resource.id))


@bp.post("/establishments/<int:establishment_id>/designations")
@requires(Permission.MANAGE_GOVERNANCE)
def designate(establishment_id: int) -> Response | tuple[str, int]:
    establishment = _editable(establishment_id)
    try:
        resource_id = int(_number("resource_id"))
        if resource_service.get_resource(session=db.session, resource_id=resource_id) is None:
            raise BadForm("resource_id")
        designation = NewDesignation(
            resource_id=resource_id,
            role=_choice("role", DesignationRole),
            share=Share(_number("share_value"), _choice("share_unit", ShareUnit)),
            starts_on=_date("starts_on", required=True) or now().date(),
            ends_on=_date("ends_on"),
            act_date=_date("act_date"),
            act_reference=_text("act_reference", limit=200) or None,
            contact=_text("contact", limit=200) or None,
        )
        document_id = _upload(establishment)
        resource_service.designate(
            session=db.session,
            establishment_id=establishment.id,
            designation=replace(designation, act_document_id=document_id),
            actor=_actor().name,
            now=now(),
        )
    except (BadForm, GovernanceInputError) as error:
        return _answer(error)
    db.session.commit()
    flash(_("Designation recorded."), "success")
    return redirect(url_for("governance.establishment", establishment_id=establishment.id))


@bp.post("/designations/<int:designation_id>/end")
@requires(Permission.MANAGE_GOVERNANCE)
def end_designation(designation_id: int) -> Response | tuple[str, int]:
    designation = resource_service.get_designation(session=db.session, designation_id=designation_id)
    if designation is None:
        abort(404)
    _editable(designation.establishment_id)
    try:
        resource_service.end_designation(
            session=db.session,
            designation=designation,
            ends_on=_date("ends_on", required=True) or now().date(),
        )
    except (BadForm, GovernanceInputError) as error:
        return _answer(error)
    db.session.commit()
    flash(_("Designation ended."), "success")
    return redirect(url_for("governance.establishment", establishment_id=designation.establishment_id))


@bp.post("/establishments/<int:establishment_id>/records")
@requires(Permission.MANAGE_GOVERNANCE)
def record(establishment_id: int) -> Response | tuple[str, int]:
    establishment = _editable(establishment_id)
    try:
        level = _text("level")
        new = NewRecord(
            item_key=_text("item", required=True, limit=60),
            status=_choice("status", ComplianceStatus),
            comment=_text("comment", limit=2000),
            is_override=request.form.get("override") == "1",
            level=HygieneLevel(level) if level in set(HygieneLevel) else None,
            done_on=_date("done_on"),
            evidence_url=_text("evidence_url", limit=500) or None,
        )
        evidence_id = _upload(establishment)
        obligation_service.record_compliance(
            session=db.session,
            catalogue=catalogue(),
            establishment=establishment,
            record=replace(new, evidence_id=evidence_id),
            actor=_actor(),
            now=now(),
        )
    except (BadForm, GovernanceInputError) as error:
        return _answer(error)
    db.session.commit()
    flash(_("Recorded; the previous entries stay in the history."), "success")
    target = "governance.hygiene" if new.item_key.startswith("hygiene-") else "governance.establishment"
    return redirect(url_for(target, establishment_id=establishment.id))


@bp.post("/establishments/<int:establishment_id>/budgets")
@requires(Permission.MANAGE_GOVERNANCE)
def budget(establishment_id: int) -> Response | tuple[str, int]:
    establishment = _editable(establishment_id)
    try:
        entry = BudgetEntry(int(_number("year")), round(_number("it_budget")), round(_number("cyber_budget")))
        obligation_service.record_budget(
            session=db.session,
            establishment_id=establishment.id,
            entry=entry,
            comment=_text("comment", limit=2000),
            actor=_actor(),
            now=now(),
        )
    except (BadForm, GovernanceInputError) as error:
        return _answer(error)
    except OverflowError:
        return _answer(GovernanceInputError(InputProblem.BUDGET_ABSURD, "it_budget", value="∞"))
    db.session.commit()
    flash(_("Budget recorded."), "success")
    return redirect(url_for("governance.establishment", establishment_id=establishment.id))


@bp.post("/establishments/<int:establishment_id>/exercises")
@requires(Permission.MANAGE_GOVERNANCE)
def exercise(establishment_id: int) -> Response | tuple[str, int]:
    establishment = _editable(establishment_id)
    try:
        new = NewExercise(
            held_on=_date("held_on", required=True) or now().date(),
            level=_choice("level", ExerciseLevel),
            scenario=_text("scenario", required=True),
            participants=_text("participants", limit=4000),
            lessons=_text("lessons", limit=8000),
        )
        evidence_id = _upload(establishment)
        obligation_service.record_exercise(
            session=db.session,
            establishment_id=establishment.id,
            exercise=replace(new, evidence_id=evidence_id),
            actor=_actor(),
            now=now(),
        )
    except (BadForm, GovernanceInputError) as error:
        return _answer(error)
    db.session.commit()
    flash(_("Exercise recorded."), "success")
    return redirect(url_for("governance.establishment", establishment_id=establishment.id))


@bp.post("/snapshots")
@requires(Permission.MANAGE_GOVERNANCE)
def snapshot() -> Response:
    if not can_edit_group(current_principal()):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    maturity_service.take_snapshots(session=db.session, catalogue=catalogue(), today=now().date())
    db.session.commit()
    flash(_("Today's maturity scores recorded."), "success")
    return redirect(url_for("governance.index"))
