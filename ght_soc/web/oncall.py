"""The on-call rota page: who is on call now at each level, the escalation chain, upcoming shifts, handovers.

Everyone who may view the hub sees the rota (a site correspondent needs to know whom to call); only rota
managers (RSSI, administrators) edit shifts. A holder writes their shift's handover note from the phone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from ght_soc.access import Permission
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.models import DeliveryStatus, EscalationLevel, OnCallShift, User
from ght_soc.services import notifications as outbox
from ght_soc.services import oncall as rota
from ght_soc.web.forms import ActionForm
from ght_soc.web.security import current_principal, requires

bp = Blueprint("oncall", __name__, url_prefix="/oncall")

LEVEL_LABELS: dict[EscalationLevel, LazyString] = {
    EscalationLevel.ON_CALL_ENGINEER: _l("On-call engineer"),
    EscalationLevel.ADMINISTRATOR_ON_DUTY: _l("Administrator on duty"),
    EscalationLevel.RSSI: _l("RSSI"),
    EscalationLevel.DIRECTION: _l("Direction"),
}
_LEVELS = [level.value for level in EscalationLevel]
# Each refusal of the rota service, as the person reads it.
ROTA_ERRORS: dict[type[rota.RotaError], LazyString] = {
    rota.ShiftOverlapError: _l("This overlaps another shift of the same level."),
    rota.ShiftSpanError: _l("A shift must end after it starts."),
    rota.InactiveUserError: _l("This person is unknown or their account is disabled."),
    rota.HandoverNotAllowed: _l("Only the holder of the shift can do this."),
}


class ShiftForm(FlaskForm):  # type: ignore[misc]
    level = StringField(_l("Level"), validators=[AnyOf(_LEVELS)])
    user_id = IntegerField(_l("Person"), validators=[DataRequired()])
    starts_at = StringField(_l("Starts"), validators=[DataRequired()])
    ends_at = StringField(_l("Ends"), validators=[DataRequired()])
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=300)])


class RotaForm(FlaskForm):  # type: ignore[misc]
    level = StringField(_l("Level"), validators=[AnyOf(_LEVELS)])
    logins = StringField(_l("Turns"), validators=[DataRequired(), Length(max=1000)])
    first_day = StringField(_l("First day"), validators=[DataRequired()])
    weeks = IntegerField(_l("Weeks"), validators=[NumberRange(1, rota.MAX_ROTA_WEEKS)])
    handover_time = StringField(_l("Handover time"), validators=[DataRequired()])


class HandoverForm(FlaskForm):  # type: ignore[misc]
    note = TextAreaField(_l("Handover note"), validators=[Length(max=5000)])


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _local_instant(value: str | None) -> datetime | None:
    """A datetime-local input, read in the display time zone (what the person sees on the page)."""
    try:
        return datetime.fromisoformat(value or "").replace(tzinfo=_zone())
    except ValueError:
        return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _time_of_day(value: str | None) -> time | None:
    try:
        return time.fromisoformat(value or "")
    except ValueError:
        return None


def _local_input(value: datetime) -> str:
    return value.astimezone(_zone()).strftime("%Y-%m-%dT%H:%M")


def _error(problem: rota.RotaError) -> str:
    return str(ROTA_ERRORS.get(type(problem), _l("The rota was not changed.")))


def _shift_or_404(shift_id: int) -> OnCallShift:
    shift = db.session.get(OnCallShift, shift_id)
    if shift is None:
        abort(404)
    return shift


def _people() -> list[User]:
    return list(db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.display_name)))


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    principal = current_principal()
    at = now()
    holders = rota.shift_holders(db.session, at=at)
    received = {
        level: rota.previous_shift(db.session, shift=shift)
        for level, shift in holders.items()
        if shift is not None
    }
    can_manage = principal.can_somewhere(Permission.MANAGE_ONCALL)
    return render_template(
        "oncall/index.html",
        holders=holders,
        received=received,
        chain=rota.escalation_chain(db.session, at=at),
        upcoming=rota.upcoming_shifts(db.session, now=at),
        mine=[s for s in holders.values() if s is not None and s.user_id == principal.user_id],
        can_manage=can_manage,
        counts=outbox.outbox_counts(db.session) if can_manage else None,
        problems=outbox.recent_problems(db.session) if can_manage else (),
        level_label=LEVEL_LABELS.__getitem__,
        DeliveryStatus=DeliveryStatus,
        handover_form=HandoverForm(),
        action_form=ActionForm(),
        user_id=principal.user_id,
    )


def _form_page(form: ShiftForm, shift: OnCallShift | None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "oncall/shift.html",
        form=form,
        shift=shift,
        people=_people(),
        levels=list(EscalationLevel),
        level_label=LEVEL_LABELS.__getitem__,
        rota_form=RotaForm(weeks=8, handover_time="09:00"),
        action_form=ActionForm(),
    )
    return page, status


@bp.get("/shifts/new")
@requires(Permission.MANAGE_ONCALL)
def new_shift() -> tuple[str, int]:
    return _form_page(ShiftForm(level=EscalationLevel.ON_CALL_ENGINEER.value), None)


@bp.post("/shifts/new")
@requires(Permission.MANAGE_ONCALL)
def create_shift() -> Response | tuple[str, int]:
    form = ShiftForm()
    starts_at, ends_at = _local_instant(form.starts_at.data), _local_instant(form.ends_at.data)
    if not form.validate_on_submit() or starts_at is None or ends_at is None:
        flash(_("Check the fields of the shift."), "error")
        return _form_page(form, None, 400)
    try:
        rota.create_shift(
            db.session,
            level=EscalationLevel(form.level.data),
            user_id=form.user_id.data,
            starts_at=starts_at,
            ends_at=ends_at,
            comment=form.comment.data or "",
            actor_id=current_principal().user_id,
            now=now(),
        )
    except rota.RotaError as problem:
        flash(_error(problem), "error")
        return _form_page(form, None, 409)
    db.session.commit()
    flash(_("Shift added."), "success")
    return redirect(url_for(".index"))


@bp.get("/shifts/<int:shift_id>")
@requires(Permission.MANAGE_ONCALL)
def edit_shift(shift_id: int) -> tuple[str, int]:
    shift = _shift_or_404(shift_id)
    form = ShiftForm(
        level=shift.level.value,
        user_id=shift.user_id,
        starts_at=_local_input(shift.starts_at),
        ends_at=_local_input(shift.ends_at),
        comment=shift.comment,
    )
    return _form_page(form, shift)


@bp.post("/shifts/<int:shift_id>")
@requires(Permission.MANAGE_ONCALL)
def update_shift(shift_id: int) -> Response | tuple[str, int]:
    shift = _shift_or_404(shift_id)
    form = ShiftForm()
    starts_at, ends_at = _local_instant(form.starts_at.data), _local_instant(form.ends_at.data)
    if not form.validate_on_submit() or starts_at is None or ends_at is None:
        flash(_("Check the fields of the shift."), "error")
        return _form_page(form, shift, 400)
    try:
        rota.update_shift(
            db.session,
            shift=shift,
            user_id=form.user_id.data,
            starts_at=starts_at,
            ends_at=ends_at,
            comment=form.comment.data or "",
        )
    except rota.RotaError as problem:
        flash(_error(problem), "error")
        return _form_page(form, shift, 409)
    db.session.commit()
    flash(_("Shift updated."), "success")
    return redirect(url_for(".index"))


@bp.post("/shifts/<int:shift_id>/delete")
@requires(Permission.MANAGE_ONCALL)
def delete_shift(shift_id: int) -> Response:
    shift = _shift_or_404(shift_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    rota.delete_shift(db.session, shift=shift)
    db.session.commit()
    flash(_("Shift deleted."), "success")
    return redirect(url_for(".index"))


@bp.post("/rota")
@requires(Permission.MANAGE_ONCALL)
def generate_rota() -> Response | tuple[str, int]:
    form = RotaForm()
    logins = [name.strip().lower() for name in (form.logins.data or "").split(",") if name.strip()]
    users = {u.login: u for u in db.session.scalars(select(User).where(User.login.in_(logins)))}
    first_day, handover = _day(form.first_day.data), _time_of_day(form.handover_time.data)
    if not form.validate_on_submit() or first_day is None or handover is None or set(logins) - set(users):
        flash(_("Check the rota: known logins separated by commas, a first day, a handover time."), "error")
        return _form_page(ShiftForm(level=form.level.data), None, 400)
    try:
        shifts = rota.generate_weekly_rota(
            db.session,
            level=EscalationLevel(form.level.data),
            user_ids=[users[login].id for login in logins],
            first_day=first_day,
            weeks=form.weeks.data,
            handover_time=handover,
            timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
            actor_id=current_principal().user_id,
            now=now(),
        )
    except rota.RotaError as problem:
        flash(_error(problem), "error")
        return _form_page(ShiftForm(level=form.level.data), None, 409)
    db.session.commit()
    flash(_("%(count)d weekly shifts added.", count=len(shifts)), "success")
    return redirect(url_for(".index"))


@bp.post("/shifts/<int:shift_id>/handover")
@requires(Permission.VIEW)
def write_handover(shift_id: int) -> Response:
    shift = _shift_or_404(shift_id)
    form = HandoverForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rota.write_handover(
            db.session, shift=shift, note=form.note.data or "", actor=current_principal(), now=now()
        )
    except rota.HandoverNotAllowed:
        abort(403)
    db.session.commit()
    flash(_("Handover note saved."), "success")
    return redirect(url_for(".index"))


@bp.post("/shifts/<int:shift_id>/handover/read")
@requires(Permission.VIEW)
def read_handover(shift_id: int) -> Response:
    shift = _shift_or_404(shift_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        rota.mark_handover_read(db.session, shift=shift, actor=current_principal(), now=now())
    except rota.HandoverNotAllowed:
        abort(403)
    db.session.commit()
    flash(_("Handover acknowledged."), "success")
    return redirect(url_for(".index"))
