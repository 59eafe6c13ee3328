"""Who may see and do what: the acting principal, its establishment scope, and the role → permission table.

The scope is applied to every ORM query by ght_soc/scoping.py; the permission table is data, read by the
views' `requires` decorator and by services. Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ght_soc.domain import READ_ONLY_ROLES, Role


@dataclass(frozen=True, slots=True)
class Scope:
    """The establishments whose rows a unit of work may touch; `None` means every establishment."""

    establishment_ids: frozenset[int] | None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def nothing(cls) -> Scope:
        return cls(frozenset())

    @property
    def is_everything(self) -> bool:
        return self.establishment_ids is None

    def allows(self, establishment_id: int | None) -> bool:
        if self.establishment_ids is None:
            return True
        return establishment_id is not None and establishment_id in self.establishment_ids


class Permission(StrEnum):
    VIEW = "view"
    TRIAGE_ALERTS = "triage_alerts"
    MANAGE_TOKENS = "manage_tokens"
    MANAGE_USERS = "manage_users"
    INGEST = "ingest"  # send alerts and events for one establishment
    WORK_INCIDENTS = "work_incidents"  # open incidents, write the main courante, work playbook steps
    APPROVE = "approve"  # answer playbook approval steps (roles are further named by each step)
    DECLARE = "declare"  # edit, approve and record national declarations
    MANAGE_GOVERNANCE = "manage_governance"  # shared resources, obligations, budgets, maturity
    MANAGE_ONCALL = "manage_oncall"  # edit the on-call rota


_TRIAGE = {Permission.VIEW, Permission.TRIAGE_ALERTS, Permission.WORK_INCIDENTS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.GHT_RSSI: frozenset(
        _TRIAGE
        | {
            Permission.MANAGE_TOKENS,
            Permission.APPROVE,
            Permission.DECLARE,
            Permission.MANAGE_GOVERNANCE,
            Permission.MANAGE_ONCALL,
        }
    ),
    Role.SITE_CORRESPONDENT: frozenset(_TRIAGE | {Permission.MANAGE_TOKENS, Permission.MANAGE_GOVERNANCE}),
    Role.ON_CALL_ENGINEER: frozenset(_TRIAGE | {Permission.APPROVE}),
    Role.DPO: frozenset({Permission.VIEW, Permission.WORK_INCIDENTS, Permission.DECLARE}),
    Role.DECLARANT: frozenset({Permission.VIEW, Permission.DECLARE, Permission.APPROVE}),
    Role.AUDITOR: frozenset({Permission.VIEW}),
    Role.ADMINISTRATOR: frozenset(
        _TRIAGE
        | {
            Permission.MANAGE_TOKENS,
            Permission.MANAGE_USERS,
            Permission.APPROVE,
            Permission.MANAGE_ONCALL,
        }
    ),
    Role.COLLECTOR: frozenset({Permission.VIEW, Permission.INGEST}),
}
assert set(ROLE_PERMISSIONS) == set(Role), "every role needs a line in ROLE_PERMISSIONS"


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    establishment_id: int | None  # None: the whole GHT


@dataclass(frozen=True, slots=True)
class Principal:
    """The actor of a unit of work: a person (user_id) or a collector's machine token (token_id)."""

    display_name: str
    grants: tuple[Grant, ...]
    user_id: int | None = None
    token_id: int | None = None
    locale: str | None = None

    @property
    def scope(self) -> Scope:
        if any(g.establishment_id is None for g in self.grants):
            return Scope.everything()
        return Scope(frozenset(g.establishment_id for g in self.grants if g.establishment_id is not None))

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    @property
    def is_read_only(self) -> bool:
        return bool(self.grants) and self.roles <= READ_ONLY_ROLES

    def can(self, permission: Permission, establishment_id: int | None = None) -> bool:
        """True when one grant gives `permission` over `establishment_id` (None: over the whole GHT)."""
        return any(
            permission in ROLE_PERMISSIONS[g.role]
            and (g.establishment_id is None or g.establishment_id == establishment_id)
            for g in self.grants
        )

    def can_somewhere(self, permission: Permission) -> bool:
        return any(permission in ROLE_PERMISSIONS[g.role] for g in self.grants)


def grants_from(pairs: Iterable[tuple[Role, int | None]]) -> tuple[Grant, ...]:
    return tuple(Grant(role, establishment_id) for role, establishment_id in pairs)


SYSTEM = Principal(display_name="ght-soc", grants=(Grant(Role.ADMINISTRATOR, None),))
