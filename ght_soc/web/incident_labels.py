"""Human names of the incident enums, in the user's language."""

from __future__ import annotations

from flask_babel import LazyString, lazy_pgettext
from flask_babel import lazy_gettext as _l

from ght_soc.domain import IncidentCategory, IncidentStatus, Malice, ObservableKind, TaskStatus, TimelineKind
from ght_soc.models.playbook_run import RunStatus, StepStatus

INCIDENT_CATEGORY_LABELS: dict[IncidentCategory, LazyString] = {
    IncidentCategory.RANSOMWARE: _l("Ransomware / wiper"),
    IncidentCategory.MAILBOX_COMPROMISE: _l("Mailbox compromise"),
    IncidentCategory.HOST_COMPROMISE: _l("Host compromise"),
    IncidentCategory.EDGE_DEVICE_COMPROMISE: _l("Edge device compromise (VPN, firewall)"),
    IncidentCategory.ACCOUNT_COMPROMISE: _l("Account compromise (AD, VPN, mail)"),
    IncidentCategory.PHISHING: _l("Phishing / malspam campaign"),
    IncidentCategory.DATA_LEAK: _l("Data leak / exfiltration"),
    IncidentCategory.DDOS: _l("Denial of service"),
    IncidentCategory.EXPLOITED_VULNERABILITY: _l("Exploited exposed vulnerability"),
    IncidentCategory.VENDOR_REMOTE_ACCESS: _l("Compromised vendor remote access"),
    IncidentCategory.HOSTING_OUTAGE: _l("Hosting provider outage"),
    IncidentCategory.TELECOM_LOSS: _l("Telecom link loss"),
    IncidentCategory.POWER_OUTAGE: _l("Power outage"),
    IncidentCategory.OTHER: _l("Other"),
}
INCIDENT_STATUS_LABELS: dict[IncidentStatus, LazyString] = {
    IncidentStatus.OPEN: _l("open"),
    IncidentStatus.QUALIFIED: _l("qualified"),
    IncidentStatus.CONTAINED: _l("contained"),
    IncidentStatus.RESOLVED: _l("resolved"),
    IncidentStatus.CLOSED: lazy_pgettext("incident status", "closed"),
}
MALICE_LABELS: dict[Malice, LazyString] = {
    Malice.UNKNOWN: _l("unknown"),
    Malice.MALICIOUS: _l("malicious"),
    Malice.NOT_MALICIOUS: _l("not malicious"),
}
TIMELINE_KIND_LABELS: dict[TimelineKind, LazyString] = {
    TimelineKind.NOTE: _l("note"),
    TimelineKind.OPENED: _l("opened"),
    TimelineKind.STATUS: _l("status"),
    TimelineKind.SEVERITY: _l("severity"),
    TimelineKind.FIELD: _l("change"),
    TimelineKind.ALERT: _l("alert"),
    TimelineKind.ESTABLISHMENT: _l("establishment"),
    TimelineKind.TASK: _l("task"),
    TimelineKind.OBSERVABLE: _l("observable"),
    TimelineKind.EVIDENCE: _l("evidence"),
    TimelineKind.STEP: _l("playbook step"),
    TimelineKind.DECISION: _l("decision"),
    TimelineKind.NOTIFICATION: _l("notification"),
    TimelineKind.QUALIFICATION: _l("qualification"),
    TimelineKind.DECLARATION: _l("declaration"),
}
TASK_STATUS_LABELS: dict[TaskStatus, LazyString] = {
    TaskStatus.OPEN: _l("to do"),
    TaskStatus.DONE: _l("done"),
    TaskStatus.CANCELLED: _l("cancelled"),
}
OBSERVABLE_KIND_LABELS: dict[ObservableKind, LazyString] = {
    ObservableKind.IP: _l("IP address"),
    ObservableKind.HOST: _l("host"),
    ObservableKind.ACCOUNT: _l("account"),
    ObservableKind.HASH: _l("hash"),
    ObservableKind.DOMAIN: _l("domain"),
    ObservableKind.URL: _l("URL"),
}


STEP_STATUS_LABELS: dict[StepStatus, LazyString] = {
    StepStatus.ACTIVE: _l("waiting"),
    StepStatus.RETRY_WAIT: _l("retry planned"),
    StepStatus.FAILED: _l("failed"),
    StepStatus.DONE: _l("done"),
    StepStatus.SKIPPED: _l("skipped"),
}
RUN_STATUS_LABELS: dict[RunStatus, LazyString] = {
    RunStatus.RUNNING: _l("running"),
    RunStatus.COMPLETED: _l("completed"),
    RunStatus.CANCELLED: _l("stopped"),
}


def incident_globals() -> dict[str, object]:
    """What incident templates use, merged into every template's globals."""
    return {
        "IncidentCategory": IncidentCategory,
        "IncidentStatus": IncidentStatus,
        "ObservableKind": ObservableKind,
        "Malice": Malice,
        "incident_category_label": INCIDENT_CATEGORY_LABELS.__getitem__,
        "incident_status_label": INCIDENT_STATUS_LABELS.__getitem__,
        "malice_label": MALICE_LABELS.__getitem__,
        "timeline_kind_label": TIMELINE_KIND_LABELS.__getitem__,
        "task_status_label": TASK_STATUS_LABELS.__getitem__,
        "observable_kind_label": OBSERVABLE_KIND_LABELS.__getitem__,
        "step_status_label": STEP_STATUS_LABELS.__getitem__,
        "run_status_label": RUN_STATUS_LABELS.__getitem__,
    }
