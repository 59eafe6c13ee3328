"""Administration: the list of accounts and their roles (accounts are created with `ght-soc users add`)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ght_soc.access import Permission
from ght_soc.database import db
from ght_soc.services import users as user_service
from ght_soc.web.security import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@requires(Permission.MANAGE_USERS)
def users() -> str:
    return render_template("users.html", users=user_service.list_users(session=db.session))
