"""Logging in: the right password lets in; failures are throttled; nothing tells whether an account exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.services.authentication import LoginOutcome, authenticate
from ght_soc.settings import LoginThrottleConfig
from tests.conftest import HubClient

POLICY = LoginThrottleConfig(max_failures=3, window_minutes=15, lockout_minutes=15)


def test_a_user_logs_in_and_sees_the_overview_in_french(client: HubClient, make_user) -> None:
    make_user("rssi", Role.GHT_RSSI)
    assert client.get("/").status_code == 302
    assert client.login("rssi") == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "Vue d'ensemble du GHT" in page.text
    assert 'lang="fr"' in page.text


def test_unknown_account_and_wrong_password_get_the_same_answer(client: HubClient, make_user) -> None:
    make_user("dpo", Role.DPO)
    wrong_password = client.post(
        "/login", data={"csrf_token": client.csrf_token(), "login": "dpo", "password": "not the password"}
    )
    unknown = client.post(
        "/login", data={"csrf_token": client.csrf_token(), "login": "nobody", "password": "not the password"}
    )
    assert wrong_password.status_code == unknown.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in wrong_password.text
    assert _without_tokens(wrong_password.text) == _without_tokens(unknown.text).replace(
        'value="nobody"', 'value="dpo"'
    )


def _without_tokens(html: str) -> str:
    import re

    return re.sub(r'value="[^"]{40,}"', "", html)


def test_repeated_failures_are_throttled_even_with_the_right_password(
    client: HubClient, make_user, app: Flask
) -> None:
    make_user("astreinte", Role.ON_CALL_ENGINEER)
    limit = app.extensions["ght_soc.config"].settings.hub.login_throttle.max_failures
    for _ in range(limit):
        assert client.login("astreinte", "wrong password!") == 401
    assert client.login("astreinte") == 429
    page = client.get("/login")
    assert page.status_code == 200


def test_an_unknown_account_is_throttled_exactly_like_a_real_one(client: HubClient, app: Flask) -> None:
    limit = app.extensions["ght_soc.config"].settings.hub.login_throttle.max_failures
    statuses = [client.login("ghost", "wrong password!") for _ in range(limit + 1)]
    assert statuses == [401] * limit + [429]


def test_the_lockout_ends_and_a_success_clears_the_counter(app: Flask, make_user) -> None:
    make_user("correspondant", Role.SITE_CORRESPONDENT, "ch-amboise-demo")
    start = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)

    def attempt(password: str, at: datetime) -> LoginOutcome:
        with db.session_for(SYSTEM, app) as session:
            return authenticate(
                session=session,
                login="Correspondant ",
                password=password,
                client_address="10.0.0.1",
                now=at,
                policy=POLICY,
            ).outcome

    assert [attempt("bad", start) for _ in range(3)] == [LoginOutcome.REFUSED] * 3
    assert attempt("correct horse battery staple", start + timedelta(minutes=14)) is LoginOutcome.THROTTLED
    assert attempt("correct horse battery staple", start + timedelta(minutes=16)) is LoginOutcome.SUCCESS
    # the counter of the login was cleared: three new failures are needed to lock again
    assert [attempt("bad", start + timedelta(minutes=17)) for _ in range(2)] == [LoginOutcome.REFUSED] * 2
    assert attempt("correct horse battery staple", start + timedelta(minutes=17)) is LoginOutcome.SUCCESS


def test_one_address_trying_many_logins_is_throttled(app: Flask) -> None:
    at = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    outcomes = []
    for number in range(POLICY.max_failures * 4 + 1):
        with db.session_for(SYSTEM, app) as session:
            outcomes.append(
                authenticate(
                    session=session,
                    login=f"user{number}",
                    password="x",
                    client_address="192.0.2.7",
                    now=at,
                    policy=POLICY,
                ).outcome
            )
    assert outcomes[-1] is LoginOutcome.THROTTLED
    assert outcomes[:-1] == [LoginOutcome.REFUSED] * (POLICY.max_failures * 4)


def test_a_disabled_account_cannot_log_in(client: HubClient, make_user, app: Flask) -> None:
    from sqlalchemy import update

    from ght_soc.models import User

    make_user("parti", Role.DPO)
    with db.session_for(SYSTEM, app) as session:
        session.execute(update(User).where(User.login == "parti").values(is_active=False))
    assert client.login("parti") == 401


def test_forms_without_a_csrf_token_are_refused(client: HubClient, make_user) -> None:
    make_user("rssi", Role.GHT_RSSI)
    refused = client.post("/login", data={"login": "rssi", "password": "correct horse battery staple"})
    assert refused.status_code == 400
    assert client.get("/").status_code == 302  # still not logged in

    assert client.login("rssi") == 302
    assert client.post("/logout").status_code == 400
    assert client.post("/language", data={"locale": "en"}).status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_session_cookie_is_secure_httponly_and_samesite(client: HubClient, make_user) -> None:
    make_user("rssi", Role.GHT_RSSI)
    token = client.csrf_token()
    response = client.post(
        "/login", data={"csrf_token": token, "login": "rssi", "password": "correct horse battery staple"}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("ght_soc_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_carry_security_headers(client: HubClient) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_login_never_redirects_to_another_site(client: HubClient, make_user) -> None:
    make_user("rssi", Role.GHT_RSSI)
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        client.post("/logout", data={"csrf_token": client.csrf_token()})
        response = client.post(
            "/login",
            data={
                "csrf_token": client.csrf_token(),
                "login": "rssi",
                "password": "correct horse battery staple",
                "next": target,
            },
        )
        assert response.status_code == 302
        assert response.location == "/"


def test_logout_ends_the_session(client: HubClient, make_user) -> None:
    make_user("rssi", Role.GHT_RSSI)
    client.login("rssi")
    assert client.post("/logout", data={"csrf_token": client.csrf_token("/")}).status_code == 302
    assert client.get("/").status_code == 302


def test_the_icon_is_served_without_logging_in_and_linked_from_every_page(client: HubClient) -> None:
    icon = client.get("/favicon.ico")  # what a browser asks for by itself, logged in or not
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/login").text
