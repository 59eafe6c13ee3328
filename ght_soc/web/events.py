"""The events page: search the establishment's logs (and, for GHT-wide roles, the unattributed bucket)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request

from ght_soc.access import Permission
from ght_soc.database import db
from ght_soc.events.factory import event_store
from ght_soc.events.store import EventPage, EventStoreError
from ght_soc.services import establishments as establishment_service
from ght_soc.services import events as event_service
from ght_soc.web.security import current_principal, requires

bp = Blueprint("events", __name__, url_prefix="/events")


def _local_time(value: str | None) -> datetime | None:
    """A datetime-local input, read in the display time zone (what the person sees on the page)."""
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        return None
    return naive.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    principal = current_principal()
    establishments = establishment_service.list_establishments(session=db.session)
    names = {e.id: e.short_name for e in establishments}
    error = None
    page = EventPage(events=[], next_cursor=None)
    try:
        query = event_service.event_query(
            establishment_id=request.args.get("establishment", type=int),
            start=_local_time(request.args.get("start")),
            end=_local_time(request.args.get("end")),
            host=request.args.get("host", "").strip(),
            fields=event_service.parse_field_filters(request.args.getlist("field")),
            text=request.args.get("q", "").strip(),
            unattributed=principal.scope.is_everything and request.args.get("unattributed") == "1",
            after=request.args.get("after"),
        )
        page = event_store(current_app).search(query, principal.scope)
    except EventStoreError as problem:
        error = str(problem)
    return render_template(
        "events.html",
        page=page,
        error=error,
        establishments=establishments,
        names=names,
        can_see_unattributed=principal.scope.is_everything,
    )
