"""The cyber budget rule of the 2021 plan: 5 to 10 % of the IT budget; below the floor is a finding."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ght_soc.governance.errors import GovernanceInputError, InputProblem

# Above this an entry is a typing error, not a hospital's IT budget (the largest French CHU spends far less).
ABSURD_BUDGET_EUROS = 2_000_000_000
EARLIEST_YEAR = 2015


class BudgetBand(StrEnum):
    BELOW = "below"  # a finding
    WITHIN = "within"
    ABOVE = "above"


@dataclass(frozen=True)
class BudgetEntry:
    year: int
    it_budget: int  # euros
    cyber_budget: int  # euros

    @property
    def cyber_percent(self) -> float:
        return round(self.cyber_budget / self.it_budget * 100, 2)


def check_budget(entry: BudgetEntry, current_year: int) -> None:
    """Refuse a negative, zero or absurd budget, a cyber part larger than the whole, or a far-off year."""
    if not EARLIEST_YEAR <= entry.year <= current_year + 1:
        raise GovernanceInputError(
            InputProblem.YEAR_OUT_OF_RANGE, "year", first=EARLIEST_YEAR, last=current_year + 1
        )
    if entry.it_budget <= 0:
        raise GovernanceInputError(InputProblem.BUDGET_NOT_POSITIVE, "it_budget")
    if entry.cyber_budget < 0:
        raise GovernanceInputError(InputProblem.BUDGET_NEGATIVE, "cyber_budget")
    for field, value in (("it_budget", entry.it_budget), ("cyber_budget", entry.cyber_budget)):
        if value > ABSURD_BUDGET_EUROS:
            raise GovernanceInputError(InputProblem.BUDGET_ABSURD, field, value=value)
    if entry.cyber_budget > entry.it_budget:
        raise GovernanceInputError(InputProblem.CYBER_OVER_IT, "cyber_budget")


def band(percent: float, minimum: float, maximum: float) -> BudgetBand:
    if percent < minimum:
        return BudgetBand.BELOW
    return BudgetBand.WITHIN if percent <= maximum else BudgetBand.ABOVE
