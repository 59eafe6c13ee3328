"""Shared people and providers, their designations per establishment, and their total load."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.governance.enums import DesignationRole, ResourceKind
from ght_soc.governance.shares import Load, Share, check_period, check_share, is_active, total_load
from ght_soc.models.governance import Designation, SharedResource
from ght_soc.scoping import scope_of


@dataclass(frozen=True)
class NewResource:
    kind: ResourceKind
    name: str
    organisation: str | None = None
    email: str | None = None
    phone: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class NewDesignation:
    resource_id: int
    role: DesignationRole
    share: Share
    starts_on: date
    ends_on: date | None = None
    act_date: date | None = None
    act_reference: str | None = None
    act_document_id: int | None = None
    contact: str | None = None


def create_resource(*, session: Session, resource: NewResource, now: datetime) -> SharedResource:
    """Add a shared person or provider of the group."""
    row = SharedResource(
        kind=resource.kind,
        name=resource.name.strip(),
        organisation=resource.organisation,
        email=resource.email,
        phone=resource.phone,
        notes=resource.notes,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def designate(
    *, session: Session, establishment_id: int, designation: NewDesignation, actor: str, now: datetime
) -> Designation:
    """Record a designation; a bad share or period is refused (GovernanceInputError), an overload is not."""
    check_share(designation.share)
    check_period(designation.starts_on, designation.ends_on, designation.act_date)
    row = Designation(
        establishment_id=establishment_id,
        resource_id=designation.resource_id,
        role=designation.role,
        share_value=designation.share.value,
        share_unit=designation.share.unit,
        starts_on=designation.starts_on,
        ends_on=designation.ends_on,
        act_date=designation.act_date,
        act_reference=designation.act_reference,
        act_document_id=designation.act_document_id,
        contact=designation.contact,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def end_designation(*, session: Session, designation: Designation, ends_on: date) -> None:
    """A designation that ends (a person leaves, a contract is not renewed): its last day is recorded, the row
    stays, so past coverage and loads remain what they were. Ending it before it started is refused."""
    check_period(designation.starts_on, ends_on, designation.act_date)
    designation.ends_on = ends_on
    session.flush()


def get_designation(*, session: Session, designation_id: int) -> Designation | None:
    """A designation the session's scope may see."""
    return session.get(Designation, designation_id)


def visible_resources(*, session: Session) -> Sequence[SharedResource]:
    """Every shared resource for a GHT-wide reader; for a site reader, those designated for their sites."""
    query = select(SharedResource).order_by(SharedResource.name, SharedResource.id)
    if not scope_of(session).is_everything:
        query = query.where(SharedResource.id.in_(select(Designation.resource_id)))
    return session.scalars(query).all()


def get_resource(*, session: Session, resource_id: int) -> SharedResource | None:
    """The resource when the session may see it (see visible_resources), else None."""
    query = select(SharedResource).where(SharedResource.id == resource_id)
    if not scope_of(session).is_everything:
        query = query.where(SharedResource.id.in_(select(Designation.resource_id)))
    return session.scalars(query).one_or_none()


def designations_of(*, session: Session, resource_id: int) -> Sequence[Designation]:
    """The resource's designations within the session's scope, newest first."""
    return session.scalars(
        select(Designation)
        .where(Designation.resource_id == resource_id)
        .order_by(Designation.starts_on.desc(), Designation.id.desc())
    ).all()


def coverage(*, session: Session, establishment_id: int | None = None, on: date) -> list[Designation]:
    """Designations active on `on` (all establishments in scope, or one), by establishment then role."""
    query = select(Designation).where(Designation.starts_on <= on)
    if establishment_id is not None:
        query = query.where(Designation.establishment_id == establishment_id)
    rows = [d for d in session.scalars(query) if is_active(d.starts_on, d.ends_on, on)]
    return sorted(rows, key=lambda d: (d.establishment_id, list(DesignationRole).index(d.role), d.id))


def loads(*, session: Session, on: date, working_days_per_month: float) -> dict[int, Load]:
    """Each resource's total active load on `on`, over the establishments the session sees.

    Pages pass a GHT-wide session here, so a site reader learns that the pooled RSSI is overloaded
    without learning where else they work.
    """
    shares: defaultdict[int, list[tuple[int, Share]]] = defaultdict(list)
    for d in coverage(session=session, on=on):
        shares[d.resource_id].append((d.establishment_id, Share(d.share_value, d.share_unit)))
    return {rid: total_load(items, working_days_per_month) for rid, items in shares.items()}
