"""Incidents and what hangs off them: affected establishments, the main courante, tasks, observables, evidence.

An incident often touches several establishments (a shared IS), so it is not `EstablishmentOwned`: it is
visible to a scope when one of its `IncidentEstablishment` rows is (ght_soc/scoping.py). The rows that hang
off an incident are `IncidentOwned` and follow the same rule through their incident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, declared_attr, mapped_column, relationship

from ght_soc.domain import (
    IncidentCategory,
    IncidentStatus,
    Malice,
    ObservableKind,
    Severity,
    TaskStatus,
    TimelineKind,
)
from ght_soc.models.base import Base, EstablishmentOwned, enum_type, utcnow
from ght_soc.models.ght import Establishment
from ght_soc.models.user import User

# The incident's separate instants, in the order an incident lives them; the declaration clocks read them.
MILESTONES = (
    "occurred_at",
    "detected_at",
    "discovered_at",
    "qualified_at",
    "contained_at",
    "resolved_at",
    "closed_at",
)


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # INC-2026-0042, quoted on the phone
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[IncidentCategory] = mapped_column(enum_type(IncidentCategory))
    severity: Mapped[Severity] = mapped_column(enum_type(Severity))
    status: Mapped[IncidentStatus] = mapped_column(
        enum_type(IncidentStatus), default=IncidentStatus.OPEN, index=True
    )
    malice: Mapped[Malice] = mapped_column(enum_type(Malice), default=Malice.UNKNOWN)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    occurred_at: Mapped[datetime | None]
    detected_at: Mapped[datetime | None]
    discovered_at: Mapped[datetime | None]
    qualified_at: Mapped[datetime | None]
    contained_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    establishments: Mapped[list[IncidentEstablishment]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentEstablishment.id"
    )
    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="incident", order_by="TimelineEntry.id", viewonly=True
    )
    tasks: Mapped[list[Task]] = relationship(back_populates="incident", order_by="Task.id")
    observables: Mapped[list[Observable]] = relationship(back_populates="incident", order_by="Observable.id")
    evidence: Mapped[list[Evidence]] = relationship(back_populates="incident", order_by="Evidence.id")


class IncidentEstablishment(EstablishmentOwned, Base):
    """One establishment affected by an incident: what the scope filter and the declarations read."""

    __tablename__ = "incident_establishment"
    __table_args__ = (UniqueConstraint("incident_id", "establishment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="establishments")
    establishment: Mapped[Establishment] = relationship()


class IncidentOwned:
    """Rows that belong to one incident; they are visible where their incident is."""

    @declared_attr
    def incident_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)


class TimelineEntry(IncidentOwned, Base):
    """One main-courante line: append-only (updates and deletes are refused below)."""

    __tablename__ = "timeline_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[TimelineKind] = mapped_column(enum_type(TimelineKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(200))  # kept as written: users can be renamed or removed
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    incident: Mapped[Incident] = relationship(back_populates="timeline")


class AppendOnlyError(RuntimeError):
    """Someone tried to rewrite the main courante."""


@event.listens_for(TimelineEntry, "before_update")
@event.listens_for(TimelineEntry, "before_delete")
def _refuse_rewrite(mapper: Mapper[Any], connection: object, target: TimelineEntry) -> None:
    raise AppendOnlyError("the main courante is append-only: add a correcting entry instead")


class Task(IncidentOwned, Base):
    __tablename__ = "incident_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[TaskStatus] = mapped_column(enum_type(TaskStatus), default=TaskStatus.OPEN)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]

    incident: Mapped[Incident] = relationship(back_populates="tasks")
    assignee: Mapped[User | None] = relationship()


class Observable(IncidentOwned, Base):
    """An IP, host, account, hash, domain or URL seen in the incident, linked to the inventory when it matches."""

    __tablename__ = "observable"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ObservableKind] = mapped_column(enum_type(ObservableKind))
    value: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(100), default="manual")  # "alert:42" or "manual"
    # The inventory object it resolved to, e.g. {"kind": "computer", "id": 7, "label": "PC-URG-01",
    # "establishment": "chu"}; empty when nothing in the inventory matches.
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="observables")


class Evidence(IncidentOwned, Base):
    """An uploaded file, stored by content (SHA-256) outside the database; its custody is on the timeline."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="evidence")
