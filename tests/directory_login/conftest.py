"""A real slapd holding two directories, and the hub configured to let people log in through both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import Connection

from ght_soc.app import create_app
from ght_soc.events.factory import EXTENSION as EVENTS_EXTENSION
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.settings import LoadedConfig, load_config
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET
from tests.connectors.ldap.directory import SERVICE_PASSWORD
from tests.directory_login.directory import SERVICE_PASSWORD_ENV, LoginSlapd, directories_config, directory
from tests.security.conftest import audit_rows, enforce_enrolment, enrol

__all__ = ["audit_rows", "enforce_enrolment", "enrol"]  # other folders' fixtures, used here too


@pytest.fixture(scope="session")
def login_slapd() -> Iterator[LoginSlapd]:
    server = LoginSlapd(directory())
    server.start()
    yield server
    server.stop()


def write_config(
    folder: Path, server: LoginSlapd, change: dict[str, object] | None = None, key: str = "ch-amboise-demo"
) -> Path:
    """The example configuration with the test directories added (`change` merged into `key`'s `login:`)."""
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    added = directories_config(server)
    for establishment in raw["establishments"]:
        if establishment["key"] in added:
            establishment["directories"] = added[establishment["key"]]
    if change:
        target = next(e for e in raw["establishments"] if e["key"] == key)
        target["directories"][0]["login"].update(change)
    path = folder / "ght.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(path: Path) -> LoadedConfig:
    return load_config(
        path, environ={"GHT_SOC_SECRET_KEY": TEST_SECRET, SERVICE_PASSWORD_ENV: SERVICE_PASSWORD}
    )


@pytest.fixture(scope="session")
def directory_config(login_slapd: LoginSlapd, tmp_path_factory: pytest.TempPathFactory) -> LoadedConfig:
    return load(write_config(tmp_path_factory.mktemp("config"), login_slapd))


@pytest.fixture()
def app(directory_config: LoadedConfig, connection: Connection, event_store: SqliteEventStore) -> Flask:
    """tests/conftest.py's app, built from the configuration with directory login."""
    overrides = {"TESTING": True, "GHT_SOC_TOTP_ENROLMENT_ENFORCED": False}
    created = create_app(directory_config, db_bind=connection, overrides=overrides)
    created.extensions[EVENTS_EXTENSION] = event_store
    return created
