"""Alerts raised by connectors and detection rules (the DFIR-IRIS shape: source, source reference, raw)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.domain import AlertSeverity, AlertStatus
from ght_soc.models.base import Base, EstablishmentOwned, utcnow
from ght_soc.models.ght import Establishment


class Alert(EstablishmentOwned, Base):
    __tablename__ = "alert"
    # A source's own reference makes re-sent alerts idempotent.
    __table_args__ = (UniqueConstraint("establishment_id", "source", "source_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(60))
    source_ref: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[AlertSeverity] = mapped_column(
        Enum(AlertSeverity, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    status: Mapped[AlertStatus] = mapped_column(
        Enum(AlertStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=AlertStatus.NEW,
        index=True,
    )
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    establishment: Mapped[Establishment] = relationship()
