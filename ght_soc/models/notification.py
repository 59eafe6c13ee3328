"""The notification outbox: one row per mail or webhook to send, delivered later by the scheduler.

Writing the row in the same unit of work as the change that causes it means a notification is never lost
when the mail server is down, and never sent for a change that was rolled back. The idempotency key is
unique: the same escalation enqueued twice (a retried job, a resumed playbook run) is one message.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ght_soc.models.base import Base, enum_type, utcnow


class Channel(StrEnum):
    MAIL = "mail"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    """PENDING until sent; FAILED after a permanent refusal or too many attempts (a person may requeue it)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    status: Mapped[DeliveryStatus] = mapped_column(enum_type(DeliveryStatus), default=DeliveryStatus.PENDING)
    # Mail: the recipients' addresses, subject and bodies. Webhook: the URL and the JSON payload.
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
