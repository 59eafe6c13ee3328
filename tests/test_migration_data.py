"""Migrations keep the data: on SQLite, rebuilding a table in batch mode never cascades to the rows that point
at it (an upgrade once deleted every role assignment that way)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import create_engine, text

from ght_soc import migrate

USER = (
    "INSERT INTO user_account (id, login, display_name, password_hash, is_active, created_at)"
    " VALUES (1, 'rssi', 'RSSI', 'x', 1, '2026-11-29 00:00:00')"
)
ROLE = (
    "INSERT INTO role_assignment (id, user_id, role, establishment_id, created_at)"
    " VALUES (1, 1, 'ght_rssi', NULL, '2026-11-29 00:00:00')"
)


def test_upgrading_an_existing_sqlite_database_keeps_users_and_their_roles(
    fresh_database_url: Callable[[str, str], str],
) -> None:
    url = fresh_database_url("sqlite", "keeps_roles")
    migrate.upgrade(url, "0012")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(USER))
        connection.execute(text(ROLE))
    migrate.upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM role_assignment")).scalar() == 1
    engine.dispose()
