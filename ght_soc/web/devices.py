"""Network devices polled over SNMP: the list per establishment and one device's detail and history."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ght_soc.access import Permission
from ght_soc.database import db
from ght_soc.services import device_queries
from ght_soc.services import establishments as establishment_service
from ght_soc.web.security import requires

bp = Blueprint("devices", __name__, url_prefix="/devices")

STATE_LABELS: dict[str, LazyString] = {
    "answering": _l("answering"),
    "failing": _l("not answering"),
    "silent": _l("silent"),
}
CHANGE_LABELS: dict[str, LazyString] = {
    "new_device": _l("new device"),
    "device_silent": _l("device silent"),
    "answering_again": _l("answering again"),
    "firmware_changed": _l("firmware changed"),
    "rebooted": _l("rebooted"),
    "critical_interface_down": _l("critical interface down"),
    "trap_link_down": _l("link down (trap)"),
    "trap_link_up": _l("link up (trap)"),
    "trap_restart": _l("restarted (trap)"),
    "trap_authentication_failure": _l("SNMP authentication failure (trap)"),
}
FINDING_LABELS: dict[str, LazyString] = {
    "default_community": _l("Answers a default SNMP community"),
    "no_v3": _l("Does not answer SNMPv3"),
    "vulnerable_firmware": _l("Firmware listed as vulnerable"),
}


def _labels() -> dict[str, object]:
    return {
        "state_labels": STATE_LABELS,
        "change_label": lambda kind: CHANGE_LABELS.get(kind, kind),
        "finding_label": lambda kind: FINDING_LABELS.get(kind, kind),
    }


@bp.get("/")
@requires(Permission.VIEW)
def index() -> str:
    establishment_id = request.args.get("establishment", type=int)
    state = request.args.get("state") or None
    page = device_queries.list_devices(
        session=db.session,
        establishment_id=establishment_id,
        state=state if state in device_queries.DEVICE_STATES else None,
        vendor=request.args.get("vendor") or None,
        text=(request.args.get("q") or "").strip() or None,
        page=max(1, request.args.get("page", 1, type=int)),
    )
    return render_template(
        "devices/index.html",
        page=page,
        states=device_queries.DEVICE_STATES,
        vendors=device_queries.vendors(session=db.session),
        findings=device_queries.open_device_findings(session=db.session, establishment_id=establishment_id),
        establishments=establishment_service.list_establishments(session=db.session),
        **_labels(),
    )


@bp.get("/<int:device_id>")
@requires(Permission.VIEW)
def detail(device_id: int) -> str:
    device = device_queries.get_device(session=db.session, device_id=device_id)
    if device is None:
        abort(404)
    return render_template(
        "devices/detail.html",
        device=device,
        history=device_queries.device_history(session=db.session, device_id=device.id),
        findings=device_queries.open_device_findings(session=db.session, device_id=device.id),
        **_labels(),
    )
