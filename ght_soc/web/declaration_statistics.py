"""The OSE view of the group's declarations, and the yearly statistics in the national observatory's terms.

The group view lists every declaration in the reader's scope, of every status, with its clock; the statistics
page shows the year's figures next to the national ones and exports them (CSV, JSON, PDF: French, in the
observatory's words). Both only read: a site user sees their own establishment, the GHT RSSI the whole group.
"""

from __future__ import annotations

from typing import Any

from babel.dates import get_month_names
from flask import Blueprint, abort, render_template, request
from flask_babel import LazyString, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ght_soc.access import Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.declarations.facts import CareImpact
from ght_soc.declarations.observatory import latest_national_figures
from ght_soc.declarations.statistics import Filings, Share, YearStatistics, year_of
from ght_soc.declarations.statistics_export import StatisticsReport, to_csv, to_json
from ght_soc.declarations.statistics_pdf import render_pdf
from ght_soc.domain import Malice
from ght_soc.models import DeclarationStatus
from ght_soc.services import declaration_statistics as service
from ght_soc.services import establishments as establishment_service
from ght_soc.web.declarations import current_context, template_helpers
from ght_soc.web.incident_labels import INCIDENT_CATEGORY_LABELS, MALICE_LABELS
from ght_soc.web.labels import CATEGORY_LABELS
from ght_soc.web.security import requires

bp = Blueprint("declaration_statistics", __name__, url_prefix="/declarations")

CARE_LABELS: dict[CareImpact, LazyString] = {
    CareImpact.NONE: _l("no impact on care"),
    CareImpact.DEGRADED_MODE: _l("switch to degraded mode"),
    CareImpact.DEPROGRAMMING: _l("deprogrammed care"),
    CareImpact.TRANSFERS: _l("patient transfers"),
    CareImpact.PATIENT_ENDANGERMENT: _l("patients endangered"),
}
_MALICE_ORDER = (Malice.MALICIOUS, Malice.NOT_MALICIOUS, Malice.UNKNOWN)  # as the observatory lists them
_YEARS = range(2000, 2201)  # a year outside is a typo in the address, not a query


def _year_arg() -> int | None:
    year = request.args.get("year", type=int)
    return year if year in _YEARS else None


def _filters() -> service.GroupFilters:
    """The group view's filters from the query string; an unknown value is ignored, as "all"."""
    status = request.args.get("status", "")
    regime = request.args.get("regime", "")
    return service.GroupFilters(
        year=_year_arg(),
        establishment_id=request.args.get("establishment", type=int),
        regime_id=regime if regime in current_context().regimes else None,
        status=DeclarationStatus(status) if status in {s.value for s in DeclarationStatus} else None,
    )


@bp.get("/group")
@requires(Permission.VIEW)
def group() -> str:
    """Every declaration of the group the reader may see, with its state and clock."""
    context, moment = current_context(), now()
    filters = _filters()
    return render_template(
        "declarations/group.html",
        incidents=service.group_view(session=db.session, context=context, now=moment, filters=filters),
        filters=filters,
        years=service.years(session=db.session, now=moment),
        establishments=establishment_service.list_establishments(session=db.session),
        regimes=sorted(context.regimes.values(), key=lambda r: r.short_title),
        statuses=list(DeclarationStatus),
        **template_helpers(),
    )


def _report(year: int) -> StatisticsReport:
    if year not in _YEARS:
        abort(404)
    return service.report(session=db.session, context=current_context(), year=year, now=now())


def _row(
    label: Any, share: Share | None = None, count: int | None = None, national: str = ""
) -> dict[str, Any]:
    percent = None if share is None else share.percent()
    return {
        "label": label,
        "count": share.count if share is not None else count,
        "of": None if share is None else share.of,
        "percent": "" if percent is None else f"{format_decimal(percent, format='#,##0.0')} %",
        "national": national,
    }


def _filed(label: Any, filings: Filings) -> dict[str, Any]:
    return _row(label, Share(filings.filed, filings.due))


