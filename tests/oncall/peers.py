"""Real peers for the notification tests: an aiosmtpd SMTP server and an http.server webhook receiver.

Both listen on 127.0.0.1 at a free port, record what they receive, and are stopped by the test's fixture.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes  # as it came over the wire


@dataclass
class SmtpHandler:
    """Keeps every message; refuses the recipients listed in `refuse` with a 550."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, content))
        return "250 OK: queued"


@dataclass(frozen=True)
class _Authenticator:
    login: str
    password: str

    def __call__(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        good = isinstance(data, LoginPassword) and (data.login, data.password) == (
            self.login.encode(),
            self.password.encode(),
        )
        return AuthResult(success=good, handled=False)


@contextmanager
def smtp_server(
    port: int | None = None,
    *,
    handler: SmtpHandler | None = None,
    tls_context: ssl.SSLContext | None = None,
    require_starttls: bool = False,
    credentials: tuple[str, str] | None = None,
) -> Iterator[tuple[int, SmtpHandler]]:
    """An SMTP server on 127.0.0.1; `tls_context` with `require_starttls` offers STARTTLS, without it the
    server speaks TLS from the first byte (SMTPS). With `credentials`, AUTH (after TLS) is required."""
    handler = handler or SmtpHandler()
    port = port or free_port()
    kwargs: dict[str, Any] = {}
    if tls_context is not None and require_starttls:
        kwargs = {"tls_context": tls_context, "require_starttls": True}
    elif tls_context is not None:
        kwargs = {"ssl_context": tls_context}
    if credentials is not None:
        kwargs |= {"auth_required": True, "authenticator": _Authenticator(*credentials)}
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


@dataclass
class Hit:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class WebhookReceiver:
    """Records POSTs and answers `status` (settable by the test)."""

    url: str
    hits: list[Hit]
    status: list[int]


@contextmanager
def webhook_server(status: int = 204) -> Iterator[WebhookReceiver]:
    hits: list[Hit] = []
    answer = [status]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            hits.append(Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(answer[0])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield WebhookReceiver(f"http://127.0.0.1:{server.server_address[1]}/hooks/ght", hits, answer)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
