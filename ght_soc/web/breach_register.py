"""Breach register pages (GDPR art. 33(5)): the register with its filters and exports, an entry with its edit
form, and a new entry.

Viewing needs VIEW (the rows are already restricted to the user's scope, exports included); writing needs
DECLARE over the entry's establishment, which the service checks again. Each write parses the form, calls
one service of breach_register.py, and commits once; refused input re-renders the form (400) with the
reason next to the field, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ght_soc.access import Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.declarations import breach_exports
from ght_soc.declarations.breaches import PROBLEM_FIELDS, BreachEntry, CnilDecision, PersonsDecision
from ght_soc.declarations.clocks import format_local
from ght_soc.models import BreachRecord, Establishment, Incident
from ght_soc.services import breach_entries, breach_register
from ght_soc.web.breach_forms import (
    CNIL_LABELS,
    INVALID_MESSAGES,
    PERSONS_LABELS,
    PROBLEM_MESSAGES,
    RISK_LABELS,
    BreachForm,
    NewBreachForm,
    form_data,
    values_from,
)
from ght_soc.web.declarations import current_context
from ght_soc.web.security import current_principal, requires

bp = Blueprint("breach_register", __name__, url_prefix="/declarations/breaches")


def _number(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _filters() -> dict[str, int]:
    """The list's filters as given in the query string (establishment, year of recording, incident)."""
    return {k: v for k in ("establishment", "year", "incident") if (v := _number(k)) is not None}


def _selection() -> list[BreachEntry]:
    chosen = _filters()
    return breach_entries.register(
        session=db.session,
        context=current_context(),
        establishment_id=chosen.get("establishment"),
        year=chosen.get("year"),
        incident_id=chosen.get("incident"),
    )


def _establishments() -> list[Establishment]:
    return list(db.session.scalars(select(Establishment).order_by(Establishment.short_name)))


def _helpers() -> dict[str, Any]:
    return {
        "risk_label": RISK_LABELS.__getitem__,
        "cnil_label": lambda value: CNIL_LABELS[CnilDecision(value)],
        "persons_label": lambda value: PERSONS_LABELS[PersonsDecision(value)],
        "problem_message": PROBLEM_MESSAGES.__getitem__,
        "format_local": format_local,
        "moment": now(),
    }


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    establishments = _establishments()
    principal = current_principal()
    return render_template(
        "declarations/breaches.html",
        entries=_selection(),
        establishments=establishments,
        years=breach_entries.years(session=db.session),
        filters=_filters(),
        can_record=any(principal.can(Permission.DECLARE, e.id) for e in establishments),
        **_helpers(),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.DECLARE)
def new() -> str | Response | tuple[str, int]:
    principal = current_principal()
    allowed = [e for e in _establishments() if principal.can(Permission.DECLARE, e.id)]
    if not allowed:
        abort(403)
    form = NewBreachForm()
    form.establishment.choices = [SelectChoice(str(e.id), f"{e.name} ({e.finess_ej})") for e in allowed]
    if request.method == "GET":
        return render_template("declarations/breach.html", form=form, entry=None, can_edit=True, **_helpers())
    if form.validate_on_submit():
        establishment = next(e for e in allowed if e.id == form.establishment.data)
        try:
            row = breach_register.record(
                session=db.session,
                establishment_id=establishment.id,
                values=values_from(form, establishment.timezone),
                context=current_context(),
                actor=principal,
                now=now(),
                incident=_incident(form.incident.data or ""),
            )
        except UnknownIncident:
            form.incident.errors.append(_("No incident with this reference in your scope."))
        except breach_register.BreachRegisterError as error:
            _refused(form, error)
        else:
            reference = row.reference
            db.session.commit()
            flash(_("Entry %(reference)s recorded.", reference=reference), "success")
            return redirect(url_for(".entry", entry_id=row.id))
    return render_template(
        "declarations/breach.html", form=form, entry=None, can_edit=True, **_helpers()
    ), 400


