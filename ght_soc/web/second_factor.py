"""The second factor in the pages: the code after the password, setting up an authenticator, re-authentication.

Setting up shows the secret as text and as a QR code drawn by the hub (an SVG image, no script, nothing
fetched); the ten recovery codes are shown once, right after the first valid code.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ght_soc import clock
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import User
from ght_soc.services import audit, directory_login, second_factor
from ght_soc.services.audit import AuditAction
from ght_soc.services.authentication import LoginOutcome, principal_for_user
from ght_soc.services.directory_accounts import login_directories
from ght_soc.services.second_factor import Factor, SecondFactorError
from ght_soc.settings import LoginThrottleConfig
from ght_soc.web.auth import (
    audit_login,
    establish_session,
    finish_login,
    pending_login,
    safe_next,
    throttled_page,
)
from ght_soc.web.security import current_principal, mark_authenticated

bp = Blueprint("second_factor", __name__)


class CodeForm(FlaskForm):  # type: ignore[misc]
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class ReauthForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=512)])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    next = HiddenField()


def _policy() -> LoginThrottleConfig:
    policy: LoginThrottleConfig = current_app.extensions["ght_soc.config"].settings.hub.login_throttle
    return policy


def _address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> str | Response | tuple[str, int]:
    """Second step of the login: the authenticator's code, or one recovery code."""
    pending = pending_login()
    if pending is None or pending.enrol:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("second_factor/code.html", form=form), (
            400 if request.method == "POST" else 200
        )
    with db.session_for(SYSTEM) as work:
        result = second_factor.login_second_step(
            session=work,
            user_id=pending.user_id,
            code=form.code.data,
            client_address=_address(),
            now=clock.now(),
            policy=_policy(),
        )
        principal = principal_for_user(session=work, user_id=pending.user_id)
        user = work.get(User, pending.user_id)
        login = user.login if user is not None else ""
        factor = result.factor.value if result.factor else "none"
        audit_login(
            work, result.outcome, result.locked, principal, login, _address(), factor, second_step=True
        )
        if result.factor is Factor.RECOVERY_CODE and principal is not None:
            left = second_factor.remaining_recovery_codes(session=work, user_id=pending.user_id)
            audit.record(
                work,
                actor=principal,
                action=AuditAction.RECOVERY_CODE_USED,
                target=f"user:{pending.user_id}",
                details={"remaining": left},
                now=clock.now(),
            )
    if result.outcome is LoginOutcome.THROTTLED:
        return throttled_page("second_factor/code.html", form, result.retry_after)
    if result.outcome is not LoginOutcome.SUCCESS or principal is None:
        flash(_("Incorrect code."), "error")
        return render_template("second_factor/code.html", form=form), 401
    return finish_login(principal, pending.next)


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol_at_login() -> str | Response | tuple[str, int]:
    """First login of a GHT-wide account: set up the authenticator before the session opens."""
    pending = pending_login()
    if pending is None or not pending.enrol:
        return redirect(url_for("auth.login"))
    return _enrol(pending.user_id, at_login=True, next_path=pending.next)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required  # type: ignore[untyped-decorator]
def account() -> str | Response | tuple[str, int]:
    """Any person may set up an authenticator; once set up, the page says how many recovery codes are left."""
    user_id = current_principal().user_id
    if user_id is None:
        abort(403)
    # One unit of work per request here: a request session opened next to `session_for` would hold the
    # SQLite write lock (BEGIN IMMEDIATE) that the other waits for.
    with db.session_for(SYSTEM) as work:
        enrolled = second_factor.is_enrolled(session=work, user_id=user_id)
        left = second_factor.remaining_recovery_codes(session=work, user_id=user_id)
    if enrolled:
        return render_template("second_factor/account.html", remaining=left)
    return _enrol(user_id, at_login=False, next_path=url_for("second_factor.account"))


