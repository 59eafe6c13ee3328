"""Governance pages: the maturity matrix, who covers whom, obligations per establishment, exports.

Changes are posted to governance_edit.py. The catalogue (config/governance/) is read when the blueprint is
registered, so a broken file stops the hub at start with its file and line.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from ght_soc import governance_runtime
from ght_soc.access import SYSTEM, Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.governance import report_pdf
from ght_soc.governance.catalogue import Catalogue
from ght_soc.governance.charts import BAND_COLOURS, Bar, Series, bar_chart, line_chart
from ght_soc.governance.enums import ComplianceStatus
from ght_soc.governance.maturity import band
from ght_soc.governance.report import GroupReport, coverage_csv, maturity_csv, obligations_csv
from ght_soc.governance.rights import can_edit, can_edit_group
from ght_soc.governance.shares import Load
from ght_soc.models import Establishment, Ght
from ght_soc.services import establishments as establishment_service
from ght_soc.services import maturity as maturity_service
from ght_soc.services import obligations as obligation_service
from ght_soc.services import shared_resources as resource_service
from ght_soc.web.forms import ActionForm
from ght_soc.web.governance_labels import governance_globals
from ght_soc.web.security import current_principal, requires

bp = Blueprint("governance", __name__, url_prefix="/governance")
bp.context_processor(governance_globals)


@bp.record_once
def _load_catalogue(state: BlueprintSetupState) -> None:
    governance_runtime.attach(state.app)  # type: ignore[arg-type]  # a catalogue error stops the start


def catalogue() -> Catalogue:
    return governance_runtime.catalogue_of(current_app)


def establishment_or_404(establishment_id: int) -> Establishment:
    establishment = establishment_service.get_establishment(
        session=db.session, establishment_id=establishment_id
    )
    if establishment is None:
        abort(404)
    return establishment


def group_loads() -> dict[int, Load]:
    # Totals over every establishment: a site reader sees that a pooled person is overloaded, never where.
    with db.session_for(SYSTEM) as system:
        return resource_service.loads(
            session=system,
            on=now().date(),
            working_days_per_month=catalogue().parameters.working_days_per_month,
        )


def _report(establishment_id: int | None = None) -> GroupReport:
    ght = db.session.scalars(select(Ght)).first()
    return maturity_service.group_report(
        session=db.session,
        catalogue=catalogue(),
        ght_name=ght.name if ght else "GHT",
        now=now(),
        loads=group_loads(),
        establishment_id=establishment_id,
    )


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    report = _report()
    bars = [
        Bar(e.short_name, e.scores.overall, BAND_COLOURS[band(e.scores.overall)])
        for e in report.establishments
    ]
    trend = [
        Series(e.short_name, [(day, value) for day, value in e.trend if value is not None])
        for e in report.establishments
    ]
    counts = {
        e.establishment_id: {
            status: sum(1 for i in e.items if not i.is_measure and i.status is status)
            for status in ComplianceStatus
        }
        for e in report.establishments
    }
    return render_template(
        "governance/index.html",
        report=report,
        counts=counts,
        scores_chart=Markup(bar_chart(bars, title=_("Overall maturity score per establishment"))),
        trend_chart=Markup(line_chart(trend, title=_("Overall maturity score over time"))),
        can_snapshot=can_edit_group(current_principal()),
        action_form=ActionForm(),
    )


@bp.get("/people")
@requires(Permission.VIEW)
def people() -> str:
    resources = resource_service.visible_resources(session=db.session)
    loads = group_loads()
    chart = bar_chart(
        [
            Bar(r.name, loads[r.id].total_percent, BAND_COLOURS["low" if loads[r.id].overloaded else "high"])
            for r in resources
            if r.id in loads
        ],
        title=_("Total load of each shared person (% of a full time)"),
        maximum=100,
        marker=100,
    )
    return render_template(
        "governance/people.html",
        resources=resources,
        loads=loads,
        chart=Markup(chart),
        can_create=can_edit_group(current_principal()),
        action_form=ActionForm(),
    )


@bp.get("/people/<int:resource_id>")
@requires(Permission.VIEW)
def person(resource_id: int) -> str:
    resource = resource_service.get_resource(session=db.session, resource_id=resource_id)
    if resource is None:
        abort(404)
    designations = resource_service.designations_of(session=db.session, resource_id=resource.id)
    return render_template(
        "governance/person.html",
        resource=resource,
        designations=designations,
        load=group_loads().get(resource.id),
        today=now().date(),
        working_days=catalogue().parameters.working_days_per_month,
    )


@bp.get("/establishments/<int:establishment_id>")
@requires(Permission.VIEW)
def establishment(establishment_id: int) -> str:
    e = establishment_or_404(establishment_id)
    report = _report(e.id).establishments[0]
    domain = request.args.get("domain") or None
    items = [i for i in report.items if domain is None or i.domain == domain]
    return render_template(
        "governance/establishment.html",
        establishment=e,
        report=report,
        obligations=[i for i in items if not i.is_measure],
        measures=[i for i in items if i.is_measure],
        domain=domain,
        catalogue=catalogue(),
        coverage=resource_service.coverage(session=db.session, establishment_id=e.id, on=now().date()),
        budgets=obligation_service.budgets(session=db.session, establishment_id=e.id),
        exercises=obligation_service.exercises(session=db.session, establishment_id=e.id),
        resources=resource_service.visible_resources(session=db.session)
        if current_principal().scope.is_everything
        else [],
        can_edit=can_edit(current_principal(), e.id),
        action_form=ActionForm(),
        this_year=now().year,
    )


@bp.get("/establishments/<int:establishment_id>/hygiene")
@requires(Permission.VIEW)
def hygiene(establishment_id: int) -> str:
    e = establishment_or_404(establishment_id)
    report = _report(e.id).establishments[0]
    return render_template(
        "governance/hygiene.html",
        establishment=e,
        measures=[i for i in report.items if i.is_measure],
        catalogue=catalogue(),
        reinforced=catalogue().targets_reinforced(obligation_service.profile_of(e)),
        can_edit=can_edit(current_principal(), e.id),
        action_form=ActionForm(),
    )


@bp.get("/establishments/<int:establishment_id>/history")
@requires(Permission.VIEW)
def history(establishment_id: int) -> str:
    e = establishment_or_404(establishment_id)
    item = request.args.get("item") or None
    return render_template(
        "governance/history.html",
        establishment=e,
        item=item,
        records=obligation_service.history(session=db.session, establishment_id=e.id, item_key=item),
        catalogue=catalogue(),
    )


@bp.get("/evidence/<int:document_id>")
@requires(Permission.VIEW)
def evidence(document_id: int) -> Response:
    document = obligation_service.get_evidence(session=db.session, evidence_id=document_id)
    if document is None:
        abort(404)
    response = Response(document.content, mimetype="application/octet-stream")
    # Always a download, never rendered in our origin: an uploaded HTML file must not run as a page.
    response.headers["Content-Disposition"] = _attachment(document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _export_scope() -> int | None:
    establishment_id = request.args.get("establishment", type=int)
    if establishment_id is not None:
        establishment_or_404(establishment_id)
    return establishment_id


def _download(body: str | bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = _attachment(filename)
    return response


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


@bp.get("/export/obligations.csv")
@requires(Permission.VIEW)
def export_obligations() -> Response:
    return _download(obligations_csv(_report(_export_scope())), "obligations.csv", "text/csv")


@bp.get("/export/maturity.csv")
@requires(Permission.VIEW)
def export_maturity() -> Response:
    return _download(maturity_csv(_report(_export_scope())), "maturite.csv", "text/csv")


@bp.get("/export/coverage.csv")
@requires(Permission.VIEW)
def export_coverage() -> Response:
    return _download(coverage_csv(_report(_export_scope())), "ressources-partagees.csv", "text/csv")


@bp.get("/export/report.pdf")
@requires(Permission.VIEW)
def export_pdf() -> Response:
    establishment_id = _export_scope()
    report = _report(establishment_id)
    single = establishment_id is not None
    name = f"gouvernance-{report.establishments[0].finess_ej}.pdf" if single else "gouvernance-ght.pdf"
    return _download(report_pdf.render_pdf(report, single=single), name, "application/pdf")
