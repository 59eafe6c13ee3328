"""Alerts raised by connectors and detection rules (the DFIR-IRIS shape: source, source reference, raw)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.domain import AlertSeverity, AlertStatus
from ght_soc.models.base import Base, EstablishmentOwned, utcnow
from ght_soc.models.ght import Establishment


def _enum(kind: type[AlertSeverity] | type[AlertStatus]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Alert(EstablishmentOwned, Base):
    __tablename__ = "alert"
    # A source's own reference makes re-sent alerts idempotent.
    __table_args__ = (
        UniqueConstraint("establishment_id", "source", "source_ref"),
        Index("ix_alert_dedup_key_last_seen_at", "dedup_key", "last_seen_at"),
        # The alerts list pages newest first (no status-first index: SQLite, without statistics, would take it
        # and sort every open alert); the overview counts open alerts per establishment from the
        # index alone (bench/web_load: 100,000 alerts).
        Index("ix_alert_occurred_at_id", "occurred_at", "id"),
        Index("ix_alert_establishment_id_status", "establishment_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for an alert on events of an unknown sender: only GHT-wide roles see those (the scope filter
    # keeps NULL out of every site scope).
    establishment_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(60))
    source_ref: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[AlertSeverity] = mapped_column(_enum(AlertSeverity))
    status: Mapped[AlertStatus] = mapped_column(_enum(AlertStatus), default=AlertStatus.NEW)
    rule_id: Mapped[str | None] = mapped_column(String(100))
    # Detections with the same key within the deduplication window grow one alert instead of many.
    dedup_key: Mapped[str | None] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(default=1)
    occurred_at: Mapped[datetime]
    first_seen_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The incident this alert was merged into, if any; later alerts of the same key join it too.
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )

    establishment: Mapped[Establishment | None] = relationship()
    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertEvent.id"
    )
    changes: Mapped[list[AlertChange]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertChange.at"
    )
    indicators: Mapped[list[AlertIndicator]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertIndicator.id"
    )


class AlertEvent(Base):
    """An event that made the alert: its identifier in the event store (a row id or a document id)."""

    __tablename__ = "alert_event"
    __table_args__ = (UniqueConstraint("alert_id", "event_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    event_ref: Mapped[str] = mapped_column(String(100))

    alert: Mapped[Alert] = relationship(back_populates="events")


class AlertChange(Base):
    """One status change, with who made it and when: the alert's history, never rewritten."""

    __tablename__ = "alert_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    from_status: Mapped[AlertStatus] = mapped_column(_enum(AlertStatus))
    to_status: Mapped[AlertStatus] = mapped_column(_enum(AlertStatus))
    note: Mapped[str] = mapped_column(Text, default="")

    alert: Mapped[Alert] = relationship(back_populates="changes")


class AlertIndicator(Base):
    """An observable of the alert (an address, an account, a hash, a domain): how alerts of several
    establishments are found to share an attacker."""

    __tablename__ = "alert_indicator"
    __table_args__ = (
        UniqueConstraint("alert_id", "kind", "value"),
        Index("ix_alert_indicator_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # the event field: source.ip, user.name, file.hash...
    value: Mapped[str] = mapped_column(String(300))

    alert: Mapped[Alert] = relationship(back_populates="indicators")
