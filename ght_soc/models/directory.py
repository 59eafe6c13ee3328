"""Directory inventory (accounts, computers, groups) and hygiene findings, per establishment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.models.base import Base, EstablishmentOwned
from ght_soc.models.ght import Establishment


class DirectoryObject(EstablishmentOwned, Base):
    """One account, computer or group as its directory last showed it.

    `deleted_at` is set only by a complete full sync that no longer returned the object: a failed, partial or
    size-limited sync never deletes anything.
    """

    __tablename__ = "directory_object"
    __table_args__ = (UniqueConstraint("establishment_id", "directory", "dn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    directory: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # user, computer, group
    dn: Mapped[str] = mapped_column(String(500))  # lower case: DNs compare without regard to case
    name: Mapped[str | None] = mapped_column(String(300))
    sid: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(default=True)
    privileged: Mapped[bool] = mapped_column(default=False)
    last_logon_at: Mapped[datetime | None]
    password_last_set_at: Mapped[datetime | None]
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Fingerprint of `attributes` as the last sync wrote them: an unchanged object is recognised without
    # loading or decoding its row. NULL (rows written otherwise) only means "rewrite at the next sync".
    digest: Mapped[str | None] = mapped_column(String(32))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    establishment: Mapped[Establishment] = relationship()


class DirectoryFinding(EstablishmentOwned, Base):
    """A hygiene finding as the last complete sync showed it; resolved when a later one no longer does."""

    __tablename__ = "directory_finding"
    __table_args__ = (UniqueConstraint("establishment_id", "directory", "finding"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    directory: Mapped[str] = mapped_column(String(80))
    finding: Mapped[str] = mapped_column(
        String(80)
    )  # the stable identifier, e.g. ldap.privileged_kerberoastable
    severity: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    explanation: Mapped[str] = mapped_column(Text)
    objects: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]

    establishment: Mapped[Establishment] = relationship()