def _sections(
    s: YearStatistics, regime_titles: dict[str, str]
) -> list[tuple[LazyString, list[dict[str, Any]]]]:
    """The page's tables: the observatory's figures first, each share with its national reference."""
    nat = latest_national_figures()
    n = s.reports.due
    months = get_month_names("wide", locale=get_locale())
    return [
        (_l("Reports"), [
            _row(_l("Reports (health IS incident declarations, one per legal entity)"), count=n,
                 national=str(nat.reports)),
            _row(_l("Reports filed"), Share(s.reports.filed, n)),
            _row(_l("Incidents"), count=s.incidents),
        ]),
        (_l("Malicious origin"), [
            _row(MALICE_LABELS[m], share, national=f"{nat.malicious_percent} %" if m == Malice.MALICIOUS else "")
            for m, share in sorted(s.malice.items(), key=lambda item: _MALICE_ORDER.index(item[0]))
        ]),
        (_l("Impact on care"), [
            _row(_l("Reports with an impact on care"), s.care_impact, national=f"{nat.care_impact_percent} %"),
            _row(_l("Reports forcing degraded mode"), s.degraded_mode, national=f"{nat.degraded_mode_percent} %"),
            *[_row(CARE_LABELS[level], share) for level, share in s.care_levels.items()],
            _row(_l("not stated"), s.care_not_stated),
        ]),
        (_l("Support from CERT Santé"), [
            _row(_l("Support requested from CERT Santé"), s.support_requested),
            _row(_l("not stated"), s.support_not_stated),
        ]),
        (_l("Incident categories"), [
            _row(INCIDENT_CATEGORY_LABELS[c], share) for c, share in s.incident_categories.items()
        ]),
        (_l("Establishment categories"), [
            _row(CATEGORY_LABELS[c], share) for c, share in s.establishment_categories.items()
        ]),
        (_l("Reports by month of T0 (Paris time)"), [
            _row(months[i + 1], count=count) for i, count in enumerate(s.months)
        ]),
        (_l("Notifications and filings"), [
            _filed(_l("Notifications to ANSSI (OSE NIS 1, NIS 2) filed"), s.anssi),
            _filed(_l("Breach notifications to the CNIL (GDPR art. 33) filed"), s.cnil),
            *[_filed(_("%(regime)s: filed", regime=regime_titles.get(r, r)), f) for r, f in s.regimes.items()],
            _row(_l("Documents filed after their deadline"), s.late),
            _row(_l("Documents still to file"), count=s.open),
            _row(_l("of which overdue"), Share(s.overdue, s.open)),
        ]),
    ]  # fmt: skip


@bp.get("/statistics")
@requires(Permission.VIEW)
def statistics() -> str:
    """The year's figures (the current year by default), next to the observatory's national ones."""
    moment = now()
    year = _year_arg() or year_of(moment)
    report = _report(year)
    return render_template(
        "declarations/statistics.html",
        report=report,
        year=year,
        years=service.years(session=db.session, now=moment),
        sections=_sections(report.statistics, dict(report.regime_titles)),
        national=latest_national_figures(),
    )


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.get("/statistics/<int:year>.csv")
@requires(Permission.VIEW)
def statistics_csv(year: int) -> Response:
    body = to_csv(_report(year)).encode("utf-8")
    return _download(body, "text/csv", f"statistiques-declarations-{year}.csv")


@bp.get("/statistics/<int:year>.json")
@requires(Permission.VIEW)
def statistics_json(year: int) -> Response:
    return _download(
        to_json(_report(year)).encode("utf-8"), "application/json", f"statistiques-declarations-{year}.json"
    )


@bp.get("/statistics/<int:year>.pdf")
@requires(Permission.VIEW)
def statistics_pdf(year: int) -> Response:
    return _download(render_pdf(_report(year)), "application/pdf", f"statistiques-declarations-{year}.pdf")
