"""Connector health: what each listener, directory and poller last reported."""

from __future__ import annotations

from flask import Blueprint, render_template

from ght_soc.access import Permission
from ght_soc.database import db
from ght_soc.services.connectors import list_statuses
from ght_soc.web.security import requires

bp = Blueprint("connectors", __name__, url_prefix="/connectors")


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    return render_template("connectors.html", statuses=list_statuses(session=db.session))
