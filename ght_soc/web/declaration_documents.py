"""Declaration document pages: the draft editor, the DPO review, approval, the filing record and the exports.

Their own blueprint under the same `/declarations` prefix as the overview and the incident pages
(ght_soc/web/declarations.py), whose helpers they share. Each view parses the form, calls one service of
declaration_workflow.py, commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, render_template, request, url_for
from werkzeug.wrappers import Response

from ght_soc.access import Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.declarations.fields import FIELDS
from ght_soc.declarations.mandates import quality
from ght_soc.models import Declaration, DeclarationStatus
from ght_soc.services import declarant_mandates
from ght_soc.services import declaration_documents as documents
from ght_soc.services import declaration_workflow as workflow
from ght_soc.web.declarations import (
    act,
    current_context,
    local_input,
    local_instant,
    row_or_404,
    template_helpers,
)
from ght_soc.web.forms import ActionForm
from ght_soc.web.security import current_principal, requires, requires_recent_auth

bp = Blueprint("declaration_documents", __name__, url_prefix="/declarations")


@bp.get("/<int:declaration_id>")
@requires(Permission.VIEW)
def edit(declaration_id: int) -> str:
    row = row_or_404(declaration_id)
    view = documents.document(session=db.session, row=row, context=current_context(), now=now())
    principal = current_principal()
    return render_template(
        "declarations/document.html",
        view=view,
        row=row,
        fields=[FIELDS[k] for k in view.draft.fields],
        can_edit=row.status not in (DeclarationStatus.SENT, DeclarationStatus.OBSOLETE)
        and any(
            principal.can(p, row.establishment_id) for p in (Permission.DECLARE, Permission.WORK_INCIDENTS)
        ),
        can_declare=principal.can(Permission.DECLARE, row.establishment_id),
        authority=_authority(row, view),
        form=ActionForm(),
        field_text=_field_text,
        **template_helpers(),
    )


def _authority(row: Declaration, view: documents.DocumentView) -> dict[str, str]:
    """Under which quality the person would approve and file today, or why the hub would refuse them."""
    try:
        held = declarant_mandates.authority_for(
            session=db.session,
            actor=current_principal(),
            establishment=row.establishment,
            regime_id=row.regime_id,
            regime_title=view.regime.short_title,
            moment=now(),
            zone=view.timezone,
        )
    except ValueError as refused:
        return {"refused": str(refused)}
    return {"quality": quality(held)}


@bp.post("/<int:declaration_id>")
@requires(Permission.VIEW)
def save(declaration_id: int) -> Response:
    row = row_or_404(declaration_id)
    context = current_context()

    def apply() -> None:
        zone = context.timezone(row.establishment.key)
        view = documents.document(session=db.session, row=row, context=context, now=now())
        values = {
            key: documents.parse_form_value(key, request.form[key], zone)
            for key in view.draft.fields
            if key in request.form
        }
        workflow.save_values(
            session=db.session, row=row, values=values, context=context, actor=current_principal(), now=now()
        )

    return act(url_for(".edit", declaration_id=row.id), apply)


def _document_action(
    declaration_id: int, call: Callable[..., object], **extra: Callable[[Declaration], object]
) -> Response:
    row = row_or_404(declaration_id)

    def apply() -> None:
        call(
            session=db.session,
            row=row,
            context=current_context(),
            actor=current_principal(),
            now=now(),
            **{name: make(row) for name, make in extra.items()},
        )

    return act(url_for(".edit", declaration_id=row.id), apply)


@bp.post("/<int:declaration_id>/review")
@requires(Permission.DECLARE)
def review(declaration_id: int) -> Response:
    return _document_action(declaration_id, workflow.review_as_dpo)


@bp.post("/<int:declaration_id>/approve")
@requires(Permission.DECLARE)
@requires_recent_auth
def approve(declaration_id: int) -> Response:
    return _document_action(declaration_id, workflow.approve)


@bp.post("/<int:declaration_id>/sent")
@requires(Permission.DECLARE)
@requires_recent_auth
def sent(declaration_id: int) -> Response:
    def zone(row: Declaration) -> str:
        return current_context().timezone(row.establishment.key)

    return _document_action(
        declaration_id,
        workflow.record_sent,
        sent_at=lambda row: local_instant(request.form.get("sent_at", ""), zone(row)),
        channel=lambda row: request.form.get("channel", ""),
        reference=lambda row: request.form.get("reference", ""),
    )


@bp.post("/<int:declaration_id>/request")
@requires(Permission.DECLARE)
def requested(declaration_id: int) -> Response:
    return _document_action(
        declaration_id,
        workflow.request_stage,
        requested_at=lambda row: local_instant(
            request.form.get("requested_at", ""), current_context().timezone(row.establishment.key)
        ),
    )


@bp.get("/<int:declaration_id>/pdf")
@requires(Permission.VIEW)
def pdf_export(declaration_id: int) -> Response:
    row = row_or_404(declaration_id)
    moment = now()
    body = documents.export_pdf(
        documents.document(session=db.session, row=row, context=current_context(), now=moment), moment
    )
    return _download(body, "application/pdf", f"{_filename(row)}.pdf")


@bp.get("/<int:declaration_id>/json")
@requires(Permission.VIEW)
def json_export(declaration_id: int) -> Response:
    row = row_or_404(declaration_id)
    moment = now()
    body = documents.export_json(
        documents.document(session=db.session, row=row, context=current_context(), now=moment), moment
    )
    return _download(body.encode("utf-8"), "application/json", f"{_filename(row)}.json")


def _filename(row: Declaration) -> str:
    return f"declaration-{row.incident.reference}-{row.regime_id}-{row.finess_ej}-{row.stage}-{row.sequence}"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _field_text(view: documents.DocumentView, key: str) -> str:
    """A field's value in its form input: lists one item a line, instants on the local wall clock."""
    value = view.draft.value(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, tuple):
        return "\n".join(value)
    if isinstance(value, datetime):
        return local_input(value, view.timezone)
    return str(value)
