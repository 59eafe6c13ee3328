"""Shares of a shared person's time across establishments, and the validity of a designation.

A share above 100 % for one establishment, or a period that ends before it starts, is refused; a person whose
shares add up to more than 100 % is only flagged: pooling often starts over-committed, and the GHT must see it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ght_soc.governance.enums import ShareUnit
from ght_soc.governance.errors import GovernanceInputError, InputProblem

MAX_DAYS_PER_MONTH = 31.0
FULL_TIME = 100.0


@dataclass(frozen=True)
class Share:
    value: float
    unit: ShareUnit

    def percent(self, working_days_per_month: float) -> float:
        """The share as a % of full time (days per month over the month's working days)."""
        if self.unit is ShareUnit.PERCENT:
            return self.value
        return self.value / working_days_per_month * FULL_TIME


def check_share(share: Share) -> None:
    """Refuse a share that is not positive or is beyond what one person has (100 %, 31 days a month)."""
    ceiling = FULL_TIME if share.unit is ShareUnit.PERCENT else MAX_DAYS_PER_MONTH
    if not share.value > 0:
        raise GovernanceInputError(InputProblem.SHARE_NOT_POSITIVE, "share_value")
    if share.value > ceiling:
        raise GovernanceInputError(
            InputProblem.SHARE_TOO_HIGH, "share_value", ceiling=f"{ceiling:g} {share.unit.value}"
        )


def check_period(starts_on: date, ends_on: date | None, act_date: date | None = None) -> None:
    """Refuse a designation that ends before it starts, or whose act is dated after its end."""
    if ends_on is not None and ends_on < starts_on:
        raise GovernanceInputError(
            InputProblem.ENDS_BEFORE_START,
            "ends_on",
            ends_on=ends_on.isoformat(),
            starts_on=starts_on.isoformat(),
        )
    if act_date is not None and ends_on is not None and act_date > ends_on:
        raise GovernanceInputError(
            InputProblem.ACT_AFTER_END, "act_date", act_date=act_date.isoformat(), ends_on=ends_on.isoformat()
        )


def is_active(starts_on: date, ends_on: date | None, on: date) -> bool:
    return starts_on <= on and (ends_on is None or on <= ends_on)


@dataclass(frozen=True)
class Load:
    """A person's total share over the establishments they cover on one day."""

    total_percent: float
    establishments: int

    @property
    def overloaded(self) -> bool:
        # A hair of tolerance: 3 × 33.33 % is a full time, not an overload.
        return self.total_percent > FULL_TIME + 0.01


def total_load(shares: Iterable[tuple[int, Share]], working_days_per_month: float) -> Load:
    """Add the active shares of one person (establishment id, share), whatever their units."""
    total = 0.0
    covered: set[int] = set()
    for establishment_id, share in shares:
        total += share.percent(working_days_per_month)
        covered.add(establishment_id)
    return Load(total_percent=round(total, 2), establishments=len(covered))
