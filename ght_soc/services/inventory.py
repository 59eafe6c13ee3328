"""Reading the directory inventory and findings for the pages (the session's scope applies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc.models import DirectoryFinding, DirectoryObject

KINDS = ("user", "computer", "group")


@dataclass(frozen=True)
class InventoryPage:
    objects: Sequence[DirectoryObject]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_objects(
    *,
    session: Session,
    establishment_id: int | None = None,
    kind: str | None = None,
    text: str | None = None,
    privileged: bool | None = None,
    enabled: bool | None = None,
    page: int = 1,
    per_page: int = 100,
) -> InventoryPage:
    query = select(DirectoryObject).where(DirectoryObject.deleted_at.is_(None))
    if establishment_id is not None:
        query = query.where(DirectoryObject.establishment_id == establishment_id)
    if kind in KINDS:
        query = query.where(DirectoryObject.kind == kind)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(func.lower(DirectoryObject.name).like(pattern) | DirectoryObject.dn.like(pattern))
    if privileged is not None:
        query = query.where(DirectoryObject.privileged.is_(privileged))
    if enabled is not None:
        query = query.where(DirectoryObject.enabled.is_(enabled))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(DirectoryObject.kind, DirectoryObject.name, DirectoryObject.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return InventoryPage(objects=rows, total=total, page=page, per_page=per_page)


def open_findings(*, session: Session, establishment_id: int | None = None) -> Sequence[DirectoryFinding]:
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    query = select(DirectoryFinding).where(DirectoryFinding.resolved_at.is_(None))
    if establishment_id is not None:
        query = query.where(DirectoryFinding.establishment_id == establishment_id)
    rows = session.scalars(query).all()
    return sorted(rows, key=lambda f: (order.get(f.severity, 9), f.establishment_id, f.finding))
