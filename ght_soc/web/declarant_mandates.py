"""The mandates page: each member's director and the delegations to declare in its name (CSP D.1111-16-3).

Lists what the session may see with each mandate's state today on the establishment's calendar, records a new
one and revokes one (both re-ask the password when the login is old: they decide who may file for a hospital).
Each view parses the form, calls one service of declarant_mandates.py, commits once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from ght_soc.access import ROLE_PERMISSIONS, Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.declarations.mandates import MandateKind, quality
from ght_soc.models import DeclarantMandate, Establishment, RoleAssignment, User
from ght_soc.services import declarant_mandates as service
from ght_soc.web.declarations import act, current_context
from ght_soc.web.forms import ActionForm
from ght_soc.web.security import current_principal, requires, requires_recent_auth

bp = Blueprint("declarant_mandates", __name__, url_prefix="/declarations/mandates")

STATE_LABELS = {
    "in_force": _l("In force"),
    "ended": _l("Ended"),
    "revoked": _l("Revoked"),
    "future": _l("Not yet in force"),
}


def _state(row: DeclarantMandate, today: date) -> str:
    if row.revoked_on is not None and row.revoked_on <= today:
        return "revoked"
    if row.valid_from > today:
        return "future"
    if row.valid_until is not None and row.valid_until < today:
        return "ended"
    return "in_force"


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    context, moment, principal = current_context(), now(), current_principal()
    establishments = list(db.session.scalars(select(Establishment).order_by(Establishment.name)))
    rows = service.rows_of(session=db.session)
    listed: list[dict[str, Any]] = []
    for establishment in establishments:
        today = service.local_day(moment, context.timezone(establishment.key))
        mine = sorted(
            (r for r in rows if r.establishment_id == establishment.id),
            key=lambda r: (r.kind != MandateKind.DIRECTOR, -r.valid_from.toordinal(), r.id),
        )
        listed.append(
            {
                "establishment": establishment,
                "mandates": [
                    {
                        "row": r,
                        "state": _state(r, today),
                        "quality": quality(service.as_mandate(r)),
                        "regimes": [
                            context.regimes[i].short_title for i in r.regimes if i in context.regimes
                        ],
                    }
                    for r in mine
                ],
                "can_manage": service.may_manage(principal, establishment.id),
            }
        )
    manageable = [e for e in establishments if service.may_manage(principal, e.id)]
    return render_template(
        "declarations/mandates.html",
        listed=listed,
        manageable=manageable,
        accounts=_declaring_accounts([e.id for e in manageable]),
        regimes=[context.regimes[i] for i in sorted(context.regimes)],
        state_labels=STATE_LABELS,
        form=ActionForm(),
        today=moment.date().isoformat(),
    )


def _declaring_accounts(establishment_ids: list[int]) -> list[User]:
    """The accounts that may declare for one of these establishments: a person of another member never shows."""
    if not establishment_ids:
        return []
    declaring = [role for role, permissions in ROLE_PERMISSIONS.items() if Permission.DECLARE in permissions]
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                User.is_active.is_(True),
                RoleAssignment.role.in_(declaring),
                or_(
                    RoleAssignment.establishment_id.is_(None),
                    RoleAssignment.establishment_id.in_(establishment_ids),
                ),
            )
            .distinct()
            .order_by(User.display_name)
        )
    )


class _Unreadable(ValueError):
    pass


def _date(name: str, required: bool = False) -> date | None:
    text = (request.form.get(name) or "").strip()
    if not text:
        if required:
            raise _Unreadable(f"la date « {name} » est obligatoire")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Unreadable(f"la date « {text} » n'est pas lisible (AAAA-MM-JJ)") from None


def _new_mandate() -> service.NewMandate:
    form = request.form
    try:
        establishment_id = int(form.get("establishment_id", ""))
        kind = MandateKind(form.get("kind", ""))
    except ValueError:
        raise _Unreadable("choisissez l'établissement et la nature du mandat") from None
    account = db.session.get(User, int(form["user_id"])) if form.get("user_id", "").isdigit() else None
    name = (form.get("person_name") or "").strip() or (account.display_name if account else "")
    valid_from = _date("valid_from", required=True)
    assert valid_from is not None
    return service.NewMandate(
        establishment_id=establishment_id,
        kind=kind,
        person_name=name[:200],
        valid_from=valid_from,
        valid_until=_date("valid_until"),
        user_id=account.id if account else None,
        function=(form.get("function") or "")[:200],
        email=(form.get("email") or (account.email if account and account.email else ""))[:200],
        phone=(form.get("phone") or "")[:50],
        regimes=tuple(form.getlist("regimes")),
        granted_by=(form.get("granted_by") or "")[:200],
        act_reference=(form.get("act_reference") or "")[:200],
        act_date=_date("act_date"),
    )


@bp.post("/")
@requires(Permission.VIEW)
@requires_recent_auth
def record() -> Response:
    def apply() -> None:
        service.record(
            session=db.session,
            new=_new_mandate(),
            known_regimes=frozenset(current_context().regimes),
            actor=current_principal(),
            now=now(),
        )

    return act(url_for(".index"), apply)


@bp.post("/<int:mandate_id>/revoke")
@requires(Permission.VIEW)
@requires_recent_auth
def revoke(mandate_id: int) -> Response:
    row = db.session.get(DeclarantMandate, mandate_id)
    if row is None:
        abort(404)

    def apply() -> None:
        on = _date("revoked_on") or service.local_day(
            now(), current_context().timezone(row.establishment.key)
        )
        service.revoke(
            session=db.session,
            row=row,
            on=on,
            reason=request.form.get("reason", ""),
            actor=current_principal(),
            now=now(),
        )

    return act(url_for(".index"), apply)
