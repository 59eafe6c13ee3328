"""The server-rendered pages: blueprints that only translate HTTP to service calls."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from ght_soc.web import admin, alerts, auth, establishments
from ght_soc.web.labels import template_globals


def register_web(app: Flask) -> None:
    for blueprint in (auth.bp, establishments.bp, alerts.bp, admin.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, _error_page)
    app.context_processor(template_globals)


def _error_page(error: HTTPException) -> tuple[str, int]:
    from flask import request

    if request.path.startswith("/api/"):
        from ght_soc.api.errors import json_error

        return json_error(error)  # type: ignore[return-value]
    return render_template("error.html", error=error), error.code or 500
