"""The directory inventory and its hygiene findings, per establishment."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ght_soc.access import Permission
from ght_soc.database import db
from ght_soc.services import establishments as establishment_service
from ght_soc.services.inventory import KINDS, list_objects, open_findings
from ght_soc.web.security import requires

bp = Blueprint("inventory", __name__, url_prefix="/inventory")


def _flag(name: str) -> bool | None:
    value = request.args.get(name)
    return {"1": True, "0": False}.get(value or "")


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    establishment_id = request.args.get("establishment", type=int)
    page = list_objects(
        session=db.session,
        establishment_id=establishment_id,
        kind=request.args.get("kind") or None,
        text=(request.args.get("q") or "").strip() or None,
        privileged=_flag("privileged"),
        enabled=_flag("enabled"),
        page=max(1, request.args.get("page", 1, type=int)),
    )
    return render_template(
        "inventory.html",
        page=page,
        kinds=KINDS,
        findings=open_findings(session=db.session, establishment_id=establishment_id),
        establishments=establishment_service.list_establishments(session=db.session),
    )
