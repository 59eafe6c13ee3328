"""National declarations of an incident: its qualification answers and one row per document to file.

A `Declaration` is one stage (initial, complement, resolution; NIS 2 early warning, notification, final) of one
regime for one legal entity (FINESS EJ). It hangs off the incident (`IncidentOwned`) and belongs to the filing
establishment (`EstablishmentOwned`): the scope filter applies both, so a site user sees neither an incident
that is not theirs nor another member's declaration on a shared incident.

The hub prepares, validates and records; it never files anything itself: `sent_*` are written by the person
who filed on the portal (or on paper), and a sent row is frozen.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.models.base import Base, EstablishmentOwned, enum_type, utcnow
from ght_soc.models.ght import Establishment
from ght_soc.models.incident import Incident, IncidentOwned


class DeclarationStatus(StrEnum):
    DRAFT = "draft"  # fields still missing
    READY = "ready"  # nothing missing, waiting for approval
    APPROVED = "approved"  # approved by someone holding DECLARE (and the DPO for GDPR regimes)
    SENT = "sent"  # filed by a person, with the recipient's reference: frozen
    OBSOLETE = "obsolete"  # no longer due after a re-qualification; kept for the record


class Qualification(IncidentOwned, Base):
    """The incident's current questionnaire answers; each change is on the main courante with its diff."""

    __tablename__ = "incident_qualification"
    __table_args__ = (UniqueConstraint("incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_by_name: Mapped[str] = mapped_column(String(200), default="")

    incident: Mapped[Incident] = relationship()


class Declaration(IncidentOwned, EstablishmentOwned, Base):
    """One document: a stage of a regime for one legal entity; `sequence` numbers repeatable stages."""

    __tablename__ = "declaration"
    __table_args__ = (UniqueConstraint("incident_id", "regime_id", "finess_ej", "stage", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    regime_id: Mapped[str] = mapped_column(String(40), index=True)
    stage: Mapped[str] = mapped_column(String(30))  # a regimes.StageKind value
    sequence: Mapped[int] = mapped_column(default=1)
    finess_ej: Mapped[str] = mapped_column(String(9))
    status: Mapped[DeclarationStatus] = mapped_column(
        enum_type(DeclarationStatus), default=DeclarationStatus.DRAFT, index=True
    )
    # Why it is due, in French, as qualification found it: why the entity is bound, why the regime applies.
    bound_reason: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    covers: Mapped[list[str]] = mapped_column(JSON, default=list)  # affected establishment keys it covers
    finess_et: Mapped[list[str]] = mapped_column(JSON, default=list)

    # The regime's T0 (the same on every stage of one regime × legal entity), and who set it.
    t0_at: Mapped[datetime]
    t0_set_at: Mapped[datetime] = mapped_column(default=utcnow)
    t0_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    t0_set_by_name: Mapped[str] = mapped_column(String(200), default="")
    # Recomputed from the regime whenever an input changes; cached for the overview and the reminders.
    starts_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    requested_at: Mapped[datetime | None]  # stages "on request" (NIS 2 intermediate report)

    draft_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field key → JSON value
    edited_fields: Mapped[list[str]] = mapped_column(JSON, default=list)  # kept on re-qualification
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    dpo_reviewed_at: Mapped[datetime | None]
    dpo_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    dpo_reviewed_by_name: Mapped[str] = mapped_column(String(200), default="")
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    approved_by_name: Mapped[str] = mapped_column(String(200), default="")

    sent_at: Mapped[datetime | None]  # when the person filed it (as they state it)
    sent_recorded_at: Mapped[datetime | None]  # when they recorded it in the hub
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    sent_by_name: Mapped[str] = mapped_column(String(200), default="")
    sent_channel: Mapped[str] = mapped_column(String(200), default="")
    sent_reference: Mapped[str] = mapped_column(String(200), default="")

    incident: Mapped[Incident] = relationship()
    establishment: Mapped[Establishment] = relationship()
