"""Alert list and triage."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ght_soc.access import SYSTEM, Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.domain import AlertSeverity, AlertStatus
from ght_soc.events.factory import event_store
from ght_soc.models import Alert, Establishment
from ght_soc.services import alerts as alert_service
from ght_soc.services import establishments as establishment_service
from ght_soc.services.indicators import shared_indicators
from ght_soc.web.forms import AlertStatusForm
from ght_soc.web.security import current_principal, requires

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    status_arg = request.args.get("status", "open")
    statuses = alert_service.OPEN_STATUSES if status_arg == "open" else None
    if status_arg in set(AlertStatus):
        statuses = frozenset({AlertStatus(status_arg)})
    severity_arg = request.args.get("severity", "")
    severities = frozenset({AlertSeverity(severity_arg)}) if severity_arg in set(AlertSeverity) else None
    page = alert_service.list_alerts(
        session=db.session,
        establishment_id=request.args.get("establishment", type=int),
        statuses=statuses,
        severities=severities,
        page=max(1, request.args.get("page", 1, type=int)),
    )
    return render_template(
        "alerts.html",
        page=page,
        alerts=page.alerts,
        status=status_arg,
        severity=severity_arg,
        establishments=establishment_service.list_establishments(session=db.session),
        bulk_form=AlertStatusForm(),
        can_triage=current_principal().can_somewhere(Permission.TRIAGE_ALERTS),
        current_principal_can_open_incident=current_principal().can_somewhere(Permission.WORK_INCIDENTS),
    )


@bp.post("/bulk-status")
@requires(Permission.TRIAGE_ALERTS)
def bulk_status() -> Response:
    """Acknowledge (or close...) the ticked alerts; each one the principal may triage, the others are left."""
    form = AlertStatusForm()
    if not form.validate_on_submit():
        abort(400)
    principal = current_principal()
    wanted = [int(value) for value in request.form.getlist("alert_ids") if value.isdigit()]
    allowed = [
        alert.id
        for alert in alert_service.alerts_by_id(session=db.session, alert_ids=wanted)
        if principal.can(Permission.TRIAGE_ALERTS, alert.establishment_id)
    ]
    changed, refused = alert_service.change_statuses(
        session=db.session,
        alert_ids=allowed,
        status=AlertStatus(form.status.data),
        actor=principal,
        now=now(),
    )
    db.session.commit()
    flash(_("%(count)d alert(s) updated.", count=len(changed)), "success")
    if refused or len(allowed) < len(wanted):
        flash(_("%(count)d alert(s) left unchanged.", count=len(wanted) - len(changed)), "error")
    return redirect(request.referrer if _same_site(request.referrer) else url_for(".index"))


def _same_site(target: str | None) -> bool:
    return bool(target) and str(target).startswith(request.host_url)


@bp.get("/<int:alert_id>")
@requires(Permission.VIEW)
def detail(alert_id: int) -> str:
    alert = alert_service.get_alert(session=db.session, alert_id=alert_id)
    if alert is None:
        abort(404)
    form = AlertStatusForm(status=alert.status.value)
    principal = current_principal()
    can_triage = principal.can(Permission.TRIAGE_ALERTS, alert.establishment_id)
    # Other establishments' alerts are outside a site user's scope: read them in a system unit of work, and
    # show a site user only how many establishments, never which.
    with db.session_for(SYSTEM) as system:
        shared = shared_indicators(session=system, alert=system.get_one(Alert, alert.id))
        names = {e.id: e.short_name for e in system.scalars(select(Establishment))}
    linked = event_store(current_app).get([link.event_ref for link in alert.events], principal.scope)
    return render_template(
        "alert.html",
        alert=alert,
        form=form,
        can_triage=can_triage,
        linked=linked,
        shared=shared,
        names=names if principal.scope.is_everything else None,
    )


@bp.post("/<int:alert_id>/status")
@requires(Permission.TRIAGE_ALERTS)
def change_status(alert_id: int) -> Response:
    alert = alert_service.get_alert(session=db.session, alert_id=alert_id)
    if alert is None:
        abort(404)
    if not current_principal().can(Permission.TRIAGE_ALERTS, alert.establishment_id):
        abort(403)
    form = AlertStatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        alert_service.change_status(
            session=db.session,
            alert=alert,
            status=AlertStatus(form.status.data),
            actor=current_principal(),
            now=now(),
        )
    except alert_service.AlertTransitionError:
        flash(_("This status cannot follow the current one."), "error")
    else:
        db.session.commit()
        flash(_("Alert updated."), "success")
    return redirect(url_for(".detail", alert_id=alert.id))
