"""The notification outbox: enqueue mails and webhooks in the caller's unit of work, deliver them later.

`enqueue_*` only add a row (the caller commits with the change that caused it); the scheduler's outbox job
calls :func:`deliver_pending`, which sends what is due and, on a failure, keeps the row pending with a
later next attempt (exponential backoff) until `MAX_ATTEMPTS`. The same idempotency key is one message,
however many times it is enqueued. Delivery is at least once: a crash between the relay's "250 OK" and the
commit sends the message again, with the same Message-ID / delivery id so that the receiver can drop it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ght_soc.mail import MailDeliveryError, OutgoingMail
from ght_soc.models import Channel, DeliveryStatus, Notification
from ght_soc.webhooks import WebhookDeliveryError, check_url

MAX_ATTEMPTS = 20  # with the backoff below: about 8 hours of trying before a person has to look
FIRST_RETRY = timedelta(seconds=15)
LONGEST_RETRY = timedelta(minutes=30)
SUBJECT_MAX = 300
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> tuple[str, ...]: ...


class Poster(Protocol):
    def post(self, url: str, payload: Mapping[str, Any], *, delivery_id: str, timestamp: int) -> None: ...


class NotificationError(ValueError):
    """A notification that cannot be queued as asked (no recipient, a malformed address or URL)."""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # failed this time, still pending
    failed: int = 0  # given up: permanent refusal or too many attempts


def delivery_id(idempotency_key: str) -> str:
    """A stable, opaque id of a message (the Message-ID's left part, the webhook delivery header)."""
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 15 s, 30 s, 1 min... capped at 30 min."""
    doublings = min(max(attempts - 1, 0), 16)  # past 16 the cap applies anyway
    return min(FIRST_RETRY * (1 << doublings), LONGEST_RETRY)


def enqueue_mail(
    session: Session,
    *,
    to: str | Sequence[str],
    subject: str,
    body_text: str,
    body_html: str | None = None,
    idempotency_key: str,
    now: datetime,
) -> Notification:
    """Queue a mail to `to`; return the row, or the existing one when `idempotency_key` was queued before."""
    recipients = [to] if isinstance(to, str) else list(to)
    recipients = list(dict.fromkeys(address.strip() for address in recipients if address.strip()))
    if not recipients:
        raise NotificationError("a mail needs at least one recipient")
    bad = [address for address in recipients if not _ADDRESS.match(address)]
    if bad:
        raise NotificationError(f"malformed mail address(es): {bad}")
    # A subject is one header line: the engine's texts may carry line breaks.
    one_line = " ".join(subject.split())
    if len(one_line) > SUBJECT_MAX:
        one_line = one_line[: SUBJECT_MAX - 1] + "…"
    return _enqueue(
        session,
        Notification(
            channel=Channel.MAIL,
            recipients=recipients,
            subject=one_line,
            body_text=body_text,
            body_html=body_html,
        ),
        idempotency_key,
        now,
    )


def enqueue_webhook(
    session: Session, *, url: str, payload: Mapping[str, Any], idempotency_key: str, now: datetime
) -> Notification:
    """Queue a signed JSON POST of `payload` to `url`; idempotent on `idempotency_key` like mails."""
    try:
        check_url(url)
    except ValueError as error:
        raise NotificationError(str(error)) from None
    return _enqueue(
        session, Notification(channel=Channel.WEBHOOK, url=url, payload=dict(payload)), idempotency_key, now
    )


def _enqueue(session: Session, row: Notification, idempotency_key: str, now: datetime) -> Notification:
    if not idempotency_key or len(idempotency_key) > 200:
        raise NotificationError("an idempotency key of 1 to 200 characters is required")
    existing = _by_key(session, idempotency_key)
    if existing is not None:
        return existing
    row.idempotency_key = idempotency_key
    row.status = DeliveryStatus.PENDING
    row.attempts = 0
    row.created_at = now
    row.next_attempt_at = now
    try:
        # A savepoint: a concurrent unit of work that queued the same key first must not undo the caller's.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = _by_key(session, idempotency_key)
        if existing is None:
            raise
        return existing
    return row


def _by_key(session: Session, idempotency_key: str) -> Notification | None:
    return session.scalars(
        select(Notification).where(Notification.idempotency_key == idempotency_key)
    ).one_or_none()


def deliver_pending(
    session: Session, *, now: datetime, mailer: Mailer, poster: Poster | None, limit: int = 20
) -> DeliveryReport:
    """Send up to `limit` due notifications, oldest due first; webhooks wait while `poster` is None."""
    query = (
        select(Notification)
        .where(Notification.status == DeliveryStatus.PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
        # Two schedulers by mistake must not send the same row twice: the second skips locked rows.
        .with_for_update(skip_locked=True)
    )
    if poster is None:
        query = query.where(Notification.channel == Channel.MAIL)
    sent = retried = failed = 0
    for row in session.scalars(query).all():
        row.attempts += 1
        try:
            refused = _send(row, now, mailer, poster)
        except (MailDeliveryError, WebhookDeliveryError) as error:
            row.last_error = str(error)[:2000]
            if error.permanent or row.attempts >= MAX_ATTEMPTS:
                row.status = DeliveryStatus.FAILED
                row.next_attempt_at = None
                failed += 1
            else:
                row.next_attempt_at = now + retry_delay(row.attempts)
                retried += 1
        else:
            row.status = DeliveryStatus.SENT
            row.sent_at = now
            row.next_attempt_at = None
            row.last_error = f"refused by the relay: {', '.join(refused)}" if refused else None
            sent += 1
        session.flush()
    return DeliveryReport(sent=sent, retried=retried, failed=failed)


def _send(row: Notification, now: datetime, mailer: Mailer, poster: Poster | None) -> tuple[str, ...]:
    identifier = delivery_id(row.idempotency_key)
    if row.channel == Channel.MAIL:
        return mailer.send(
            OutgoingMail(
                to=tuple(row.recipients),
                subject=row.subject,
                body_text=row.body_text,
                body_html=row.body_html,
                delivery_id=identifier,
            )
        )
    assert poster is not None and row.url is not None  # the query leaves webhooks out without a poster
    poster.post(row.url, row.payload or {}, delivery_id=identifier, timestamp=int(now.timestamp()))
    return ()


def requeue(session: Session, *, notification: Notification, now: datetime) -> None:
    """Put a failed notification back in the queue, due now, with a fresh count of attempts."""
    notification.status = DeliveryStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = now
    session.flush()


def outbox_counts(session: Session) -> dict[DeliveryStatus, int]:
    """How many notifications are in each status (the rota page shows pending and failed ones)."""
    counts = dict.fromkeys(DeliveryStatus, 0)
    rows = session.execute(select(Notification.status, func.count()).group_by(Notification.status))
    for status, count in rows:
        counts[DeliveryStatus(status)] = count
    return counts


def recent_problems(session: Session, *, limit: int = 10) -> Sequence[Notification]:
    """Failed notifications and pending ones that have failed at least once, newest first."""
    return session.scalars(
        select(Notification)
        .where(Notification.last_error.is_not(None), Notification.status != DeliveryStatus.SENT)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
