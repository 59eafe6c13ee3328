"""Finite sets of the domain, shared by the configuration, the models and the views."""

from __future__ import annotations

from enum import StrEnum


class EstablishmentCategory(StrEnum):
    """Kinds of GHT members; the declaration regimes and the observatory use them."""

    CHU = "chu"
    CH = "ch"
    EPSM = "epsm"
    MEDICO_SOCIAL = "medico_social"  # EHPAD and other médico-social bodies
    PRIVATE_CLINIC = "private_clinic"
    LABORATORY = "laboratory"
    RADIOTHERAPY_CENTRE = "radiotherapy_centre"
    HOSPITAL_AT_HOME = "hospital_at_home"
    OTHER = "other"


class Nis2Class(StrEnum):
    """NIS2 entity class (directive 2022/2555); French law is pending, the class is still recorded."""

    NONE = "none"
    IMPORTANT = "important"
    ESSENTIAL = "essential"


class Role(StrEnum):
    """What a user may do; an assignment scopes a role to the whole GHT or to one establishment."""

    GHT_RSSI = "ght_rssi"
    SITE_CORRESPONDENT = "site_correspondent"
    ON_CALL_ENGINEER = "on_call_engineer"
    DPO = "dpo"
    DECLARANT = "declarant"  # the director or the person delegated to declare (CSP D.1111-16-3)
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    COLLECTOR = "collector"  # machine tokens of one establishment's collectors; never assigned to a person


# Roles that only make sense for the whole group, and roles that only make sense for one establishment.
GHT_WIDE_ONLY_ROLES = frozenset({Role.GHT_RSSI, Role.ADMINISTRATOR})
PERSON_ROLES = frozenset(Role) - {Role.COLLECTOR}
ESTABLISHMENT_ONLY_ROLES = frozenset({Role.SITE_CORRESPONDENT, Role.DECLARANT})
# Roles that can read but never change anything.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})


class AlertSeverity(StrEnum):
    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlertStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"
    FALSE_POSITIVE = "false_positive"


# Incidents share the alerts' severity scale, so an alert's severity carries over as is.
Severity = AlertSeverity


class IncidentCategory(StrEnum):
    """The national observatory's and CERT-FR's categories (shared/DOMAIN.md)."""

    RANSOMWARE = "ransomware"  # ransomware or wiper
    MAILBOX_COMPROMISE = "mailbox_compromise"
    HOST_COMPROMISE = "host_compromise"
    EDGE_DEVICE_COMPROMISE = "edge_device_compromise"  # VPN concentrator, firewall
    ACCOUNT_COMPROMISE = "account_compromise"  # AD, VPN, mail
    PHISHING = "phishing"  # phishing or malspam campaign
    DATA_LEAK = "data_leak"
    DDOS = "ddos"
    EXPLOITED_VULNERABILITY = "exploited_vulnerability"
    VENDOR_REMOTE_ACCESS = "vendor_remote_access"  # compromised télémaintenance
    HOSTING_OUTAGE = "hosting_outage"
    TELECOM_LOSS = "telecom_loss"
    POWER_OUTAGE = "power_outage"
    OTHER = "other"


class IncidentStatus(StrEnum):
    """An incident's life; the allowed moves are the table in ght_soc/services/incidents.py."""

    OPEN = "open"
    QUALIFIED = "qualified"
    CONTAINED = "contained"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Malice(StrEnum):
    """Whether the incident is a malicious act, as the declaration asks."""

    UNKNOWN = "unknown"
    MALICIOUS = "malicious"
    NOT_MALICIOUS = "not_malicious"


class TimelineKind(StrEnum):
    """What a main-courante entry records."""

    NOTE = "note"
    OPENED = "opened"
    STATUS = "status"
    SEVERITY = "severity"
    FIELD = "field"  # title, category, malice or one of the timestamps changed
    ALERT = "alert"  # an alert merged in
    ESTABLISHMENT = "establishment"
    TASK = "task"
    OBSERVABLE = "observable"
    EVIDENCE = "evidence"  # added, downloaded: the chain of custody
    STEP = "step"  # a playbook step started, done, failed, skipped, escalated
    DECISION = "decision"  # an approval answered
    NOTIFICATION = "notification"
    QUALIFICATION = "qualification"
    DECLARATION = "declaration"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class ObservableKind(StrEnum):
    IP = "ip"
    HOST = "host"
    ACCOUNT = "account"
    HASH = "hash"
    DOMAIN = "domain"
    URL = "url"