class UnknownIncident(LookupError):
    """The reference typed names no incident the user may see."""


def _incident(reference: str) -> Incident | None:
    """The incident named in the form, None when none is named."""
    if not reference.strip():
        return None
    found = db.session.scalars(select(Incident).where(Incident.reference == reference.strip())).one_or_none()
    if found is None:
        raise UnknownIncident(reference)
    return found


def _refused(form: BreachForm, error: breach_register.BreachRegisterError) -> None:
    """Put the service's refusal next to the field it concerns; nothing of the attempt is kept."""
    db.session.rollback()
    if isinstance(error, breach_register.NotAllowed):
        abort(403)
    if isinstance(error, breach_register.IncompleteEntry):
        for problem in error.problems:
            form[PROBLEM_FIELDS[problem]].errors.append(str(PROBLEM_MESSAGES[problem]))
    elif isinstance(error, breach_register.InvalidEntry):
        form[error.field].errors.append(str(INVALID_MESSAGES[error.reason]))
    flash(_("The entry was not saved: see the fields marked."), "error")


def _row_or_404(entry_id: int) -> BreachRecord:
    row = db.session.get(BreachRecord, entry_id)
    if row is None:
        abort(404)
    return row


@bp.get("/<int:entry_id>")
@requires(Permission.VIEW)
def entry(entry_id: int) -> str:
    row = _row_or_404(entry_id)
    shown = breach_entries.read(session=db.session, row=row, context=current_context())
    values = breach_entries.current_values(session=db.session, row=row)
    form = BreachForm(data=form_data(values, shown.timezone))
    return _entry_page(row, shown, form)


def _entry_page(row: BreachRecord, shown: BreachEntry, form: BreachForm) -> str:
    return render_template(
        "declarations/breach.html",
        form=form,
        entry=shown,
        row=row,
        can_edit=current_principal().can(Permission.DECLARE, row.establishment_id),
        **_helpers(),
    )


@bp.post("/<int:entry_id>")
@requires(Permission.DECLARE)
def save(entry_id: int) -> Response | tuple[str, int]:
    row = _row_or_404(entry_id)
    context = current_context()
    form = BreachForm()
    if form.validate_on_submit():
        try:
            breach_register.edit(
                session=db.session,
                row=row,
                values=values_from(form, context.timezone(row.establishment.key)),
                context=context,
                actor=current_principal(),
                now=now(),
            )
        except breach_register.BreachRegisterError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Entry saved."), "success")
            return redirect(url_for(".entry", entry_id=entry_id))
    row = _row_or_404(entry_id)  # as stored: the refused attempt was rolled back
    shown = breach_entries.read(session=db.session, row=row, context=context)
    return _entry_page(row, shown, form), 400


@bp.get("/export.csv")
@requires(Permission.VIEW)
def export_csv() -> Response:
    return _download(breach_exports.to_csv(_selection()), "text/csv; charset=utf-8", "csv")


@bp.get("/export.pdf")
@requires(Permission.VIEW)
def export_pdf() -> Response:
    body = breach_exports.to_pdf(_selection(), scope=_scope_text(), generated_at=now())
    return _download(body, "application/pdf", "pdf")


def _scope_text() -> str:
    """Whose register and which year of recording the export holds, in French (the document's language)."""
    chosen = _filters()
    establishment = (
        db.session.get(Establishment, chosen["establishment"]) if "establishment" in chosen else None
    )
    who = (
        f"{establishment.name} (FINESS EJ {establishment.finess_ej})"
        if establishment
        else "Établissements visibles"
    )
    year = f"année d'inscription {chosen['year']}" if "year" in chosen else "toutes années"
    return f"{who} — {year}"


def _download(body: bytes, mimetype: str, extension: str) -> Response:
    chosen = _filters()
    suffix = "".join(f"-{chosen[k]}" for k in ("establishment", "year", "incident") if k in chosen)
    filename = f"registre-violations{suffix}.{extension}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
