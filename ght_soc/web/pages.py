"""Registration of the page blueprints, the error pages and the template helpers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from ght_soc.api.errors import json_error
from ght_soc.api.registry import API_PREFIX
from ght_soc.web import (
    admin,
    alerts,
    auth,
    breach_register,
    connectors,
    declarant_mandates,
    declaration_documents,
    declaration_statistics,
    declarations,
    devices,
    establishments,
    events,
    governance,
    governance_edit,
    incidents,
    inventory,
    oncall,
    runs,
    second_factor,
)
from ght_soc.web.incident_labels import incident_globals
from ght_soc.web.labels import template_globals


def register_web(app: Flask) -> None:
    for blueprint in (
        auth.bp,
        establishments.bp,
        alerts.bp,
        incidents.bp,
        runs.bp,
        events.bp,
        inventory.bp,
        devices.bp,
        connectors.bp,
        admin.bp,
        governance.bp,
        governance_edit.bp,
        oncall.bp,
        declarations.bp,
        declaration_documents.bp,
        breach_register.bp,  # the GDPR art. 33(5) register of every personal-data breach
        declarant_mandates.bp,  # who may approve and file for each member: directors and delegations
        declaration_statistics.bp,  # the OSE view of the group and the yearly observatory statistics
        second_factor.bp,  # security hardening: second step of login, TOTP set-up, re-authentication
    ):
        app.register_blueprint(blueprint)
    # Browsers ask for /favicon.ico on their own (PDF and JSON tabs have no <link rel="icon">): the same icon.
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.register_error_handler(HTTPException, _error_page)
    app.context_processor(template_globals)
    app.context_processor(incident_globals)
    app.jinja_env.tests["instance_of"] = isinstance  # step cards render by step kind


def _error_page(error: HTTPException) -> tuple[str | Response, int]:
    # Registered on the app, not the API blueprint: a URL that matches no route reaches no blueprint.
    if request.path.startswith(API_PREFIX + "/"):
        return json_error(error)
    return render_template("error.html", error=error), error.code or 500


def _favicon() -> Response:
    response = Response(_icon(), mimetype="image/svg+xml")
    response.cache_control.public, response.cache_control.max_age = True, 86400
    return response


@cache
def _icon() -> bytes:
    return (Path(__file__).parent.parent / "static" / "favicon.svg").read_bytes()
