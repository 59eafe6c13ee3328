"""Fixtures: the app is built by the factory on a real database, SQLite and PostgreSQL, each test rolled back.

Database-backed tests run once per backend (`[sqlite]`, `[postgresql]`). PostgreSQL is a private cluster the
session starts itself (tests/pgcluster.py); without its binaries the PostgreSQL half is skipped, except under
CI=true where that is a failure.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine

from ght_soc import migrate
from ght_soc.access import SYSTEM
from ght_soc.app import create_app
from ght_soc.database import db, make_engine
from ght_soc.domain import Role
from ght_soc.events.factory import EXTENSION as EVENTS_EXTENSION
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.models import Establishment
from ght_soc.resources import bundled_config_path
from ght_soc.services.ghts import sync_from_config
from ght_soc.services.users import create_user
from ght_soc.settings import LoadedConfig, load_config
from tests.connectors.ldap.samba.dc import SambaDc, SambaUnavailable
from tests.connectors.ldap.samba.population import SambaDomain, as_admin, populate

TEST_SECRET = "test-secret-key-0123456789"
TEST_PASSWORD = "correct horse battery staple"
EXAMPLE_CONFIG = bundled_config_path("ght.example.yaml")


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("GHT_SOC_SECRET_KEY", TEST_SECRET)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    from tests.pgcluster import PostgresUnavailable, private_postgres

    try:
        with private_postgres() as url:
            yield url
    except PostgresUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: {error}")
        pytest.skip(f"PostgreSQL not available: {error}")


@pytest.fixture(scope="session")
def fresh_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], str]:
    """Make an empty database of the given backend ('sqlite' or 'postgresql') and return its URL."""

    def make(backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / (name + '.db')}"
        from tests.pgcluster import create_database

        server = request.getfixturevalue("postgres_server")
        return create_database(server, name)

    return make


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def hub_config() -> LoadedConfig:
    return load_config(EXAMPLE_CONFIG, environ={"GHT_SOC_SECRET_KEY": TEST_SECRET})


@pytest.fixture(scope="session")
def engine(
    backend: str, fresh_database_url: Callable[[str, str], str], hub_config: LoadedConfig
) -> Iterator[Engine]:
    """A migrated database of `backend` holding the demo GHT's establishments (committed once)."""
    url = fresh_database_url(backend, "hub_tests")
    migrate.upgrade(url)
    engine = make_engine(url)
    app = create_app(hub_config, db_bind=engine)
    with db.session_for(SYSTEM, app) as session:
        sync_from_config(session=session, settings=hub_config.settings)
    yield engine
    engine.dispose()


@pytest.fixture()
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection in a transaction that the test never commits: everything is rolled back after it."""
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture()
def event_store(tmp_path: Path) -> Iterator[SqliteEventStore]:
    store = SqliteEventStore(tmp_path / "events.db")
    yield store
    store.close()


@pytest.fixture()
def app(hub_config: LoadedConfig, connection: Connection, event_store: SqliteEventStore) -> Flask:
    # Accounts made by `make_user` log in with a password alone: the first-login TOTP set-up that production
    # requires of GHT-wide accounts is switched off here only (tests/security/ switch it back on).
    overrides = {"TESTING": True, "GHT_SOC_TOTP_ENROLMENT_ENFORCED": False}
    created = create_app(hub_config, db_bind=connection, overrides=overrides)
    created.extensions[EVENTS_EXTENSION] = event_store
    return created


class HubClient(FlaskClient):
    """A test client that speaks HTTPS (the session cookie is Secure) and knows how to log in."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.environ_base["wsgi.url_scheme"] = "https"

    def csrf_token(self, path: str = "/login") -> str:
        page = self.get(path)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, login: str, password: str = TEST_PASSWORD, totp: str | None = None) -> int:
        """Log in; with `totp`, also answer the second step (a code or a recovery code) and return its status."""
        response = self.post(
            "/login", data={"csrf_token": self.csrf_token(), "login": login, "password": password}
        )
        if totp is not None and response.status_code == 302:
            response = self.post(
                "/login/code", data={"csrf_token": self.csrf_token("/login/code"), "code": totp}
            )
        return response.status_code


@pytest.fixture()
def client(app: Flask) -> HubClient:
    app.test_client_class = HubClient
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture()
def make_client(app: Flask) -> Callable[[], HubClient]:
    def make() -> HubClient:
        app.test_client_class = HubClient
        return app.test_client()  # type: ignore[return-value]

    return make


@dataclass(frozen=True)
class Establishments:
    by_key: dict[str, Establishment]

    def __getitem__(self, key: str) -> Establishment:
        return self.by_key[key]


@pytest.fixture()
def establishments(app: Flask) -> Establishments:
    from sqlalchemy import select

    with db.session_for(SYSTEM, app) as session:
        return Establishments({e.key: e for e in session.scalars(select(Establishment))})


@pytest.fixture()
def make_user(app: Flask, establishments: Establishments) -> Callable[..., str]:
    """Create an account holding `role` over the whole GHT (no key) or one establishment; returns its login."""

    def make(
        login: str, role: Role, establishment_key: str | None = None, password: str = TEST_PASSWORD
    ) -> str:
        with db.session_for(SYSTEM, app) as session:
            establishment = (
                session.get(Establishment, establishments[establishment_key].id)
                if establishment_key
                else None
            )
            create_user(
                session=session,
                login=login,
                display_name=login.title(),
                password=password,
                grants=[(role, establishment)],
            )
        return login

    return make


@pytest.fixture()
def tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def samba() -> Iterator[SambaDomain]:
    """One Samba AD DC for the whole session, whichever folder asks first (the LDAP connector's and the
    directory login's tests share it): provisioned once (the slow part), populated, removed at the end."""
    dc = SambaDc()
    try:
        dc.start()
    except SambaUnavailable as reason:
        pytest.skip(f"Samba AD DC unavailable: {reason}")
    try:
        began = time.monotonic()
        population = as_admin(dc, populate)
        dc.timings["populate_s"] = time.monotonic() - began
        yield SambaDomain(dc, population)
    finally:
        dc.stop()
