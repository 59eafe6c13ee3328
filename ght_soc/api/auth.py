"""Who calls the API: a collector's bearer token, or a logged-in person's session (read-only)."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from ght_soc.access import SYSTEM
from ght_soc.api.errors import ApiError
from ght_soc.api.registry import api_blueprint
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.services.tokens import principal_for_token

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@api_blueprint.before_request
def authenticate_request() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise ApiError(401, "unauthorized", "use 'Authorization: Bearer <token>'")
        with db.session_for(SYSTEM) as session:
            principal = principal_for_token(session=session, clear=credential.strip(), now=now())
        if principal is None:
            raise ApiError(401, "unauthorized", "unknown or revoked token")
        g.api_principal = principal
        return
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "a bearer token or a logged-in session is required")
    if request.method not in SAFE_METHODS:
        # The session cookie is ambient (CSRF); writes through the API need a token.
        raise ApiError(403, "forbidden", "writes through the API need a bearer token")
