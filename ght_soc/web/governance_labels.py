"""Human names of the governance enums and input problems, in the user's language (English msgids)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ght_soc.governance.enums import (
    ComplianceStatus,
    DesignationRole,
    EvidenceOrigin,
    ExerciseLevel,
    HygieneLevel,
    ResourceKind,
    ShareUnit,
)
from ght_soc.governance.errors import GovernanceInputError, InputProblem
from ght_soc.governance.maturity import band
from ght_soc.governance.status import Detail, ItemStatus

COMPLIANCE_LABELS: dict[ComplianceStatus, LazyString] = {
    ComplianceStatus.MET: _l("met"),
    ComplianceStatus.PARTIAL: _l("partial"),
    ComplianceStatus.LATE: _l("late"),
    ComplianceStatus.NOT_MET: _l("not met"),
    ComplianceStatus.UNKNOWN: _l("not assessed"),
    ComplianceStatus.NOT_APPLICABLE: _l("not applicable"),
}
DESIGNATION_ROLE_LABELS: dict[DesignationRole, LazyString] = {
    DesignationRole.POOLED_RSSI: _l("Pooled RSSI"),
    DesignationRole.SECURITY_CORRESPONDENT: _l("Local security correspondent"),
    DesignationRole.DPO: _l("Shared DPO"),
    DesignationRole.DECLARANT_DELEGATE: _l("Delegated declarant"),
    DesignationRole.ON_CALL_ENGINEER: _l("On-call engineer"),
    DesignationRole.IR_PROVIDER: _l("Incident-response provider"),
}
ORIGIN_LABELS: dict[EvidenceOrigin, LazyString] = {
    EvidenceOrigin.HUB: _l("hub data"),
    EvidenceOrigin.CONNECTOR: _l("connector"),
    EvidenceOrigin.PERSON: _l("entered"),
    EvidenceOrigin.OVERRIDE: _l("overridden"),
    EvidenceOrigin.NONE: _l("—"),
}
UNIT_LABELS: dict[ShareUnit, LazyString] = {
    ShareUnit.PERCENT: _l("% of time"),
    ShareUnit.DAYS_PER_MONTH: _l("days/month"),
}
KIND_LABELS: dict[ResourceKind, LazyString] = {
    ResourceKind.PERSON: _l("person"),
    ResourceKind.PROVIDER: _l("provider"),
}
LEVEL_LABELS: dict[HygieneLevel, LazyString] = {
    HygieneLevel.STANDARD: _l("standard"),
    HygieneLevel.REINFORCED: _l("reinforced"),
}
EXERCISE_LABELS: dict[ExerciseLevel, LazyString] = {
    ExerciseLevel.LEVEL_1: _l("level 1"),
    ExerciseLevel.LEVEL_2: _l("level 2"),
    ExerciseLevel.LEVEL_3: _l("level 3"),
}
DETAIL_LABELS: dict[Detail, LazyString] = {
    Detail.DESIGNATED: _l("designated: %(names)s"),
    Detail.DESIGNATION_EXPIRED: _l("designation ended on %(date)s (%(names)s)"),
    Detail.NOBODY_DESIGNATED: _l("nobody designated"),
    Detail.BUDGET_WITHIN: _l("%(percent)s %% of the IT budget in %(year)s"),
    Detail.BUDGET_BELOW: _l("%(percent)s %% of the IT budget in %(year)s, below the %(minimum)s %% floor"),
    Detail.BUDGET_MISSING: _l("%(year)s budget not entered"),
    Detail.EXERCISE_DONE: _l("last exercise on %(date)s"),
    Detail.EXERCISE_OLD: _l("last exercise on %(date)s, more than twelve months ago"),
    Detail.NO_EXERCISE: _l("no exercise recorded"),
    Detail.HYGIENE_ASSESSED: _l("%(count)s of %(total)s measures assessed"),
    Detail.NO_HYGIENE: _l("no measure assessed"),
    Detail.CONNECTOR_FINDINGS: _l("%(count)s open finding(s) (%(sources)s)"),
    Detail.CONNECTOR_CLEAN: _l("no finding (%(sources)s)"),
    Detail.RECORDED: _l("entered on %(date)s"),
    Detail.RECORD_EXPIRED: _l("evidence of %(date)s has expired"),
    Detail.OVERRIDDEN: _l("overridden: %(reason)s"),
    Detail.LEVEL_STANDARD_ONLY: _l("standard level reached, reinforced expected"),
    Detail.NOT_ASSESSED: _l("not assessed"),
}
PROBLEM_LABELS: dict[InputProblem, LazyString] = {
    InputProblem.SHARE_NOT_POSITIVE: _l("The share must be greater than zero."),
    InputProblem.SHARE_TOO_HIGH: _l("One person cannot give one establishment more than %(ceiling)s."),
    InputProblem.ENDS_BEFORE_START: _l(
        "The designation ends (%(ends_on)s) before it starts (%(starts_on)s)."
    ),
    InputProblem.ACT_AFTER_END: _l(
        "The designation act (%(act_date)s) is dated after its end (%(ends_on)s)."
    ),
    InputProblem.YEAR_OUT_OF_RANGE: _l("The year must be between %(first)s and %(last)s."),
    InputProblem.BUDGET_NOT_POSITIVE: _l("The IT budget must be greater than zero."),
    InputProblem.BUDGET_NEGATIVE: _l("The cybersecurity budget cannot be negative."),
    InputProblem.BUDGET_ABSURD: _l("%(value)s € is not a plausible budget for one establishment."),
    InputProblem.CYBER_OVER_IT: _l("The cybersecurity budget cannot exceed the IT budget it is part of."),
    InputProblem.DATE_IN_FUTURE: _l("The date %(date)s is in the future."),
    InputProblem.STATUS_NOT_RECORDABLE: _l("This status cannot be entered by hand."),
    InputProblem.REASON_REQUIRED: _l("Overriding an automatic status needs a reason."),
    InputProblem.UNKNOWN_ITEM: _l("Unknown obligation or measure %(key)s."),
    InputProblem.NOT_APPLICABLE_ITEM: _l("%(key)s does not apply to this establishment."),
    InputProblem.EVIDENCE_TOO_LARGE: _l(
        "The document is too large: at most %(limit)s bytes. Nothing was stored."
    ),
    InputProblem.EVIDENCE_URL_INVALID: _l("An evidence link must be an http:// or https:// address."),
}


def _format(template: LazyString, params: Mapping[str, str]) -> str:
    try:
        return str(template) % dict(params)
    except (KeyError, ValueError):
        return str(template)


def problem_message(error: GovernanceInputError) -> str:
    return _format(PROBLEM_LABELS[error.problem], error.params)


def detail_text(item: ItemStatus) -> str:
    return _format(DETAIL_LABELS[item.detail], item.params)


def governance_globals() -> dict[str, Any]:
    """What the governance templates use (registered on the blueprint only)."""
    return {
        "compliance_label": COMPLIANCE_LABELS.__getitem__,
        "designation_role_label": DESIGNATION_ROLE_LABELS.__getitem__,
        "origin_label": ORIGIN_LABELS.__getitem__,
        "unit_label": UNIT_LABELS.__getitem__,
        "resource_kind_label": KIND_LABELS.__getitem__,
        "level_label": LEVEL_LABELS.__getitem__,
        "exercise_label": EXERCISE_LABELS.__getitem__,
        "detail_text": detail_text,
        "score_band": band,
        "DesignationRole": DesignationRole,
        "ShareUnit": ShareUnit,
        "ResourceKind": ResourceKind,
        "ExerciseLevel": ExerciseLevel,
        "HygieneLevel": HygieneLevel,
        "ComplianceStatus": ComplianceStatus,
    }
