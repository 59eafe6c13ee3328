"""The audit log: security-relevant actions, append-only and hash-chained (ght_soc/services/audit.py).

Rows never reference other tables by foreign key: an audit row must outlive the account or run it names,
and a cascade would silently cut the chain.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ght_soc.models.base import Base

HASH_LENGTH = 64  # hex SHA-256


class AuditEvent(Base):
    """One action: who, what, on what, when; `hash` chains it to the row before it (by id)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_user_id: Mapped[int | None]
    actor_token_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    previous_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH), unique=True)


class AuditChainHead(Base):
    """The one row that says where the chain ends: writers lock it, and a deleted tail shows against it."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    last_event_id: Mapped[int | None]
    last_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    length: Mapped[int] = mapped_column(default=0)
