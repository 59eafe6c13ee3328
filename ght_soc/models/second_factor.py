"""Second factor of people's accounts: a TOTP secret (RFC 6238) and single-use recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ght_soc.models.base import Base


class TotpCredential(Base):
    """One authenticator per account; it counts only once confirmed by a first valid code."""

    __tablename__ = "totp_credential"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))  # base32, as the authenticator app holds it
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    # The time step of the last accepted code: a code of this step or an earlier one is a replay (RFC 6238 §5.2).
    last_used_step: Mapped[int | None]


class RecoveryCode(Base):
    """A one-time code for when the authenticator is lost; only its argon2 hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
