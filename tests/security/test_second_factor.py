"""The second factor: an enrolled account needs its code; wrong codes are throttled; codes and recovery codes
serve once; a GHT-wide account without an authenticator sets one up before its session opens."""

from __future__ import annotations

import re

import pyotp
from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.models import AuditEvent, LoginThrottle
from ght_soc.services.audit import AuditAction
from tests.conftest import TEST_PASSWORD, HubClient
from tests.security.conftest import Authenticator


def _code_step(client: HubClient, code: str) -> int:
    return client.post(
        "/login/code", data={"csrf_token": client.csrf_token("/login/code"), "code": code}
    ).status_code


def test_an_enrolled_account_needs_its_code_after_the_password(client: HubClient, make_user, enrol) -> None:
    make_user("rssi", Role.GHT_RSSI)
    phone: Authenticator = enrol("rssi")
    response = client.post(
        "/login", data={"csrf_token": client.csrf_token(), "login": "rssi", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and response.location == "/login/code"
    assert client.get("/").status_code == 302  # the password alone opens nothing
    assert _code_step(client, phone.code()) == 302
    assert client.get("/").status_code == 200


def test_the_test_client_logs_in_with_a_code(client: HubClient, make_user, enrol) -> None:
    make_user("rssi", Role.GHT_RSSI)
    phone = enrol("rssi")
    assert client.login("rssi", totp=phone.code()) == 302
    assert client.get("/").status_code == 200


def test_wrong_codes_are_refused_and_counted_in_the_login_throttle(
    client: HubClient, make_user, enrol, app: Flask, audit_rows
) -> None:
    make_user("rssi", Role.GHT_RSSI)
    phone = enrol("rssi")
    limit = app.extensions["ght_soc.config"].settings.hub.login_throttle.max_failures
    assert client.login("rssi") == 302
    statuses = [_code_step(client, phone.wrong_code()) for _ in range(limit)]
    assert statuses == [401] * limit
    with db.session_for(SYSTEM, app) as session:
        assert session.get_one(LoginThrottle, "login:rssi").failures == limit
    # locked now: the right code is refused too, and a new password does not reset the count
    assert _code_step(client, phone.code()) == 429
    assert client.login("rssi") == 429
    actions = [row.action for row in audit_rows()]
    assert actions.count(AuditAction.TOTP_FAILURE) == limit
    assert AuditAction.LOGIN_LOCKOUT in actions


def test_a_code_that_was_used_once_is_refused_the_second_time(
    client: HubClient, make_client, make_user, enrol
) -> None:
    make_user("rssi", Role.GHT_RSSI)
    phone = enrol("rssi")
    code = phone.code()
    assert client.login("rssi", totp=code) == 302
    eavesdropper = make_client()
    assert eavesdropper.login("rssi", totp=code) == 401
    assert eavesdropper.get("/").status_code == 302


def test_a_recovery_code_lets_in_once(client: HubClient, make_client, make_user, enrol, audit_rows) -> None:
    make_user("rssi", Role.GHT_RSSI)
    phone = enrol("rssi")
    assert len(set(phone.recovery_codes)) == 10
    typed = phone.recovery_codes[3].upper().replace("-", " ")  # as people type it from paper
    assert client.login("rssi", totp=typed) == 302
    assert client.get("/").status_code == 200
    again = make_client()
    assert again.login("rssi", totp=phone.recovery_codes[3]) == 401
    used = [row for row in audit_rows() if row.action == AuditAction.RECOVERY_CODE_USED]
    assert [row.details for row in used] == [{"remaining": 9}]


def test_a_ght_wide_account_without_an_authenticator_sets_one_up_before_its_session_opens(
    client: HubClient, make_client, make_user, enforce_enrolment, audit_rows
) -> None:
    make_user("rssi", Role.GHT_RSSI)
    response = client.post(
        "/login", data={"csrf_token": client.csrf_token(), "login": "rssi", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and response.location == "/login/enrol"
    assert client.get("/").status_code == 302
    page = client.get("/login/enrol").text
    assert "data:image/svg+xml;base64," in page  # the QR code, drawn by the hub
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)
    assert secret is not None
    assert client.get("/login/enrol").text.count(secret.group(1)) >= 1  # a reload keeps the same secret
    wrong = client.post(
        "/login/enrol", data={"csrf_token": client.csrf_token("/login/enrol"), "code": "000000"}
    )
    assert wrong.status_code in (400, 200) and client.get("/").status_code == 302
    code = pyotp.TOTP(secret.group(1)).now()
    done = client.post("/login/enrol", data={"csrf_token": client.csrf_token("/login/enrol"), "code": code})
    assert done.status_code == 200
    assert len(re.findall(r'<code class="secret">[a-z2-9]{4}(?:-[a-z2-9]{4}){3}</code>', done.text)) == 10
    assert client.get("/").status_code == 200
    # from now on, the password alone is not enough
    later = make_client()
    assert (
        later.post(
            "/login", data={"csrf_token": later.csrf_token(), "login": "rssi", "password": TEST_PASSWORD}
        ).location
        == "/login/code"
    )
    actions = [row.action for row in audit_rows()]
    assert AuditAction.TOTP_ENROLLED in actions and AuditAction.LOGIN_SUCCESS in actions


def test_an_account_of_one_establishment_is_not_forced_to_set_one_up(
    client: HubClient, make_user, enforce_enrolment
) -> None:
    make_user("correspondant", Role.SITE_CORRESPONDENT, "ch-amboise-demo")
    assert client.login("correspondant") == 302
    assert client.get("/").status_code == 200


def test_logins_logouts_and_failures_are_audited_without_secrets(
    client: HubClient, make_user, audit_rows
) -> None:
    make_user("dpo", Role.DPO, None)
    assert client.login("dpo", "a wrong password!") == 401
    assert client.login("dpo") == 302
    assert client.post("/logout", data={"csrf_token": client.csrf_token("/")}).status_code == 302
    rows: list[AuditEvent] = audit_rows()
    assert [r.action for r in rows][-3:] == [
        AuditAction.LOGIN_FAILURE,
        AuditAction.LOGIN_SUCCESS,
        AuditAction.LOGOUT,
    ]
    assert rows[-3].details == {"address": "127.0.0.1", "login": "dpo"}
    assert rows[-1].actor_name == "Dpo"
    everything = " ".join(f"{r.target} {r.details}" for r in rows)
    assert "wrong password" not in everything and TEST_PASSWORD not in everything


def test_the_account_page_sets_up_an_authenticator_for_anyone(
    client: HubClient, make_user, app: Flask
) -> None:
    make_user("correspondant", Role.SITE_CORRESPONDENT, "ch-amboise-demo")
    client.login("correspondant")
    page = client.get("/account/second-factor").text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)
    assert secret is not None
    token = client.csrf_token("/account/second-factor")
    done = client.post(
        "/account/second-factor", data={"csrf_token": token, "code": pyotp.TOTP(secret.group(1)).now()}
    )
    assert done.status_code == 200 and done.text.count('class="secret"') == 10
    assert "10" in client.get("/account/second-factor").text
