"""Fixtures of the on-call tests: a unit of work on the test's database and a few people."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.database import HubSession, db
from ght_soc.domain import Role
from ght_soc.models import Establishment, User
from ght_soc.services.users import create_user
from tests.conftest import TEST_PASSWORD, Establishments


@pytest.fixture()
def session(app: Flask) -> Iterator[HubSession]:
    """A system unit of work inside the test's transaction (rolled back with it)."""
    with db.session_for(SYSTEM, app) as unit:
        yield unit


@pytest.fixture()
def person(session: HubSession, establishments: Establishments) -> Callable[..., User]:
    """Create an account: `person("alice", Role.ON_CALL_ENGINEER)`; mail `<login>@ght.test` unless given."""

    def make(
        login: str,
        role: Role = Role.ON_CALL_ENGINEER,
        establishment_key: str | None = None,
        email: str | None = "",
    ) -> User:
        establishment = (
            session.get(Establishment, establishments[establishment_key].id) if establishment_key else None
        )
        return create_user(
            session=session,
            login=login,
            display_name=login.title(),
            password=TEST_PASSWORD,
            email=f"{login}@ght.test" if email == "" else email,
            grants=[(role, establishment)],
        )

    return make
