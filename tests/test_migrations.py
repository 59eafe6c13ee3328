"""Migrations go up and down on both databases, and the models never drift from them."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ght_soc import migrate
from ght_soc.database import make_engine
from ght_soc.models import Base


def test_migrations_go_up_down_and_up_again(
    backend: str, fresh_database_url: Callable[[str, str], str]
) -> None:
    url = fresh_database_url(backend, "migrations_round_trip")
    engine = make_engine(url)
    try:
        migrate.upgrade(url)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())

        migrate.downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        migrate.upgrade(url)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_models_match_the_migrations(backend: str, fresh_database_url: Callable[[str, str], str]) -> None:
    url = fresh_database_url(backend, "migrations_drift")
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == [], "a model changed without a migration: run alembic revision --autogenerate"
    finally:
        engine.dispose()
