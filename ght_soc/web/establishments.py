"""The GHT overview, one establishment's page, and its collectors' tokens."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ght_soc.access import Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.declarations.clocks import format_local
from ght_soc.declarations_runtime import declaration_context
from ght_soc.governance_runtime import catalogue_of
from ght_soc.models import Establishment
from ght_soc.services import alerts as alert_service
from ght_soc.services import establishments as establishment_service
from ght_soc.services import ght_overview
from ght_soc.services import tokens as token_service
from ght_soc.web.declarations import CLOCK_LABELS
from ght_soc.web.forms import ActionForm, TokenForm
from ght_soc.web.security import current_principal, requires

bp = Blueprint("establishments", __name__)


@bp.get("/")
@requires(Permission.VIEW)
def overview() -> str:
    cards = establishment_service.overview(session=db.session)
    summary = ght_overview.summary(
        session=db.session,
        context=declaration_context(current_app),
        catalogue=catalogue_of(current_app),
        now=now(),
    )
    return render_template(
        "overview.html",
        cards=cards,
        summary=summary,
        shown_clocks=5,  # the nearest deadlines; the declarations page lists them all
        clock_label=CLOCK_LABELS.__getitem__,
        format_local=format_local,
    )


def _establishment_or_404(establishment_id: int) -> Establishment:
    establishment = establishment_service.get_establishment(
        session=db.session, establishment_id=establishment_id
    )
    if establishment is None:
        abort(404)
    return establishment


@bp.get("/establishments/<int:establishment_id>")
@requires(Permission.VIEW)
def detail(establishment_id: int) -> str:
    establishment = _establishment_or_404(establishment_id)
    recent = alert_service.list_alerts(session=db.session, establishment_id=establishment.id, per_page=10)
    can_manage_tokens = current_principal().can(Permission.MANAGE_TOKENS, establishment.id)
    tokens = (
        token_service.list_tokens(session=db.session, establishment_id=establishment.id)
        if can_manage_tokens
        else []
    )
    return render_template(
        "establishment.html",
        establishment=establishment,
        recent=recent,
        tokens=tokens,
        can_manage_tokens=can_manage_tokens,
        token_form=TokenForm(),
        action_form=ActionForm(),
    )


@bp.post("/establishments/<int:establishment_id>/tokens")
@requires(Permission.MANAGE_TOKENS)
def create_token(establishment_id: int) -> str | Response:
    establishment = _establishment_or_404(establishment_id)
    principal = current_principal()
    if not principal.can(Permission.MANAGE_TOKENS, establishment.id):
        abort(403)
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for(".detail", establishment_id=establishment.id))
    token, clear = token_service.issue_token(
        session=db.session,
        establishment_id=establishment.id,
        name=form.name.data,
        created_by_id=principal.user_id,
        now=now(),
        actor=principal,  # audit log
    )
    db.session.commit()
    return render_template("token_created.html", establishment=establishment, token=token, clear=clear)


@bp.post("/tokens/<int:token_id>/revoke")
@requires(Permission.MANAGE_TOKENS)
def revoke_token(token_id: int) -> Response:
    token = token_service.get_token(session=db.session, token_id=token_id)
    if token is None or not ActionForm().validate_on_submit():
        abort(404)
    if not current_principal().can(Permission.MANAGE_TOKENS, token.establishment_id):
        abort(403)
    token_service.revoke_token(session=db.session, token=token, now=now(), actor=current_principal())
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for(".detail", establishment_id=token.establishment_id))
