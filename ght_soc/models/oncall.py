"""The GHT-wide on-call rota: who holds each level of the escalation chain, from when to when, and handovers.

The rota is the group's, not an establishment's (one on-call engineer covers the shared IS of every member),
so shifts are not `EstablishmentOwned`. Instants are stored in UTC; weekly shifts are cut at a local wall
time (Europe/Paris), which is why a week across a DST change lasts 167 or 169 hours.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.models.base import Base, enum_type, utcnow
from ght_soc.models.user import User


class EscalationLevel(StrEnum):
    """The levels of the escalation chain, in the order an unanswered step climbs them."""

    ON_CALL_ENGINEER = "on_call_engineer"  # ingénieur d'astreinte
    ADMINISTRATOR_ON_DUTY = "administrator_on_duty"  # administrateur de garde
    RSSI = "rssi"
    DIRECTION = "direction"


# The chain's order is the enum's order; the rank is what "the next level" means.
ESCALATION_ORDER: tuple[EscalationLevel, ...] = tuple(EscalationLevel)


class ShiftKind(StrEnum):
    """A weekly shift comes from rota generation; a custom one is set by hand (a swap, a holiday cover)."""

    WEEKLY = "weekly"
    CUSTOM = "custom"


class OnCallShift(Base):
    """One person holding one level of the chain over [starts_at, ends_at).

    Shifts of the same level and kind never overlap (the service refuses it); a custom shift may lie over a
    weekly one and then wins, so that a swap needs no editing of the generated rota.
    """

    __tablename__ = "oncall_shift"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_oncall_shift_level_starts_at", "level", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[EscalationLevel] = mapped_column(enum_type(EscalationLevel))
    kind: Mapped[ShiftKind] = mapped_column(enum_type(ShiftKind), default=ShiftKind.CUSTOM)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    comment: Mapped[str] = mapped_column(String(300), default="")
    # Written by the holder when handing over to the next holder of the level; read on the rota page.
    handover_note: Mapped[str] = mapped_column(Text, default="")
    handover_at: Mapped[datetime | None]
    # The next holder's "I have read it".
    handover_read_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
