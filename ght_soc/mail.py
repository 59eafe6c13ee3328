"""Sending mail through the hospital's SMTP relay: plain, STARTTLS or implicit TLS (SMTPS), as configured.

The outbox (ght_soc/services/notifications.py) hands an :class:`OutgoingMail` to a :class:`SmtpMailer`; a
failure raises :class:`MailDeliveryError`, which says whether trying again later can help.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from ght_soc.settings import LoadedConfig, SmtpConfig


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One message as the outbox stores it; `delivery_id` is stable across retries (the Message-ID's left part)."""

    to: tuple[str, ...]
    subject: str
    body_text: str
    body_html: str | None
    delivery_id: str


class MailDeliveryError(Exception):
    """The relay did not take the message; `permanent` when retrying cannot help (a refused recipient)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """A MIME message (text, plus an HTML alternative when given); headers are RFC 2047-encoded as needed."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    # The same Message-ID on a retry lets mail clients drop a message the relay had in fact received.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "ght-soc"
    message["Message-ID"] = f"<{mail.delivery_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the hub
    message.set_content(mail.body_text, charset="utf-8")
    if mail.body_html is not None:
        message.add_alternative(mail.body_html, subtype="html", charset="utf-8")
    return message


class SmtpMailer:
    """Sends each message in its own SMTP session (messages are few; a long-lived session would go stale)."""

    def __init__(
        self,
        config: SmtpConfig,
        password: str | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self._config = config
        self._password = password
        self._local_hostname = local_hostname
        self._context = ssl_context or ssl.create_default_context(cafile=config.ca_file)

    def send(self, mail: OutgoingMail) -> tuple[str, ...]:
        """Hand `mail` to the relay and return the recipients it refused while accepting the others.

        Raise :class:`MailDeliveryError` when the relay took the message for nobody.
        """
        message = build_message(mail, self._config.sender)
        try:
            with self._connect() as smtp:
                if self._config.starttls:
                    smtp.starttls(context=self._context)
                    smtp.ehlo()
                if self._config.username:
                    smtp.login(self._config.username, self._password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise MailDeliveryError(
                f"recipients refused: {sorted(error.recipients)}", permanent=True
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            # A wrong password stays wrong until someone fixes the configuration; keep the row and retry.
            raise MailDeliveryError(f"authentication refused: {error.smtp_code}", permanent=False) from None
        except smtplib.SMTPResponseException as error:
            permanent = 500 <= error.smtp_code < 600
            raise MailDeliveryError(
                f"{error.smtp_code} {_text(error.smtp_error)}", permanent=permanent
            ) from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
            raise MailDeliveryError(f"{type(error).__name__}: {error}", permanent=False) from None
        # Some recipients took it: sending again would duplicate it for them, so the caller records the others.
        return tuple(sorted(refused))

    def _connect(self) -> smtplib.SMTP:
        config = self._config
        if config.ssl:
            return smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=self._local_hostname,
                timeout=config.timeout_seconds,
                context=self._context,
            )
        return smtplib.SMTP(
            config.host, config.port, local_hostname=self._local_hostname, timeout=config.timeout_seconds
        )


def mailer_from_config(config: LoadedConfig) -> SmtpMailer:
    """The hub's mailer: the relay of `hub.smtp`, its password from the environment."""
    return SmtpMailer(config.settings.hub.smtp, config.secrets.smtp_password)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
