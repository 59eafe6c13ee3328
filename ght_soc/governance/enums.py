"""Finite sets of the governance domain: statuses, roles of shared people, units, levels."""

from __future__ import annotations

from enum import StrEnum


class ComplianceStatus(StrEnum):
    """Where an establishment stands on one obligation or hygiene measure."""

    MET = "met"
    PARTIAL = "partial"
    LATE = "late"  # was met, but the evidence is older than the obligation's validity
    NOT_MET = "not_met"
    UNKNOWN = "unknown"  # nobody assessed it and no source says anything
    NOT_APPLICABLE = "not_applicable"


# What a person may record by hand; LATE and UNKNOWN are only ever computed.
RECORDABLE_STATUSES = frozenset(
    {
        ComplianceStatus.MET,
        ComplianceStatus.PARTIAL,
        ComplianceStatus.NOT_MET,
        ComplianceStatus.NOT_APPLICABLE,
    }
)


class CheckKind(StrEnum):
    """How the hub establishes an obligation's status without a person."""

    MANUAL = "manual"
    DESIGNATION = "designation"
    BUDGET = "budget"
    EXERCISE = "exercise"
    HYGIENE = "hygiene"


class Applicability(StrEnum):
    ALL = "all"
    SUPPORT = "support"  # the GHT's établissement support
    OSE = "ose"  # opérateur de services essentiels


class HygieneLevel(StrEnum):
    """The two levels of the ANSSI hygiene guide's self-assessment."""

    STANDARD = "standard"
    REINFORCED = "reinforced"


class DesignationRole(StrEnum):
    """What a shared person or provider is designated as, for one establishment."""

    POOLED_RSSI = "pooled_rssi"
    SECURITY_CORRESPONDENT = "security_correspondent"
    DPO = "dpo"  # GDPR art. 37(3): one DPO for several bodies
    DECLARANT_DELEGATE = "declarant_delegate"  # CSP D.1111-16-3
    ON_CALL_ENGINEER = "on_call_engineer"
    IR_PROVIDER = "ir_provider"  # incident-response provider


class ResourceKind(StrEnum):
    PERSON = "person"
    PROVIDER = "provider"


class ShareUnit(StrEnum):
    PERCENT = "percent"  # % of a full time
    DAYS_PER_MONTH = "days_per_month"


class ExerciseLevel(StrEnum):
    """The ANS crisis-exercise kits come at three levels."""

    LEVEL_1 = "level_1"
    LEVEL_2 = "level_2"
    LEVEL_3 = "level_3"


class EvidenceOrigin(StrEnum):
    """Where a status comes from; the pages show it next to the status."""

    HUB = "hub"  # computed from what the hub holds (designations, budgets, exercises)
    CONNECTOR = "connector"  # a connector's findings (LDAP, SNMP...)
    PERSON = "person"  # a person's self-assessment
    OVERRIDE = "override"  # a person overrode the automatic status, with a reason
    NONE = "none"


class ReminderKind(StrEnum):
    DESIGNATION_EXPIRING = "designation_expiring"
    EXERCISE_DUE = "exercise_due"
    BUDGET_MISSING = "budget_missing"
