"""Declarant mandates: the director of each establishment, and the delegations the director signed.

Only a person holding a mandate that is valid on the day, for the regime, approves or records the filing of a
declaration (CSP D.1111-16-3; see ght_soc/declarations/mandates.py). Rows are never deleted: a mandate that ends
early is revoked, so the record of who could file what, when, survives for the audit.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.declarations.mandates import MandateKind
from ght_soc.models.base import Base, EstablishmentOwned, enum_type, utcnow
from ght_soc.models.ght import Establishment
from ght_soc.models.user import User


class DeclarantMandate(EstablishmentOwned, Base):
    __tablename__ = "declarant_mandate"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MandateKind] = mapped_column(enum_type(MandateKind))
    # The account that acts under it; a director without an account is still named on the documents.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    person_name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    regimes: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every regime
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]  # inclusive, on the establishment's calendar
    granted_by: Mapped[str] = mapped_column(String(200), default="")
    act_reference: Mapped[str] = mapped_column(String(200), default="")
    act_date: Mapped[date | None]

    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_by_name: Mapped[str] = mapped_column(String(200), default="")
    revoked_on: Mapped[date | None]  # the first day it no longer holds
    revoked_at: Mapped[datetime | None]
    revoked_by_name: Mapped[str] = mapped_column(String(200), default="")
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")

    establishment: Mapped[Establishment] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
