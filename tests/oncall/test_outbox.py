"""The outbox against real peers: an aiosmtpd server receives the mail, an http.server the signed webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ght_soc.database import HubSession
from ght_soc.mail import SmtpMailer
from ght_soc.models import DeliveryStatus, Notification
from ght_soc.services import notifications as outbox
from ght_soc.settings import SmtpConfig
from ght_soc.webhooks import DELIVERY_HEADER, WebhookPoster, verify
from tests.oncall.peers import SmtpHandler, free_port, smtp_server, webhook_server

NOW = datetime(2026, 3, 7, 2, 0, tzinfo=UTC)
SECRET = "webhook-secret-for-tests-0123456789"
SUBJECT = "Escalade : étape « Isoler le serveur » non acquittée — INC-2026-0042"


def mailer(port: int) -> SmtpMailer:
    config = SmtpConfig(host="127.0.0.1", port=port, sender="ght-soc@chu-demo.invalid", timeout_seconds=5)
    return SmtpMailer(config, local_hostname="hub.test")


def queue_escalation(session: HubSession, key: str = "run-7:step-3:rssi") -> Notification:
    return outbox.enqueue_mail(
        session,
        to=["rssi@ght.test", "dsi@ght.test"],
        subject=SUBJECT,
        body_text="L'étape 3 attend depuis 15 min.\nMerci d'intervenir.",
        body_html="<p>L'étape 3 attend depuis <strong>15 min</strong>.</p>",
        idempotency_key=key,
        now=NOW,
    )


def test_a_queued_mail_reaches_the_smtp_server_with_its_french_subject(session: HubSession) -> None:
    row = queue_escalation(session)
    with smtp_server() as (port, handler):
        report = outbox.deliver_pending(session, now=NOW, mailer=mailer(port), poster=None)
    assert report == outbox.DeliveryReport(sent=1)
    assert (row.status, row.attempts, row.sent_at, row.last_error) == (DeliveryStatus.SENT, 1, NOW, None)
    [received] = handler.received
    assert received.mail_from == "ght-soc@chu-demo.invalid"
    assert received.rcpt_tos == ["rssi@ght.test", "dsi@ght.test"]
    message = received.message
    assert message["Subject"] == SUBJECT
    assert message["From"] == "ght-soc@chu-demo.invalid"
    assert message["To"] == "rssi@ght.test, dsi@ght.test"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] == f"<{outbox.delivery_id('run-7:step-3:rssi')}@chu-demo.invalid>"
    assert message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    assert (
        message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        == "L'étape 3 attend depuis 15 min.\nMerci d'intervenir.\n"
    )
    assert "<strong>15 min</strong>" in message.get_body(("html",)).get_content()


def test_the_subject_travels_encoded_as_rfc_2047(session: HubSession) -> None:
    queue_escalation(session)
    with smtp_server() as (port, handler):
        outbox.deliver_pending(session, now=NOW, mailer=mailer(port), poster=None)
    headers = handler.received[0].raw.split(b"\r\n\r\n", 1)[0]
    text = headers.decode("ascii")  # 7-bit clean: any relay takes it
    subject = text[text.index("Subject:") :].split("\r\nTo:")[0]
    assert "=?utf-8?" in subject.lower()


def test_the_same_key_queued_twice_is_one_mail(session: HubSession) -> None:
    first = queue_escalation(session)
    again = queue_escalation(session)
    assert again.id == first.id
    with smtp_server() as (port, handler):
        outbox.deliver_pending(session, now=NOW, mailer=mailer(port), poster=None)
        queue_escalation(session)  # a late retry of the same escalation after it was sent
        outbox.deliver_pending(session, now=NOW + timedelta(minutes=1), mailer=mailer(port), poster=None)
    assert len(handler.received) == 1
    assert session.query(Notification).count() == 1


def test_a_down_server_keeps_the_mail_pending_until_it_comes_back(session: HubSession) -> None:
    row = queue_escalation(session)
    port = free_port()  # nobody listens there yet
    report = outbox.deliver_pending(session, now=NOW, mailer=mailer(port), poster=None)
    assert report == outbox.DeliveryReport(retried=1)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert row.next_attempt_at == NOW + outbox.FIRST_RETRY
    assert row.last_error and "ConnectionRefusedError" in row.last_error

    # not due yet: nothing is tried, nothing is counted
    assert outbox.deliver_pending(
        session, now=NOW + timedelta(seconds=5), mailer=mailer(port), poster=None
    ) == (outbox.DeliveryReport())
    later = NOW + timedelta(seconds=15)
    assert outbox.deliver_pending(session, now=later, mailer=mailer(port), poster=None).retried == 1
    assert row.attempts == 2 and row.next_attempt_at == later + timedelta(seconds=30)

    with smtp_server(port) as (_, handler):
        report = outbox.deliver_pending(
            session, now=later + timedelta(seconds=30), mailer=mailer(port), poster=None
        )
    assert report.sent == 1 and len(handler.received) == 1
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.SENT, 3, None)


def test_a_refused_recipient_fails_at_once_and_can_be_requeued(session: HubSession) -> None:
    row = outbox.enqueue_mail(
        session, to="parti@ght.test", subject="s", body_text="b", idempotency_key="k-refused", now=NOW
    )
    with smtp_server(handler=SmtpHandler(refuse={"parti@ght.test"})) as (port, handler):
        report = outbox.deliver_pending(session, now=NOW, mailer=mailer(port), poster=None)
        assert report == outbox.DeliveryReport(failed=1)
        assert row.status == DeliveryStatus.FAILED and "parti@ght.test" in (row.last_error or "")
        assert outbox.outbox_counts(session)[DeliveryStatus.FAILED] == 1
        assert outbox.recent_problems(session) == [row]
        handler.refuse.clear()
        outbox.requeue(session, notification=row, now=NOW + timedelta(hours=1))
        outbox.deliver_pending(session, now=NOW + timedelta(hours=1), mailer=mailer(port), poster=None)
    assert row.status == DeliveryStatus.SENT and len(handler.received) == 1


def test_a_mail_refused_for_one_recipient_is_sent_to_the_others_once(session: HubSession) -> None:
    row = queue_escalation(session)
    with smtp_server(handler=SmtpHandler(refuse={"dsi@ght.test"})) as (port, handler):
        outbox.deliver_pending(session, now=NOW, mailer=mailer(port), poster=None)
    assert row.status == DeliveryStatus.SENT
    assert row.last_error == "refused by the relay: dsi@ght.test"
    assert handler.received[0].rcpt_tos == ["rssi@ght.test"]


def test_retries_back_off_then_give_up(session: HubSession) -> None:
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 8, 40)] == [
        15,
        30,
        60,
        120,
        1800,
        1800,
    ]
    row = queue_escalation(session)
    row.attempts = outbox.MAX_ATTEMPTS - 1
    outbox.deliver_pending(session, now=NOW, mailer=mailer(free_port()), poster=None)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        DeliveryStatus.FAILED,
        outbox.MAX_ATTEMPTS,
        None,
    )


@pytest.mark.parametrize(
    ("to", "url"),
    [
        ([], None),
        (["pas-une-adresse"], None),
        (["a@b.test\r\nBcc: x@y.test"], None),
        (None, "file:///etc/passwd"),
    ],
)
def test_malformed_notifications_are_refused_when_queued(
    session: HubSession, to: list[str] | None, url: str | None
) -> None:
    with pytest.raises(outbox.NotificationError):
        if url is not None:
            outbox.enqueue_webhook(session, url=url, payload={}, idempotency_key="k", now=NOW)
        else:
            outbox.enqueue_mail(
                session, to=to or [], subject="s", body_text="b", idempotency_key="k", now=NOW
            )


def test_a_webhook_arrives_signed_with_hmac_over_timestamp_and_body(session: HubSession) -> None:
    payload = {"incident": "INC-2026-0042", "étape": "isoler", "niveau": "rssi"}
    with webhook_server() as receiver:
        row = outbox.enqueue_webhook(
            session, url=receiver.url, payload=payload, idempotency_key="wh-1", now=NOW
        )
        report = outbox.deliver_pending(
            session, now=NOW, mailer=mailer(free_port()), poster=WebhookPoster(SECRET, timeout_seconds=5)
        )
    assert report.sent == 1 and row.status == DeliveryStatus.SENT
    [hit] = receiver.hits
    assert hit.path == "/hooks/ght"
    assert json.loads(hit.body) == payload
    assert hit.headers["content-type"] == "application/json; charset=utf-8"
    assert hit.headers[DELIVERY_HEADER.lower()] == outbox.delivery_id("wh-1")
    assert verify(SECRET, hit.headers, hit.body, now=NOW.timestamp())
    # a wrong secret, a changed body, or a replay ten minutes later do not verify
    assert not verify("another-secret", hit.headers, hit.body, now=NOW.timestamp())
    assert not verify(SECRET, hit.headers, hit.body.replace(b"isoler", b"ignorer"), now=NOW.timestamp())
    assert not verify(SECRET, hit.headers, hit.body, now=NOW.timestamp() + 600)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (500, DeliveryStatus.PENDING),
        (429, DeliveryStatus.PENDING),
        (404, DeliveryStatus.FAILED),
        (302, DeliveryStatus.FAILED),
    ],
)
def test_a_webhook_answer_decides_between_retry_and_failure(
    session: HubSession, status: int, outcome: DeliveryStatus
) -> None:
    with webhook_server(status) as receiver:
        row = outbox.enqueue_webhook(
            session, url=receiver.url, payload={"a": 1}, idempotency_key="wh", now=NOW
        )
        outbox.deliver_pending(session, now=NOW, mailer=mailer(free_port()), poster=WebhookPoster(SECRET))
    assert (row.status, row.last_error) == (outcome, f"HTTP {status}")
    assert len(receiver.hits) == 1


def test_webhooks_wait_while_no_secret_is_configured(session: HubSession) -> None:
    row = outbox.enqueue_webhook(
        session, url="http://127.0.0.1:9/x", payload={}, idempotency_key="wh", now=NOW
    )
    assert (
        outbox.deliver_pending(session, now=NOW, mailer=mailer(free_port()), poster=None)
        == outbox.DeliveryReport()
    )
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
