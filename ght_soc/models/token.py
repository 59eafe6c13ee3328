"""Machine tokens: collectors of one establishment authenticate to the API with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.models.base import Base, EstablishmentOwned, utcnow
from ght_soc.models.ght import Establishment


class ApiToken(EstablishmentOwned, Base):
    """Only a SHA-256 of the secret is kept; the clear token is shown once, when created."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # shown in lists, to tell tokens apart
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    establishment: Mapped[Establishment] = relationship()
