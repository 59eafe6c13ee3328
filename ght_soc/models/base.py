"""The declarative base: constraint names that Alembic can rely on, and UTC-aware timestamps everywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, ForeignKey, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

# Named constraints: SQLite migrations (batch mode) and downgrades need to find them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored in UTC; SQLite, which forgets zones, gets it back as UTC too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}


class EstablishmentOwned:
    """Rows that belong to one establishment; the scoping filter (ght_soc/scoping.py) restricts them."""

    @declared_attr
    def establishment_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("establishment.id", ondelete="CASCADE"), index=True)


def enum_type(kind: type[StrEnum]) -> Enum:
    """A StrEnum stored as its values in a VARCHAR: portable, and readable in the database."""
    return Enum(kind, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])
