"""Who may change governance data, read from the permission table (Permission.MANAGE_GOVERNANCE).

A grant over one establishment lets a person record that establishment's evidence, budgets, exercises and
designations; shared people and providers are the group's, so only GHT-wide holders create them.
"""

from __future__ import annotations

from ght_soc.access import Permission, Principal


def can_edit(principal: Principal, establishment_id: int) -> bool:
    """True when the principal may record governance data for this establishment."""
    return principal.can(Permission.MANAGE_GOVERNANCE, establishment_id)


def can_edit_group(principal: Principal) -> bool:
    """True for GHT-wide holders: they manage the shared people and providers themselves."""
    return principal.can(Permission.MANAGE_GOVERNANCE, None)
