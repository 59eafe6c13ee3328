"""Login sessions, CSRF, security headers, and the `requires` permission check for views.

The principal of a request is a machine token's (API, set in `g`) or the logged-in user's; its scope is
what the database extension applies to every query of the request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from ght_soc import clock
from ght_soc.access import SYSTEM, Permission, Principal, Scope
from ght_soc.database import db
from ght_soc.services.authentication import principal_for_user

csrf = CSRFProtect()
login_manager = LoginManager()
ANONYMOUS = Principal(display_name="anonyme", grants=())

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SessionUser(UserMixin):  # type: ignore[misc]
    """What Flask-Login keeps for a logged-in person: the id and the principal loaded for this request."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.id = principal.user_id


class AnonymousUser(AnonymousUserMixin):  # type: ignore[misc]
    principal = ANONYMOUS


def current_principal() -> Principal:
    """The actor of the current request: a collector token, a logged-in user, or the anonymous nobody."""
    token_principal: Principal | None = g.get("api_principal")
    if token_principal is not None:
        return token_principal
    principal: Principal = current_user.principal
    return principal


def _request_scope() -> Scope:
    return current_principal().scope


def _load_user(user_id: str) -> SessionUser | None:
    if not user_id.isdigit():
        return None
    # Loading the principal reads role assignments of any establishment: a system unit of work, not the
    # request's scoped session (whose scope is this very principal's).
    with db.session_for(SYSTEM, read_only=True) as session:
        principal = principal_for_user(session=session, user_id=int(user_id))
    return SessionUser(principal) if principal is not None else None


F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: Permission) -> Callable[[F], F]:
    """Refuse the view (403) unless the principal holds `permission` somewhere; 401 flow when anonymous.

    Per-establishment checks are the view's, through `Principal.can(permission, establishment_id)`; the
    rows themselves are already restricted to the principal's scope.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if not principal.grants:
                if g.get("api_principal") is None and not current_user.is_authenticated:
                    return login_manager.unauthorized()
                abort(403)
            if not principal.can_somewhere(permission):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


# --- re-authentication (OWASP ASVS 3.7.1) -----------------------------------------------------------------
# The session remembers when the person last proved who they are (login, or the re-authentication page).
AUTH_AT_KEY = "auth_at"


def mark_authenticated() -> None:
    """Note in the session that the person has just given every factor (login or re-authentication)."""
    session[AUTH_AT_KEY] = clock.now().isoformat()


def recently_authenticated() -> bool:
    """True when the last proof of identity is younger than `hub.reauth_minutes`."""
    stamp = session.get(AUTH_AT_KEY)
    if not isinstance(stamp, str):
        return False
    try:
        at = datetime.fromisoformat(stamp)
    except ValueError:
        return False
    minutes = current_app.extensions["ght_soc.config"].settings.hub.reauth_minutes
    return timedelta(0) <= clock.now() - at <= timedelta(minutes=minutes)


def requires_recent_auth(view: F) -> F:
    """Send a person whose login is older than `hub.reauth_minutes` to the re-authentication page first.

    Put it under `requires(...)`. It comes back to the page that held the form (a POST's data is not kept:
    the person submits it again, knowingly). Machine tokens are not people and pass through.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("api_principal") is None and current_user.is_authenticated and not recently_authenticated():
            flash(_("Confirm your identity to continue."), "info")
            return redirect(url_for("second_factor.reauth", next=_return_path()))
        return view(*args, **kwargs)

    return cast(F, wrapper)


def _return_path() -> str:
    if request.method == "GET":
        return request.full_path.rstrip("?")
    # A POST's form lives on the page it was sent from; only a same-site Referer is trusted, as a path.
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("establishments.overview")


def _add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# Endpoints that take big uploads, and the app.config key of their limit. The limit must be raised before
# the CSRF check reads the form, so it is set by a hook registered ahead of it.
UPLOAD_LIMITS = {"incidents.add_evidence": "EVIDENCE_MAX_BYTES"}


def _raise_upload_limit() -> None:
    key = UPLOAD_LIMITS.get(request.endpoint or "")
    if key is not None:
        request.max_content_length = current_app.config[key] + 1024 * 1024  # the form's own fields on top


def init_security(app: Flask) -> None:
    app.before_request(_raise_upload_limit)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.anonymous_user = AnonymousUser
    login_manager.login_view = "auth.login"
    login_manager.login_message = (
        None  # the login page says enough; avoids a flash before the choice of language
    )
    # "strong" would wipe an anonymous session (and its CSRF token) at each request; login renews the session anyway.
    login_manager.session_protection = "basic"
    db.scope_provider = _request_scope
    app.after_request(_add_security_headers)