def _enrol(user_id: int, *, at_login: bool, next_path: str) -> str | Response | tuple[str, int]:
    form = CodeForm()
    settings = current_app.extensions["ght_soc.config"].settings
    with db.session_for(SYSTEM) as work:
        user = work.get(User, user_id)
        if user is None:
            abort(404)
        secret = second_factor.pending_secret(session=work, user_id=user_id)
        if secret is None:
            secret = second_factor.begin_enrolment(session=work, user=user, now=clock.now()).secret
        shown = second_factor.provisioning(secret, account=user.login, issuer=settings.ght.name)
        codes: list[str] | None = None
        principal = None
        if form.validate_on_submit():
            try:
                codes = second_factor.confirm_enrolment(
                    session=work, user_id=user_id, code=form.code.data, now=clock.now()
                )
            except SecondFactorError:
                abort(409)
            principal = principal_for_user(session=work, user_id=user_id)
            if codes is not None and principal is not None:
                at = clock.now()
                audit.record(
                    work, actor=principal, action=AuditAction.TOTP_ENROLLED, target=f"user:{user_id}", now=at
                )
                if at_login:
                    audit_login(work, LoginOutcome.SUCCESS, False, principal, user.login, _address(), "totp")
    if request.method == "POST" and codes is None:
        flash(_("Incorrect code."), "error")
        return render_template("second_factor/enrol.html", form=form, shown=shown, at_login=at_login), 400
    if codes is None:
        return render_template("second_factor/enrol.html", form=form, shown=shown, at_login=at_login)
    if at_login and principal is not None:
        establish_session(principal)
    next_url = safe_next(next_path, url_for("establishments.overview"))
    return render_template("second_factor/recovery_codes.html", codes=codes, next_url=next_url)


@bp.route("/reauth", methods=["GET", "POST"])
@login_required  # type: ignore[untyped-decorator]
def reauth() -> str | Response | tuple[str, int]:
    """Prove it is still you (password, and code when set up) before an approval or a declaration."""
    principal = current_principal()
    if principal.user_id is None:
        abort(403)
    form = ReauthForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    with db.session_for(SYSTEM) as work:  # not db.session: see `account`
        enrolled = second_factor.is_enrolled(session=work, user_id=principal.user_id)
    page = "second_factor/reauth.html"
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template(page, form=form, enrolled=enrolled), status
    directory_says = _ask_directory(principal.user_id, form.password.data)
    with db.session_for(SYSTEM) as work:
        result = second_factor.reauthenticate(
            session=work,
            user_id=principal.user_id,
            password=form.password.data,
            code=form.code.data or "",
            client_address=_address(),
            now=clock.now(),
            policy=_policy(),
            directory_says=directory_says,
        )
        action = (
            AuditAction.REAUTHENTICATED
            if result.outcome is LoginOutcome.SUCCESS
            else AuditAction.REAUTH_FAILURE
        )
        target = f"user:{principal.user_id}"
        audit.record(
            work,
            actor=principal,
            action=action,
            target=target,
            details={"address": _address()},
            now=clock.now(),
        )
        if result.locked:
            audit.record(
                work, actor=principal, action=AuditAction.LOGIN_LOCKOUT, target=target, now=clock.now()
            )
    if result.outcome is LoginOutcome.THROTTLED:
        flash(_("Too many attempts. Try again later."), "error")
        return render_template(page, form=form, enrolled=enrolled), 429
    if result.outcome is not LoginOutcome.SUCCESS:
        flash(_("Incorrect password or code."), "error")
        return render_template(page, form=form, enrolled=enrolled), 401
    mark_authenticated()
    return redirect(safe_next(form.next.data, url_for("establishments.overview")))


def _ask_directory(user_id: int, password: str) -> bool | None:
    """For a directory account, its directory's answer to the password (None for a local account); asked
    outside any unit of work, so a slow directory holds no database lock."""
    with db.session_for(SYSTEM) as work:
        user = work.get(User, user_id)
        login, directory = (user.login, user.directory) if user is not None else ("", None)
    if directory is None:
        return None
    config = current_app.extensions["ght_soc.config"]
    return directory_login.password_still_right(
        login=login, directory=directory, password=password, directories=login_directories(config)
    )
