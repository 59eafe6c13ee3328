"""Login, logout and the language choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from ght_soc.access import SYSTEM
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.i18n import LOCALE_SESSION_KEY
from ght_soc.models import User
from ght_soc.services.authentication import LoginOutcome, authenticate, principal_for_user
from ght_soc.web.forms import LanguageForm, LoginForm
from ght_soc.web.security import SessionUser, current_principal

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None, default: str) -> str:
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

    policy = current_app.extensions["ght_soc.config"].settings.hub.login_throttle
    # Throttle counters must be recorded even for a refused attempt: its own unit of work, committed.
    with db.session_for(SYSTEM) as work:
        result = authenticate(
            session=work,
            login=form.login.data,
            password=form.password.data,
            client_address=request.remote_addr or "unknown",
            now=now(),
            policy=policy,
        )
        principal = principal_for_user(session=work, user_id=result.user_id) if result.user_id else None

    if result.outcome is LoginOutcome.THROTTLED:
        minutes = max(1, int((result.retry_after.total_seconds() + 59) // 60)) if result.retry_after else 1
        flash(_("Too many attempts. Try again in %(minutes)d minutes.", minutes=minutes), "error")
        return render_template("login.html", form=form), 429
    if principal is None:
        flash(_("Incorrect login or password."), "error")
        return render_template("login.html", form=form), 401

    chosen_locale = session.get(LOCALE_SESSION_KEY)
    session.clear()  # a new session on login: nothing planted before it survives
    if chosen_locale:
        session[LOCALE_SESSION_KEY] = chosen_locale
    session.permanent = True
    login_user(SessionUser(principal))
    return redirect(_safe_next(form.next.data, url_for("establishments.overview")))


@bp.post("/logout")
def logout() -> Response:
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
    return redirect(_safe_next(form.next.data, url_for("establishments.overview")))
