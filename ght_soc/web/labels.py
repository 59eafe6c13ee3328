"""Human names of the domain's enums, in the user's language, and what every template can use."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from ght_soc.access import Permission
from ght_soc.domain import AlertSeverity, AlertStatus, EstablishmentCategory, Nis2Class, Role
from ght_soc.web.forms import LanguageForm

CATEGORY_LABELS: dict[EstablishmentCategory, LazyString] = {
    EstablishmentCategory.CHU: _l("University hospital (CHU)"),
    EstablishmentCategory.CH: _l("Hospital (CH)"),
    EstablishmentCategory.EPSM: _l("Mental health establishment (EPSM)"),
    EstablishmentCategory.MEDICO_SOCIAL: _l("Care home / médico-social"),
    EstablishmentCategory.PRIVATE_CLINIC: _l("Private clinic"),
    EstablishmentCategory.LABORATORY: _l("Medical laboratory"),
    EstablishmentCategory.RADIOTHERAPY_CENTRE: _l("Radiotherapy centre"),
    EstablishmentCategory.HOSPITAL_AT_HOME: _l("Hospital at home (HAD)"),
    EstablishmentCategory.OTHER: _l("Other"),
}
NIS2_LABELS: dict[Nis2Class, LazyString] = {
    Nis2Class.NONE: _l("not concerned"),
    Nis2Class.IMPORTANT: _l("important entity"),
    Nis2Class.ESSENTIAL: _l("essential entity"),
}
ROLE_LABELS: dict[Role, LazyString] = {
    Role.GHT_RSSI: _l("GHT RSSI"),
    Role.SITE_CORRESPONDENT: _l("Site security correspondent"),
    Role.ON_CALL_ENGINEER: _l("On-call engineer"),
    Role.DPO: _l("DPO"),
    Role.DECLARANT: _l("Director / delegated declarant"),
    Role.AUDITOR: _l("Auditor (read-only)"),
    Role.ADMINISTRATOR: _l("Administrator"),
    Role.COLLECTOR: _l("Collector"),
}
SEVERITY_LABELS: dict[AlertSeverity, LazyString] = {
    AlertSeverity.INFORMATIONAL: _l("informational"),
    AlertSeverity.LOW: _l("low"),
    AlertSeverity.MEDIUM: _l("medium"),
    AlertSeverity.HIGH: _l("high"),
    AlertSeverity.CRITICAL: _l("critical"),
}
STATUS_LABELS: dict[AlertStatus, LazyString] = {
    AlertStatus.NEW: _l("new"),
    AlertStatus.ACKNOWLEDGED: _l("acknowledged"),
    AlertStatus.CLOSED: _l("closed"),
    AlertStatus.FALSE_POSITIVE: _l("false positive"),
}


DIRECTORY_KIND_LABELS: dict[str, LazyString] = {
    "user": _l("account"),
    "computer": _l("computer"),
    "group": _l("group"),
}


def template_globals() -> dict[str, Any]:
    return {
        "get_locale": get_locale,
        "Permission": Permission,
        "Role": Role,
        "AlertStatus": AlertStatus,
        "AlertSeverity": AlertSeverity,
        "language_form": LanguageForm(),
        "category_label": CATEGORY_LABELS.__getitem__,
        "nis2_label": NIS2_LABELS.__getitem__,
        "role_label": ROLE_LABELS.__getitem__,
        "severity_label": SEVERITY_LABELS.__getitem__,
        "status_label": STATUS_LABELS.__getitem__,
        "kind_label": lambda kind: DIRECTORY_KIND_LABELS.get(kind, kind),
    }
