"""Typed input errors of the governance domain: a problem code, the field at fault, and its parameters.

The pages translate the code (never the text); the English text here is for logs and the command line.
"""

from __future__ import annotations

from enum import StrEnum


class InputProblem(StrEnum):
    SHARE_NOT_POSITIVE = "share_not_positive"
    SHARE_TOO_HIGH = "share_too_high"
    ENDS_BEFORE_START = "ends_before_start"
    ACT_AFTER_END = "act_after_end"
    YEAR_OUT_OF_RANGE = "year_out_of_range"
    BUDGET_NOT_POSITIVE = "budget_not_positive"
    BUDGET_NEGATIVE = "budget_negative"
    BUDGET_ABSURD = "budget_absurd"
    CYBER_OVER_IT = "cyber_over_it"
    DATE_IN_FUTURE = "date_in_future"
    STATUS_NOT_RECORDABLE = "status_not_recordable"
    REASON_REQUIRED = "reason_required"
    UNKNOWN_ITEM = "unknown_item"
    NOT_APPLICABLE_ITEM = "not_applicable_item"
    EVIDENCE_TOO_LARGE = "evidence_too_large"
    EVIDENCE_URL_INVALID = "evidence_url_invalid"


TEMPLATES: dict[InputProblem, str] = {
    InputProblem.SHARE_NOT_POSITIVE: "the share must be greater than zero",
    InputProblem.SHARE_TOO_HIGH: "the share cannot exceed %(ceiling)s",
    InputProblem.ENDS_BEFORE_START: "the designation ends (%(ends_on)s) before it starts (%(starts_on)s)",
    InputProblem.ACT_AFTER_END: "the designation act (%(act_date)s) is dated after its end (%(ends_on)s)",
    InputProblem.YEAR_OUT_OF_RANGE: "the year must be between %(first)s and %(last)s",
    InputProblem.BUDGET_NOT_POSITIVE: "the IT budget must be greater than zero",
    InputProblem.BUDGET_NEGATIVE: "the cybersecurity budget cannot be negative",
    InputProblem.BUDGET_ABSURD: "%(value)s € is not a plausible budget for one establishment",
    InputProblem.CYBER_OVER_IT: "the cybersecurity budget cannot exceed the IT budget it is part of",
    InputProblem.DATE_IN_FUTURE: "the date %(date)s is in the future",
    InputProblem.STATUS_NOT_RECORDABLE: "this status cannot be recorded by hand",
    InputProblem.REASON_REQUIRED: "overriding an automatic status needs a reason",
    InputProblem.UNKNOWN_ITEM: "unknown obligation or measure %(key)s",
    InputProblem.NOT_APPLICABLE_ITEM: "%(key)s does not apply to this establishment",
    InputProblem.EVIDENCE_TOO_LARGE: "the document is larger than the %(limit)s bytes allowed",
    InputProblem.EVIDENCE_URL_INVALID: "an evidence link must be an http(s) address",
}


class GovernanceInputError(ValueError):
    """Input refused by a governance rule; nothing was stored."""

    def __init__(self, problem: InputProblem, field: str, **params: object) -> None:
        self.problem = problem
        self.field = field
        self.params = {name: str(value) for name, value in params.items()}
        super().__init__(TEMPLATES[problem] % self.params)
