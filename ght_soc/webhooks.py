"""Outgoing webhooks: a JSON POST signed with HMAC-SHA256, so that the receiver knows it comes from the hub.

The signature covers the timestamp and the exact body bytes (`<timestamp>.<body>`), in the headers

    X-GHT-SOC-Timestamp: 1764412345
    X-GHT-SOC-Signature: sha256=<hex digest>
    X-GHT-SOC-Delivery: <the outbox row's stable id, for the receiver to drop a repeated delivery>

A receiver checks it with :func:`verify`, refusing old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ght_soc.settings import LoadedConfig

TIMESTAMP_HEADER = "X-GHT-SOC-Timestamp"
SIGNATURE_HEADER = "X-GHT-SOC-Signature"
DELIVERY_HEADER = "X-GHT-SOC-Delivery"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE_SECONDS = 300
# A status worth another try: the receiver is busy or timed out, not refusing this request for good.
_TRANSIENT_STATUSES = frozenset({408, 425, 429})


class WebhookDeliveryError(Exception):
    """The receiver did not accept the request; `permanent` when sending it again cannot help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


def check_url(url: str) -> str:
    """Return `url` when it is http(s) with a host; raise ValueError otherwise (urllib would open file:)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"webhook URL must be http or https with a host: {url!r}")
    return url


def encode(payload: Mapping[str, Any]) -> bytes:
    """The body exactly as sent and signed: compact UTF-8 JSON with sorted keys."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when the headers carry a valid signature of `body` made within `tolerance_seconds` of `now`."""
    named = {name.lower(): value for name, value in headers.items()}  # HTTP header names ignore case
    timestamp_text = named.get(TIMESTAMP_HEADER.lower(), "")
    signature = named.get(SIGNATURE_HEADER.lower(), "")
    if not timestamp_text.isdigit():
        return False
    timestamp = int(timestamp_text)
    if abs(now - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would resend (or drop) the signed body elsewhere: treat it as the receiver's answer."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookPoster:
    """POSTs signed JSON with a timeout; one request per call."""

    def __init__(self, secret: str, *, timeout_seconds: float = 10, user_agent: str = "ght-soc") -> None:
        if not secret:
            raise ValueError("a webhook secret is required")
        self._secret = secret
        self._timeout = timeout_seconds
        self._user_agent = user_agent
        self._opener = urllib.request.build_opener(_NoRedirect)

    def post(self, url: str, payload: Mapping[str, Any], *, delivery_id: str, timestamp: int) -> None:
        """Send `payload` to `url`; raise :class:`WebhookDeliveryError` unless the receiver answers 2xx."""
        try:
            check_url(url)
        except ValueError as error:
            raise WebhookDeliveryError(str(error), permanent=True) from None
        body = encode(payload)
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": self._user_agent,
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(self._secret, timestamp, body),
                DELIVERY_HEADER: delivery_id,
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read(1024)
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
            permanent = 300 <= status < 500 and status not in _TRANSIENT_STATUSES
            raise WebhookDeliveryError(f"HTTP {status}", permanent=permanent) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise WebhookDeliveryError(f"{type(error).__name__}: {reason}", permanent=False) from None


def poster_from_config(config: LoadedConfig) -> WebhookPoster | None:
    """The hub's poster, or None when no secret is configured (webhooks then wait in the outbox)."""
    secret = config.secrets.webhook_secret
    if not secret:
        return None
    return WebhookPoster(secret, timeout_seconds=config.settings.hub.webhooks.timeout_seconds)
