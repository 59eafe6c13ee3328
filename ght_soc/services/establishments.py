"""Establishments as their users see them: the GHT overview cards and one establishment's page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc.domain import Role
from ght_soc.models import Alert, Establishment, RoleAssignment, User
from ght_soc.services.alerts import OPEN_STATUSES

# The roles an overview card names, as the people designated for the establishment.
DESIGNATED_ROLES = (Role.GHT_RSSI, Role.SITE_CORRESPONDENT, Role.DPO, Role.DECLARANT)


@dataclass(frozen=True)
class EstablishmentCard:
    establishment: Establishment
    open_alerts: int
    designated: dict[Role, list[str]]


def list_establishments(*, session: Session) -> Sequence[Establishment]:
    return session.scalars(
        select(Establishment).order_by(Establishment.is_support.desc(), Establishment.short_name)
    ).all()


def get_establishment(*, session: Session, establishment_id: int) -> Establishment | None:
    """The establishment if it is in the session's scope, else None (the caller answers 404)."""
    return session.scalars(select(Establishment).where(Establishment.id == establishment_id)).one_or_none()


def overview(*, session: Session) -> list[EstablishmentCard]:
    """One card per establishment in scope: category, flags, designated people, open alerts."""
    establishments = list_establishments(session=session)
    open_counts: dict[int | None, int] = {
        establishment_id: count
        for establishment_id, count in session.execute(
            # The statuses the alerts list calls open (the card links to it): a false positive is not open.
            select(Alert.establishment_id, func.count())
            .where(Alert.status.in_(sorted(OPEN_STATUSES)))
            .group_by(Alert.establishment_id)
        )
    }
    designated = _designated_people(session)
    return [
        EstablishmentCard(
            establishment=e,
            open_alerts=open_counts.get(e.id, 0),
            designated={
                role: sorted(designated[(role, e.id)] | designated[(role, None)]) for role in DESIGNATED_ROLES
            },
        )
        for e in establishments
    ]


def _designated_people(session: Session) -> defaultdict[tuple[Role, int | None], set[str]]:
    # Role assignments are not establishment-owned rows: only names are read, for establishments in scope.
    rows = session.execute(
        select(RoleAssignment.role, RoleAssignment.establishment_id, User.display_name)
        .join(User, User.id == RoleAssignment.user_id)
        .where(User.is_active.is_(True), RoleAssignment.role.in_(DESIGNATED_ROLES))
    )
    people: defaultdict[tuple[Role, int | None], set[str]] = defaultdict(set)
    for role, establishment_id, name in rows:
        people[(role, establishment_id)].add(name)
    return people
