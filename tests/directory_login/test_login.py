"""Logging in to the hub through a directory, end to end: the login page, slapd, the database, the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import ldap
import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.models import AuditEvent, User
from ght_soc.services.audit import AuditAction
from tests.conftest import Establishments, HubClient
from tests.connectors.ldap.directory import SLAPD_MISSING
from tests.directory_login.directory import CORRESPONDENTS, ON_CALL, PASSWORD, LoginSlapd

pytestmark = SLAPD_MISSING
Grants = set[tuple[Role, str | None]]


def account(app: Flask, login: str) -> tuple[User, Grants] | None:
    """The local row of a directory person, and their roles as (role, establishment key)."""
    with db.session_for(SYSTEM, app) as session:
        user = session.scalars(select(User).where(User.login == login)).one_or_none()
        if user is None:
            return None
        grants = {(a.role, a.establishment.key if a.establishment else None) for a in user.role_assignments}
        return user, grants


def roles(app: Flask, login: str) -> Grants:
    found = account(app, login)
    assert found is not None, f"no account {login}"
    return found[1]


def post_login(client: HubClient, login: str, password: str) -> tuple[int, str | None]:
    response = client.post(
        "/login", data={"csrf_token": client.csrf_token(), "login": login, "password": password}
    )
    return response.status_code, response.location


@pytest.mark.parametrize(
    ("typed", "stored", "grants"),
    [
        ("jmartin", "jmartin@ch-amboise-demo/ad", {(Role.SITE_CORRESPONDENT, "ch-amboise-demo")}),
        (
            "JMartin@ch-amboise.local",
            "jmartin@ch-amboise-demo/ad",
            {(Role.SITE_CORRESPONDENT, "ch-amboise-demo")},
        ),
        ("CHAMBOISE\\jmartin", "jmartin@ch-amboise-demo/ad", {(Role.SITE_CORRESPONDENT, "ch-amboise-demo")}),
        ("nnuit", "nnuit@ch-amboise-demo/ad", {(Role.ON_CALL_ENGINEER, "ch-amboise-demo")}),  # nested, by SID
        (
            "corresp-chu",
            "corresp-chu@chu-tours-demo/annuaire-ght",
            {(Role.SITE_CORRESPONDENT, "chu-tours-demo")},
        ),
    ],
)
def test_a_member_of_a_mapped_group_logs_in_with_the_role_for_their_establishment_only(
    app: Flask, client: HubClient, typed: str, stored: str, grants: Grants
) -> None:
    assert post_login(client, typed, PASSWORD) == (302, "/")
    assert client.get("/").status_code == 200
    found = account(app, stored)
    assert found is not None
    user, held = found
    assert held == grants
    assert user.password_hash is None and user.directory == stored.split("@", 1)[1]
    assert user.email is not None and user.last_login_at is not None


def test_the_establishment_of_the_directory_bounds_what_the_person_sees(
    app: Flask, client: HubClient, establishments: Establishments
) -> None:
    assert client.login("jmartin", PASSWORD) == 302
    assert client.get(f"/establishments/{establishments['ch-amboise-demo'].id}").status_code == 200
    assert client.get(f"/establishments/{establishments['chu-tours-demo'].id}").status_code in (403, 404)


@pytest.mark.parametrize(
    ("login", "password", "why"),
    [
        ("pdurand", PASSWORD, "in no mapped group"),
        ("lbloque", PASSWORD, "disabled in the directory"),
        ("jmartin", "mauvais-mot-de-passe", "wrong password"),
        ("inconnu", PASSWORD, "nobody of that name"),
        ("homonyme", PASSWORD, "one name in two directories: the password goes to neither"),
        ("jmartin@autre-domaine.fr", PASSWORD, "a user principal name no directory holds"),
    ],
)
def test_refused_logins_open_nothing_and_leave_no_account(
    app: Flask, client: HubClient, login: str, password: str, why: str
) -> None:
    assert post_login(client, login, password)[0] == 401, why
    assert client.get("/").status_code == 302
    with db.session_for(SYSTEM, app) as session:
        assert session.scalars(select(User).where(User.directory.is_not(None))).all() == []
        failures = session.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.LOGIN_FAILURE)
        ).all()
    assert len(failures) == 1


def test_a_homonym_logs_in_by_naming_their_domain(app: Flask, client: HubClient) -> None:
    assert client.login("homonyme@ght.example", PASSWORD) == 302
    assert account(app, "homonyme@chu-tours-demo/annuaire-ght") is not None


def test_wrong_passwords_are_throttled_and_then_even_the_right_one_waits(client: HubClient) -> None:
    for _ in range(5):  # the example configuration's login_throttle.max_failures
        assert client.login("jmartin", "mauvais-mot-de-passe") == 401
    assert client.login("jmartin", PASSWORD) == 429
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "login",
    [
        "*",
        "jmart*",
        "*)(sAMAccountName=*",
        "jmartin)(|(uid=*",
        "*)(objectClass=*))(|(cn=*",
        "*@ch-amboise.local",
    ],
)
def test_filter_injection_login_strings_match_nobody(app: Flask, client: HubClient, login: str) -> None:
    assert post_login(client, login, PASSWORD)[0] == 401
    assert account(app, "jmartin@ch-amboise-demo/ad") is None


@pytest.fixture()
def left_on_call(login_slapd: LoginSlapd) -> Iterator[Callable[[str, str], None]]:
    """Take a person out of a group in the directory; put them back after the test."""
    removed: list[tuple[str, str]] = []

    def leave(group: str, member: str) -> None:
        login_slapd.modify(group, [(ldap.MOD_DELETE, "member", [member.encode()])])
        removed.append((group, member))

    yield leave
    for group, member in removed:
        login_slapd.modify(group, [(ldap.MOD_ADD, "member", [member.encode()])])


def test_leaving_a_group_in_the_directory_removes_the_role_at_the_next_login(
    app: Flask, make_client: Callable[[], HubClient], left_on_call: Callable[[str, str], None]
) -> None:
    login, dn = "pdupuis@ch-amboise-demo/ad", f"CN=Pierre Dupuis,{ON_CALL.split(',', 1)[1]}"
    assert make_client().login("pdupuis", PASSWORD) == 302
    both = {(Role.SITE_CORRESPONDENT, "ch-amboise-demo"), (Role.ON_CALL_ENGINEER, "ch-amboise-demo")}
    assert roles(app, login) == both

    left_on_call(ON_CALL, dn)
    assert make_client().login("pdupuis", PASSWORD) == 302
    assert roles(app, login) == {(Role.SITE_CORRESPONDENT, "ch-amboise-demo")}

    left_on_call(CORRESPONDENTS, dn)
    assert make_client().login("pdupuis", PASSWORD) == 401  # no role left: no entry
    assert roles(app, login) == set()
    with db.session_for(SYSTEM, app) as session:
        revoked = session.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.ROLE_REVOKED)
        ).all()
    assert [row.details["role"] for row in revoked] == ["on_call_engineer", "site_correspondent"]


def test_a_local_account_still_logs_in_with_its_own_password(
    client: HubClient, make_user: Callable[..., str]
) -> None:
    make_user("local.rssi", Role.GHT_RSSI)
    assert client.login("local.rssi") == 302
    assert client.get("/").status_code == 200


def test_a_local_account_is_never_taken_over_by_a_directory_account_of_the_same_name(
    app: Flask, client: HubClient, make_user: Callable[..., str]
) -> None:
    make_user("jmartin", Role.AUDITOR, "ch-amboise-demo")
    assert client.login("jmartin", PASSWORD) == 401  # the local password decides for a local login
    assert roles(app, "jmartin") == {(Role.AUDITOR, "ch-amboise-demo")}


def test_a_ght_wide_role_from_the_ght_directory_must_set_up_a_second_factor(
    app: Flask, client: HubClient, make_client: Callable[[], HubClient], enforce_enrolment: Flask
) -> None:
    assert post_login(client, "rssi", PASSWORD) == (302, "/login/enrol")
    assert client.get("/").status_code == 302  # the directory's yes alone opens nothing
    assert roles(app, "rssi@chu-tours-demo/annuaire-ght") == {(Role.GHT_RSSI, None)}

    page = client.get("/login/enrol").text
    secret = page.split('<code class="secret">', 1)[1].split("<", 1)[0]
    done = client.post(
        "/login/enrol",
        data={"csrf_token": client.csrf_token("/login/enrol"), "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 200 and client.get("/").status_code == 200
    # Set up: the next directory login asks for the code.
    assert post_login(make_client(), "rssi", PASSWORD) == (302, "/login/code")


def test_an_establishment_role_from_a_directory_is_not_forced_to_set_one_up(
    client: HubClient, enforce_enrolment: Flask
) -> None:
    assert post_login(client, "jmartin", PASSWORD) == (302, "/")


def test_a_directory_account_re_authenticates_against_its_directory(app: Flask, client: HubClient) -> None:
    assert post_login(client, "nnuit", PASSWORD)[0] == 302
    token = client.csrf_token("/reauth")
    refused = client.post("/reauth", data={"csrf_token": token, "password": "pas-le-bon", "next": "/"})
    assert refused.status_code == 401
    accepted = client.post("/reauth", data={"csrf_token": token, "password": PASSWORD, "next": "/"})
    assert accepted.status_code == 302
    with db.session_for(SYSTEM, app) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == [AuditAction.REAUTH_FAILURE, AuditAction.REAUTHENTICATED]
