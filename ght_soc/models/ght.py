"""The group, its member establishments (FINESS EJ) and their sites (FINESS ET)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.domain import EstablishmentCategory, Nis2Class
from ght_soc.models.base import Base, EstablishmentOwned, utcnow


class Ght(Base):
    __tablename__ = "ght"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    establishments: Mapped[list[Establishment]] = relationship(
        back_populates="ght", order_by="Establishment.short_name"
    )


class Establishment(Base):
    __tablename__ = "establishment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ght.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    finess_ej: Mapped[str] = mapped_column(String(9), unique=True)
    category: Mapped[EstablishmentCategory] = mapped_column(
        Enum(
            EstablishmentCategory,
            native_enum=False,
            length=30,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    is_support: Mapped[bool] = mapped_column(default=False)
    is_ose: Mapped[bool] = mapped_column(default=False)
    is_oiv: Mapped[bool] = mapped_column(default=False)
    nis2_class: Mapped[Nis2Class] = mapped_column(
        Enum(Nis2Class, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Nis2Class.NONE,
    )
    region: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    ght: Mapped[Ght] = relationship(back_populates="establishments")
    sites: Mapped[list[Site]] = relationship(
        back_populates="establishment", order_by="Site.finess_et", cascade="all, delete-orphan"
    )


class Site(EstablishmentOwned, Base):
    """A geographical site (FINESS ET) of an establishment."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    finess_et: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))

    establishment: Mapped[Establishment] = relationship(back_populates="sites")
