"""Governance tables: shared people and their designations, evidence, obligation records, budgets, exercises,
maturity snapshots and reminders. Every row but a shared person belongs to one establishment."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.governance.enums import (
    ComplianceStatus,
    DesignationRole,
    ExerciseLevel,
    HygieneLevel,
    ReminderKind,
    ResourceKind,
    ShareUnit,
)
from ght_soc.models.base import Base, EstablishmentOwned, utcnow
from ght_soc.models.ght import Establishment


def _enum(kind: type[StrEnum], length: int) -> Enum:
    return Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class SharedResource(Base):
    """A person or a provider shared across the GHT (pooled RSSI, DPO, on-call engineer, IR provider...).

    Not establishment-owned: a site user sees one only through a designation for their establishment.
    """

    __tablename__ = "shared_resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ResourceKind] = mapped_column(_enum(ResourceKind, 20))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    designations: Mapped[list[Designation]] = relationship(
        back_populates="resource", order_by="Designation.id"
    )


class EvidenceDocument(EstablishmentOwned, Base):
    """An uploaded proof (a designation act, an exercise report...), kept in the database with its digest."""

    __tablename__ = "evidence_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime]


class Designation(EstablishmentOwned, Base):
    """One shared resource designated for one establishment, in one role, at a share of their time."""

    __tablename__ = "designation"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("shared_resource.id", ondelete="CASCADE"), index=True)
    role: Mapped[DesignationRole] = mapped_column(_enum(DesignationRole, 30))
    share_value: Mapped[float]
    share_unit: Mapped[ShareUnit] = mapped_column(_enum(ShareUnit, 20))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    act_date: Mapped[date | None]
    act_reference: Mapped[str | None] = mapped_column(String(200))
    act_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_document.id", ondelete="SET NULL"), index=True
    )
    contact: Mapped[str | None] = mapped_column(String(200))  # how this establishment reaches them
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    resource: Mapped[SharedResource] = relationship(back_populates="designations")
    establishment: Mapped[Establishment] = relationship()
    act_document: Mapped[EvidenceDocument | None] = relationship()


class ComplianceRecord(EstablishmentOwned, Base):
    """A person's statement on one obligation or hygiene measure; rows are only added, so history is kept."""

    __tablename__ = "compliance_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(60), index=True)
    status: Mapped[ComplianceStatus] = mapped_column(_enum(ComplianceStatus, 20))
    level: Mapped[HygieneLevel | None] = mapped_column(_enum(HygieneLevel, 20))
    is_override: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    done_on: Mapped[date | None]
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_document.id", ondelete="SET NULL"), index=True
    )
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]

    evidence: Mapped[EvidenceDocument | None] = relationship()


class CyberBudget(EstablishmentOwned, Base):
    """The IT budget of one year and its cybersecurity part, in euros."""

    __tablename__ = "cyber_budget"
    __table_args__ = (UniqueConstraint("establishment_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    it_budget: Mapped[int] = mapped_column(BigInteger)
    cyber_budget: Mapped[int] = mapped_column(BigInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime]


class CrisisExercise(EstablishmentOwned, Base):
    """A cyber crisis exercise held (mandatory yearly since 2023)."""

    __tablename__ = "crisis_exercise"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date]
    level: Mapped[ExerciseLevel] = mapped_column(_enum(ExerciseLevel, 20))
    scenario: Mapped[str] = mapped_column(String(300))
    participants: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_document.id", ondelete="SET NULL"), index=True
    )
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]


class MaturitySnapshot(EstablishmentOwned, Base):
    """The maturity scores of one establishment on one day, for the trend."""

    __tablename__ = "maturity_snapshot"
    __table_args__ = (UniqueConstraint("establishment_id", "taken_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_on: Mapped[date]
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # domain key → score or null
    overall: Mapped[int | None]


class GovernanceReminder(EstablishmentOwned, Base):
    """A reminder produced once (kind, subject, due date); the notifier marks it sent."""

    __tablename__ = "governance_reminder"
    __table_args__ = (UniqueConstraint("establishment_id", "kind", "subject", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind, 30))
    subject: Mapped[str] = mapped_column(String(80))
    due_on: Mapped[date]
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    notified_at: Mapped[datetime | None]
