"""Login (password, then the second step of ght_soc/web/second_factor.py when due), logout, the language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ght_soc import clock
from ght_soc.access import SYSTEM, Principal
from ght_soc.database import db
from ght_soc.i18n import LOCALE_SESSION_KEY
from ght_soc.models import User
from ght_soc.services import audit, second_factor
from ght_soc.services.audit import AuditAction
from ght_soc.services.authentication import LoginOutcome, normalise_login, principal_for_user
from ght_soc.services.directory_login import ask_directories, authenticate, login_directories, plan_login
from ght_soc.web.forms import LanguageForm, LoginForm
from ght_soc.web.security import SessionUser, current_principal, mark_authenticated

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: an absolute URL in `next` would make the login page an open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("login.html", form=form), (400 if request.method == "POST" else 200)

    config = current_app.extensions["ght_soc.config"]
    policy = config.settings.hub.login_throttle
    address = request.remote_addr or "unknown"
    # Local accounts first; a login with no local password may go to a directory (services/directory_login.py),
    # asked between two units of work so that no database lock is held while it answers.
    with db.session_for(SYSTEM) as work:
        plan = plan_login(
            session=work,
            login=form.login.data,
            client_address=address,
            now=clock.now(),
            policy=policy,
            directories=login_directories(config),
        )
    answer = ask_directories(plan, form.password.data)
    # Throttle counters must be recorded even for a refused attempt: its own unit of work, committed.
    with db.session_for(SYSTEM) as work:
        result = authenticate(
            session=work,
            login=form.login.data,
            password=form.password.data,
            client_address=address,
            now=clock.now(),
            policy=policy,
            answer=answer,
        )
        principal = principal_for_user(session=work, user_id=result.user_id) if result.user_id else None
        enrol = (
            result.outcome is LoginOutcome.SUCCESS
            and principal is not None
            and enrolment_enforced()
            and second_factor.must_enrol(principal)
        )
        if not enrol and result.outcome is not LoginOutcome.SECOND_FACTOR:
            audit_login(work, result.outcome, result.locked, principal, form.login.data, address)

    if result.outcome is LoginOutcome.THROTTLED:
        return throttled_page("login.html", form, result.retry_after)
    if principal is not None and (enrol or result.outcome is LoginOutcome.SECOND_FACTOR):
        start_pending(principal, form.next.data, enrol=enrol)
        return redirect(url_for("second_factor.enrol_at_login" if enrol else "second_factor.code"))
    if principal is None:
        flash(_("Incorrect login or password."), "error")
        return render_template("login.html", form=form), 401
    return finish_login(principal, form.next.data)


# --- the steps between the password and the session (ght_soc/web/second_factor.py) ------------------------
PENDING_KEY = "pending_login"
PENDING_MINUTES = 5  # time to fetch the phone and type the code


@dataclass(frozen=True)
class PendingLogin:
    """A right password whose second step (code, or first set-up of an authenticator) is still to come."""

    user_id: int
    next: str
    enrol: bool


def enrolment_enforced() -> bool:
    """`hub.totp_required_for_ght_wide_roles`; tests/conftest.py alone turns it off (app config key)."""
    settings = current_app.extensions["ght_soc.config"].settings
    return bool(current_app.config.get(ENROLMENT_OVERRIDE_KEY, settings.hub.totp_required_for_ght_wide_roles))


# Flask config key read before the setting: only tests/conftest.py sets it (False), so that the accounts its
# `make_user` creates log in with a password alone; tests/security/ turn it back on.
ENROLMENT_OVERRIDE_KEY = "GHT_SOC_TOTP_ENROLMENT_ENFORCED"


def start_pending(principal: Principal, next_path: str | None, *, enrol: bool) -> None:
    chosen_locale = session.get(LOCALE_SESSION_KEY)
    session.clear()  # whatever session was there, nobody is logged in until the second step succeeds
    if chosen_locale:
        session[LOCALE_SESSION_KEY] = chosen_locale
    until = (clock.now() + timedelta(minutes=PENDING_MINUTES)).isoformat()
    session[PENDING_KEY] = {
        "user_id": principal.user_id,
        "next": next_path or "",
        "enrol": enrol,
        "until": until,
    }


def pending_login() -> PendingLogin | None:
    """The login waiting for its second step in this session, if it has not expired."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("user_id"), int):
        return None
    try:
        if datetime.fromisoformat(str(data.get("until"))) < clock.now():
            return None
    except ValueError:
        return None
    return PendingLogin(
        user_id=data["user_id"], next=str(data.get("next", "")), enrol=bool(data.get("enrol"))
    )


def establish_session(principal: Principal) -> None:
    """Log the person in on a new session: nothing planted before the login survives it."""
    chosen_locale = session.get(LOCALE_SESSION_KEY)
    session.clear()
    if chosen_locale:
        session[LOCALE_SESSION_KEY] = chosen_locale
    session.permanent = True
    login_user(SessionUser(principal))
    mark_authenticated()


def finish_login(principal: Principal, next_path: str | None) -> Response:
    establish_session(principal)
    return redirect(safe_next(next_path, url_for("establishments.overview")))


def throttled_page(template: str, form: object, retry_after: timedelta | None) -> tuple[str, int]:
    minutes = max(1, int((retry_after.total_seconds() + 59) // 60)) if retry_after else 1
    flash(_("Too many attempts. Try again in %(minutes)d minutes.", minutes=minutes), "error")
    return render_template(template, form=form), 429


def audit_login(
    work: Session,
    outcome: LoginOutcome,
    locked: bool,
    principal: Principal | None,
    attempted_login: str,
    address: str,
    factor: str = "none",
    second_step: bool = False,
) -> None:
    """One audit row per attempt (and one more when it locked the login or the address); no secret in it."""
    at = clock.now()
    name = normalise_login(attempted_login)[:120]
    if outcome is LoginOutcome.SUCCESS and principal is not None:
        details = {"address": address, "second_factor": factor}
        audit.record(
            work,
            actor=principal,
            action=AuditAction.LOGIN_SUCCESS,
            target=_user(principal),
            details=details,
            now=at,
        )
        return
    action = {
        LoginOutcome.THROTTLED: AuditAction.LOGIN_THROTTLED,
        LoginOutcome.REFUSED: AuditAction.TOTP_FAILURE if second_step else AuditAction.LOGIN_FAILURE,
    }.get(outcome, AuditAction.LOGIN_FAILURE)
    target = _user(principal) if principal is not None else f"login:{name}"
    audit.record(
        work, actor=None, action=action, target=target, details={"address": address, "login": name}, now=at
    )
    if locked:
        audit.record(
            work,
            actor=None,
            action=AuditAction.LOGIN_LOCKOUT,
            target=target,
            details={"address": address, "login": name},
            now=at,
        )


def _user(principal: Principal) -> str:
    return f"user:{principal.user_id}"


@bp.post("/logout")
def logout() -> Response:
    principal = current_principal()
    if principal.user_id is not None:
        audit.record(
            db.session, actor=principal, action=AuditAction.LOGOUT, target=_user(principal), now=clock.now()
        )
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session[LOCALE_SESSION_KEY] = form.locale.data
        user_id = current_principal().user_id
        if user_id is not None:
            with db.session_for(SYSTEM) as work:
                user = work.get(User, user_id)
                if user is not None:
                    user.locale = form.locale.data
    return redirect(safe_next(form.next.data, url_for("establishments.overview")))
