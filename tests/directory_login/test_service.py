"""ght_soc/services/directory_login.py below the web page: what is asked of which directory, and what is counted."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial

from flask import Flask
from sqlalchemy import select

from ght_soc import clock
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.models import LoginThrottle
from ght_soc.services.authentication import LoginOutcome
from ght_soc.services.directory_login import (
    LoginDirectory,
    Verdict,
    ask_directories,
    authenticate,
    login_directories,
    password_still_right,
    plan_login,
)
from ght_soc.settings import LoadedConfig, LoginThrottleConfig
from tests.conftest import TEST_PASSWORD
from tests.connectors.ldap.directory import SLAPD_MISSING
from tests.directory_login.directory import PASSWORD
from tests.directory_login.test_authenticate import free_port

pytestmark = SLAPD_MISSING
POLICY = LoginThrottleConfig(max_failures=3)
ADDRESS = "192.0.2.7"


def unreachable(directory: LoginDirectory) -> LoginDirectory:
    nowhere = dataclasses.replace(directory.settings, uri=f"ldap://127.0.0.1:{free_port()}", timeout=2)
    return dataclasses.replace(directory, settings=nowhere)


def attempt(
    app: Flask, directories: list[LoginDirectory], login: str, password: str
) -> tuple[Verdict, LoginOutcome]:
    """The three steps of the login view: plan (database), ask (directory), decide (database)."""
    with db.session_for(SYSTEM, app) as session:
        plan = plan_login(
            session=session,
            login=login,
            client_address=ADDRESS,
            now=clock.now(),
            policy=POLICY,
            directories=directories,
        )
    answer = ask_directories(plan, password)
    with db.session_for(SYSTEM, app) as session:
        result = authenticate(
            session=session,
            login=login,
            password=password,
            client_address=ADDRESS,
            now=clock.now(),
            policy=POLICY,
            answer=answer,
        )
    return answer.verdict, result.outcome


def failures(app: Flask, login: str) -> int:
    with db.session_for(SYSTEM, app) as session:
        counter = session.scalars(
            select(LoginThrottle).where(LoginThrottle.key == f"login:{login}")
        ).one_or_none()
        return counter.failures if counter else 0


def test_an_empty_password_is_refused_and_counted_without_asking_any_directory(
    app: Flask, directory_config: LoadedConfig
) -> None:
    nowhere = [unreachable(d) for d in login_directories(directory_config)]
    # Asking would have answered UNAVAILABLE: REFUSED says nothing was sent.
    assert attempt(app, nowhere, "jmartin", "") == (Verdict.REFUSED, LoginOutcome.REFUSED)
    assert failures(app, "jmartin") == 1


def test_a_throttled_login_asks_no_directory_even_with_the_right_password(
    app: Flask, directory_config: LoadedConfig
) -> None:
    directories = list(login_directories(directory_config))
    for _ in range(POLICY.max_failures):
        assert attempt(app, directories, "jmartin", "mauvais") == (Verdict.REFUSED, LoginOutcome.REFUSED)
    nowhere = [unreachable(d) for d in directories]
    assert attempt(app, nowhere, "jmartin", PASSWORD) == (Verdict.THROTTLED, LoginOutcome.THROTTLED)
    assert attempt(app, directories, "jmartin", PASSWORD)[1] is LoginOutcome.THROTTLED


def test_a_directory_down_refuses_without_counting_and_the_others_still_answer(
    app: Flask, directory_config: LoadedConfig
) -> None:
    ght, amboise = login_directories(directory_config)
    assert attempt(app, [ght, unreachable(amboise)], "jmartin", PASSWORD) == (
        Verdict.UNAVAILABLE,
        LoginOutcome.REFUSED,
    )
    assert failures(app, "jmartin") == 0  # retries during an outage lock nobody out
    assert attempt(app, [ght, unreachable(amboise)], "corresp-chu", PASSWORD) == (
        Verdict.ACCEPTED,
        LoginOutcome.SUCCESS,
    )


def test_a_login_with_a_local_password_never_reaches_a_directory(
    app: Flask, directory_config: LoadedConfig, make_user: Callable[..., str]
) -> None:
    make_user("local.dpo", Role.DPO, "ch-amboise-demo")
    nowhere = [unreachable(d) for d in login_directories(directory_config)]
    assert attempt(app, nowhere, "local.dpo", TEST_PASSWORD) == (Verdict.LOCAL, LoginOutcome.SUCCESS)


def test_a_directory_account_proves_its_password_again_to_its_own_directory_only(
    directory_config: LoadedConfig,
) -> None:
    directories = list(login_directories(directory_config))
    check = partial(password_still_right, login="jmartin@ch-amboise-demo/ad", directories=directories)
    assert check(directory="ch-amboise-demo/ad", password=PASSWORD)
    assert not check(directory="ch-amboise-demo/ad", password="mauvais")
    assert not check(directory="ch-amboise-demo/ad", password="")
    assert not check(directory="chu-tours-demo/annuaire-ght", password=PASSWORD)  # not its directory
