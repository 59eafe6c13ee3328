"""Loading the configured GHT into the database: establishments and sites are matched by key and FINESS."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.models import Establishment, Ght, Site
from ght_soc.settings import EstablishmentConfig, Settings


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # Establishments in the database but no longer in the file: kept (their history matters), reported.
    not_in_config: list[str] = field(default_factory=list)


def sync_from_config(*, session: Session, settings: Settings) -> SyncReport:
    """Create or update the GHT, its establishments and their sites from the configuration file."""
    report = SyncReport()
    ght = session.scalars(select(Ght).where(Ght.code == settings.ght.code)).one_or_none()
    if ght is None:
        ght = Ght(code=settings.ght.code, name=settings.ght.name)
        session.add(ght)
    ght.name = settings.ght.name
    session.flush()

    existing = {e.key: e for e in session.scalars(select(Establishment))}
    for configured in settings.establishments:
        establishment = existing.pop(configured.key, None)
        if establishment is None:
            establishment = Establishment(ght=ght, key=configured.key)
            session.add(establishment)
            report.created.append(configured.key)
            _apply(establishment, configured)
        elif _apply(establishment, configured):
            report.updated.append(configured.key)
        _sync_sites(session, establishment, configured)
    report.not_in_config = sorted(existing)
    session.flush()
    return report


def _apply(establishment: Establishment, configured: EstablishmentConfig) -> bool:
    """Copy the configured values; True when something changed."""
    values = {
        "name": configured.name,
        "short_name": configured.short_name,
        "finess_ej": configured.finess_ej,
        "category": configured.category,
        "is_support": configured.support,
        "is_ose": configured.ose,
        "is_oiv": configured.oiv,
        "nis2_class": configured.nis2,
        "region": configured.region,
        "timezone": configured.timezone,
    }
    changed = False
    for name, value in values.items():
        if getattr(establishment, name, None) != value:
            setattr(establishment, name, value)
            changed = True
    return changed


def _sync_sites(session: Session, establishment: Establishment, configured: EstablishmentConfig) -> None:
    by_finess = {site.finess_et: site for site in establishment.sites}
    for site_config in configured.sites:
        site = by_finess.pop(site_config.finess_et, None)
        if site is None:
            site = Site(finess_et=site_config.finess_et)
            establishment.sites.append(site)
        site.name = site_config.name
        site.city = site_config.city
    for gone in by_finess.values():
        session.delete(gone)
