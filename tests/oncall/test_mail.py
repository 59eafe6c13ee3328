"""The SMTP sender in each configured mode (plain, STARTTLS with login, implicit TLS) against aiosmtpd."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from ght_soc.mail import MailDeliveryError, OutgoingMail, SmtpMailer, mailer_from_config
from ght_soc.settings import ConfigError, SmtpConfig, load_config
from ght_soc.webhooks import poster_from_config
from tests.certificates import issue, make_ca
from tests.conftest import TEST_SECRET
from tests.oncall.peers import smtp_server

MAIL = OutgoingMail(
    to=("astreinte@ght.test",),
    subject="Rappel : l'échéance de l'étape approche",
    body_text="Reste 5 minutes.",
    body_html=None,
    delivery_id="0123456789abcdef",
)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    folder = tmp_path_factory.mktemp("smtp-tls")
    ca = make_ca(folder)
    certificate, key = issue(folder, "smtp", "localhost", "DNS:localhost,IP:127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    return context, ca


def config(port: int, **changes: object) -> SmtpConfig:
    return SmtpConfig(
        host="127.0.0.1", port=port, sender="GHT SOC <ght-soc@chu-demo.invalid>", timeout_seconds=5
    ).model_copy(update=changes)


def test_starttls_with_login_reaches_the_server(tls: tuple[ssl.SSLContext, Path]) -> None:
    context, ca = tls
    with smtp_server(tls_context=context, require_starttls=True, credentials=("hub", "s3cret!")) as (
        port,
        handler,
    ):
        SmtpMailer(
            config(port, starttls=True, username="hub", ca_file=str(ca)), "s3cret!", local_hostname="hub.test"
        ).send(MAIL)
    [received] = handler.received
    assert received.message["Subject"] == MAIL.subject
    assert received.message["Message-ID"] == "<0123456789abcdef@chu-demo.invalid>"


def test_a_wrong_password_keeps_the_mail_for_later(tls: tuple[ssl.SSLContext, Path]) -> None:
    context, ca = tls
    with smtp_server(tls_context=context, require_starttls=True, credentials=("hub", "s3cret!")) as (
        port,
        handler,
    ):
        mailer = SmtpMailer(
            config(port, starttls=True, username="hub", ca_file=str(ca)), "wrong", local_hostname="h"
        )
        with pytest.raises(MailDeliveryError) as failed:
            mailer.send(MAIL)
    assert not failed.value.permanent and handler.received == []


def test_implicit_tls_reaches_the_server(tls: tuple[ssl.SSLContext, Path]) -> None:
    context, ca = tls
    with smtp_server(tls_context=context) as (port, handler):
        SmtpMailer(config(port, ssl=True, ca_file=str(ca)), local_hostname="hub.test").send(MAIL)
    assert len(handler.received) == 1


def test_a_server_certificate_of_an_unknown_ca_is_refused(tls: tuple[ssl.SSLContext, Path]) -> None:
    context, _ = tls
    with smtp_server(tls_context=context, require_starttls=True) as (port, handler):
        with pytest.raises(MailDeliveryError) as failed:
            SmtpMailer(config(port, starttls=True), local_hostname="hub.test").send(MAIL)  # system CAs only
    assert "SSLCertVerificationError" in str(failed.value) and handler.received == []


def test_plain_smtp_reaches_the_server() -> None:
    with smtp_server() as (port, handler):
        assert SmtpMailer(config(port), local_hostname="hub.test").send(MAIL) == ()
    assert handler.received[0].mail_from == "ght-soc@chu-demo.invalid"


CONFIG = """\
ght: {code: ght-test, name: GHT de test}
hub:
  smtp: {host: relais.ght.test, port: 465, ssl: true, starttls: %s, username: hub, password_env: SMTP_PASSWORD}
  webhooks: {secret_env: GHT_SOC_WEBHOOK_SECRET, timeout_seconds: 3}
establishments:
  - key: chu
    name: CHU de test
    short_name: CHU
    finess_ej: "370990012"
    category: chu
    support: true
    sites: [{finess_et: "370990020", name: Site principal}]
"""


def test_the_mailer_and_poster_come_from_the_config_and_its_secrets(tmp_path: Path) -> None:
    path = tmp_path / "ght.yaml"
    path.write_text(CONFIG % "false", encoding="utf-8")
    environ = {"GHT_SOC_SECRET_KEY": TEST_SECRET, "SMTP_PASSWORD": "pw", "GHT_SOC_WEBHOOK_SECRET": "whs"}
    loaded = load_config(path, environ=environ)
    assert "whs" not in repr(loaded.secrets)
    assert isinstance(mailer_from_config(loaded), SmtpMailer)
    assert poster_from_config(loaded) is not None

    with pytest.raises(ConfigError) as refused:
        load_config(path, environ={"GHT_SOC_SECRET_KEY": TEST_SECRET, "SMTP_PASSWORD": "pw"})
    assert "hub.webhooks.secret_env" in str(refused.value)

    path.write_text(CONFIG % "true", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path, environ=environ)
    assert "starttls et ssl s'excluent" in str(refused.value)
