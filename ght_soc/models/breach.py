"""The personal-data breach register (GDPR art. 33(5)): one row per breach and per controller.

The controller is the establishment (one FINESS EJ): `EstablishmentOwned`, so the scope filter shows a site
user their own establishment's register only. The incident is optional (a letter sent to the wrong patient is
a breach with no incident), and deleting an incident keeps its entries: a register keeps everything. Whether
the CNIL was notified is recorded here, or read from the incident's filed art. 33 declaration
(ght_soc/services/breach_entries.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.declarations.breaches import BreachOrigin, CnilDecision, PersonsDecision
from ght_soc.declarations.facts import GdprRisk
from ght_soc.models.base import Base, EstablishmentOwned, enum_type, utcnow
from ght_soc.models.ght import Establishment
from ght_soc.models.incident import Incident


class BreachRecord(EstablishmentOwned, Base):
    """One breach in one controller's register; `reference` (VDP-2026-003) is numbered per establishment and
    year of recording, and never changes (ght_soc/services/breach_register.py)."""

    __tablename__ = "breach_record"
    __table_args__ = (UniqueConstraint("establishment_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )
    year: Mapped[int]  # of recording, on the establishment's wall clock: the year the number counts in
    number: Mapped[int]
    reference: Mapped[str] = mapped_column(String(30))
    finess_ej: Mapped[str] = mapped_column(String(9))  # as it was when recorded
    origin: Mapped[BreachOrigin] = mapped_column(enum_type(BreachOrigin))

    # The facts: nature, circumstances, times.
    title: Mapped[str] = mapped_column(String(300))
    circumstances: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime | None]
    aware_at: Mapped[datetime]  # the art. 33 T0: the 72 hours run from it
    contained_at: Mapped[datetime | None]
    confidentiality: Mapped[bool] = mapped_column(default=False)
    integrity: Mapped[bool] = mapped_column(default=False)
    availability: Mapped[bool] = mapped_column(default=False)
    # Who and what: categories and approximate numbers.
    data_categories: Mapped[str] = mapped_column(Text, default="")
    health_data: Mapped[bool] = mapped_column(default=False)
    person_categories: Mapped[str] = mapped_column(Text, default="")
    persons_count: Mapped[int | None]
    records_count: Mapped[int | None]
    # Effects and remedies, and the DPO's appraisal of the risk.
    consequences: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    risk: Mapped[GdprRisk] = mapped_column(enum_type(GdprRisk), default=GdprRisk.RISK)
    risk_reasoning: Mapped[str] = mapped_column(Text, default="")

    # Art. 33: the CNIL. When an art. 33 declaration of the incident was filed, it prevails when read.
    cnil_decision: Mapped[CnilDecision] = mapped_column(enum_type(CnilDecision), default=CnilDecision.PENDING)
    cnil_notified_at: Mapped[datetime | None]
    cnil_channel: Mapped[str] = mapped_column(String(200), default="")
    cnil_reference: Mapped[str] = mapped_column(String(200), default="")
    cnil_reasoning: Mapped[str] = mapped_column(Text, default="")
    late_reasons: Mapped[str] = mapped_column(Text, default="")
    # Art. 34: the persons concerned.
    persons_decision: Mapped[PersonsDecision] = mapped_column(
        enum_type(PersonsDecision), default=PersonsDecision.PENDING
    )
    persons_informed_at: Mapped[datetime | None]
    persons_channel: Mapped[str] = mapped_column(String(200), default="")
    persons_reasoning: Mapped[str] = mapped_column(Text, default="")

    # Set when a re-qualification no longer reports personal data: the entry stays, the DPO says why.
    withdrawn_at: Mapped[datetime | None]
    edited_fields: Mapped[list[str]] = mapped_column(JSON, default=list)  # kept on re-qualification
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_by_name: Mapped[str] = mapped_column(String(200), default="")

    incident: Mapped[Incident | None] = relationship()
    establishment: Mapped[Establishment] = relationship()
