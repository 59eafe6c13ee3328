"""bench/web_load: seeding the hub at scale with bulk inserts (never one ORM object at a time).

Events go through the event store's batched `append` (what the listener uses), shaped like the listener's
parsed output of bench/ingest.py's three kinds (FortiGate key=value, RFC 5424 application log, Windows
logon), spread over the last 30 days and over the establishments. Alerts, incidents, their establishment
links and main-courante entries are SQLAlchemy Core `insert()` of lists of dicts.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from ght_soc.access import SYSTEM
from ght_soc.domain import (
    AlertSeverity,
    AlertStatus,
    IncidentCategory,
    IncidentStatus,
    Role,
    TimelineKind,
)
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.models import Alert, AlertEvent, Establishment, Incident, IncidentEstablishment, TimelineEntry
from ght_soc.services.users import create_user

PASSWORD = "bench password 0123456789"
BATCH = 10_000
EVENT_BATCH = 25_000
SIGMA_TITLES = (
    "Échecs d'authentification répétés",
    "Suppression des clichés instantanés",
    "Création massive de fichiers",
    "Connexion VPN depuis un pays inhabituel",
    "Rafale de linkDown sur un commutateur",
)


@dataclass(frozen=True)
class Seeded:
    """What the clients need to know of the seed: who logs in, which incidents each may open."""

    logins: list[tuple[str, int | None]]  # (login, establishment id or None for GHT-wide)
    incidents_by_establishment: dict[int, list[int]]
    incident_ids: list[int]
    establishment_ids: list[int]


def _event(n: int, ts: datetime, establishment_id: int | None) -> dict[str, Any]:
    stamp = ts.isoformat()
    common = {"@timestamp": stamp, "event.created": stamp, "establishment_id": establishment_id}
    kind = n % 3
    if kind == 0:
        line = (
            f"date={ts:%Y-%m-%d} time={ts:%H:%M:%S} devname=FGT-{establishment_id} srcip=10.37.{n % 250}."
            f"{n % 200} srcport={1024 + n % 60000} dstip=203.0.113.{n % 250} dstport=443 action=accept "
            f"service=HTTPS sentbyte={n % 9000}"
        )
        return {
            **common,
            "message": line,
            "event.original": "<189>" + line,
            "observer.name": f"FGT-{establishment_id}",
            "observer.vendor": "Fortinet",
            "observer.product": "FortiGate",
            "source.ip": f"10.37.{n % 250}.{n % 200}",
            "source.port": str(1024 + n % 60000),
            "destination.ip": f"203.0.113.{n % 250}",
            "destination.port": "443",
            "event.action": "accept",
            "event.outcome": "success",
            "network.protocol": "HTTPS",
            "log.syslog.severity.code": 5,
        }
    if kind == 1:
        message = f"consultation du dossier patient {n} par u{n % 500}"
        return {
            **common,
            "message": message,
            "event.original": f"<165>1 {stamp} srv-dpi-{n % 20} dpi 4242 ID47 - {message}",
            "host.name": f"srv-dpi-{n % 20}",
            "process.name": "dpi",
            "event.code": "ID47",
            "log.syslog.severity.code": 5,
        }
    code = "4625" if n % 10 == 2 else "4624"
    user, address, computer = f"user{n % 700}", f"10.37.9.{n % 250}", f"DC0{n % 3}.chu.local"
    return {
        **common,
        "message": f"Windows {code} {computer} user.name={user} source.ip={address}",
        "host.name": computer,
        "process.name": "winlogbeat",
        "observer.vendor": "Microsoft",
        "observer.product": "Windows",
        "event.code": code,
        "user.name": user,
        "source.ip": address,
        "winlog.channel": "Security",
        "winlog.event_data.LogonType": "3",
        "log.syslog.severity.code": 6,
    }


def seed_events(path: Path, count: int, establishment_ids: list[int], now: datetime) -> None:
    """`count` events over the last 30 days, oldest first (ids grow with time, as ingestion makes them)."""
    store = SqliteEventStore(path)
    start = now - timedelta(days=30)
    step = timedelta(days=30) / max(count, 1)
    try:
        for first in range(0, count, EVENT_BATCH):
            batch = [
                # One event in a hundred comes from an unknown sender (the unattributed bucket).
                _event(
                    n,
                    start + n * step,
                    None if n % 100 == 99 else establishment_ids[n % len(establishment_ids)],
                )
                for n in range(first, min(first + EVENT_BATCH, count))
            ]
            store.append(batch)
    finally:
        store.close()


def _chunks(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _alert_status(rng: random.Random) -> AlertStatus:
    roll = rng.random()
    if roll < 0.10:
        return AlertStatus.NEW
    if roll < 0.15:
        return AlertStatus.ACKNOWLEDGED
    return AlertStatus.FALSE_POSITIVE if roll < 0.30 else AlertStatus.CLOSED


def seed_hub(
    engine: Engine, session_for: Any, *, alerts: int, incidents: int, users: int, events: int, now: datetime
) -> Seeded:
    """Users, alerts (one linked event each), incidents (1-3 establishments, 5 timeline entries each)."""
    rng = random.Random(9)
    with session_for(SYSTEM) as session:
        establishments = list(session.scalars(select(Establishment).order_by(Establishment.id)))
        logins: list[tuple[str, int | None]] = []
        for n in range(users):
            # Half the clients are GHT RSSIs (everything in scope), half one establishment's correspondent.
            target = None if n % 2 == 0 else establishments[(n // 2) % len(establishments)]
            role = Role.GHT_RSSI if target is None else Role.SITE_CORRESPONDENT
            login = f"bench-{n:02d}"
            create_user(
                session=session,
                login=login,
                display_name=f"Banc {n:02d}",
                password=PASSWORD,
                grants=[(role, target)],
            )
            logins.append((login, target.id if target else None))
    ids = [e.id for e in establishments]
    with engine.begin() as connection:
        incident_rows: list[dict[str, Any]] = []
        for n in range(1, incidents + 1):
            opened = now - timedelta(days=180) * (1 - n / (incidents + 1))
            incident_rows.append(
                {
                    "id": n,
                    "reference": f"INC-{opened.year}-{n:04d}",
                    "title": f"Incident de banc d'essai {n}",
                    "description": "Incident créé par bench/web_load.",
                    "category": list(IncidentCategory)[n % len(IncidentCategory)],
                    "severity": list(AlertSeverity)[n % len(AlertSeverity)],
                    "status": IncidentStatus.CLOSED if n < incidents * 0.8 else list(IncidentStatus)[n % 4],
                    "created_at": opened,
                    "detected_at": opened,
                    "discovered_at": opened,
                }
            )
        for batch in _chunks(iter(incident_rows)):
            connection.execute(insert(Incident), batch)
        links: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        by_establishment: dict[int, list[int]] = {i: [] for i in ids}
        for row in incident_rows:
            affected = rng.sample(ids, rng.choice((1, 1, 2, 3)))
            for establishment_id in affected:
                links.append(
                    {
                        "incident_id": row["id"],
                        "establishment_id": establishment_id,
                        "added_at": row["created_at"],
                    }
                )
                by_establishment[establishment_id].append(row["id"])
            for k, kind in enumerate(
                (
                    TimelineKind.OPENED,
                    TimelineKind.ESTABLISHMENT,
                    TimelineKind.NOTE,
                    TimelineKind.STATUS,
                    TimelineKind.NOTE,
                )
            ):
                entries.append(
                    {
                        "incident_id": row["id"],
                        "at": row["created_at"] + timedelta(minutes=15 * k),
                        "kind": kind,
                        "actor_name": "Banc 00",
                        "text": f"Entrée {k} de la main courante de l'incident {row['id']}",
                        "data": {},
                    }
                )
        for batch in _chunks(iter(links)):
            connection.execute(insert(IncidentEstablishment), batch)
        for batch in _chunks(iter(entries)):
            connection.execute(insert(TimelineEntry), batch)
        for batch in _chunks(_alert_rows(rng, alerts, ids, incidents, now)):
            connection.execute(insert(Alert), batch)
        links_rows = (
            {"alert_id": n, "event_ref": str(rng.randint(1, max(events, 1)))} for n in range(1, alerts + 1)
        )
        for batch in _chunks(links_rows):
            connection.execute(insert(AlertEvent), batch)
    return Seeded(logins, by_establishment, [r["id"] for r in incident_rows], ids)


def _alert_rows(
    rng: random.Random, count: int, ids: list[int], incidents: int, now: datetime
) -> Iterator[dict[str, Any]]:
    for n in range(1, count + 1):
        occurred = now - timedelta(days=180) * (1 - n / (count + 1)) + timedelta(seconds=rng.randint(0, 600))
        establishment_id = None if n % 100 == 0 else ids[rng.randrange(len(ids))]
        rule = n % len(SIGMA_TITLES)
        yield {
            "id": n,
            "establishment_id": establishment_id,
            "source": "sigma",
            "source_ref": f"bench-{n}",
            "title": SIGMA_TITLES[rule],
            "description": "",
            "severity": list(AlertSeverity)[n % len(AlertSeverity)],
            "status": _alert_status(rng),
            "rule_id": f"bench-rule-{rule}",
            "dedup_key": f"bench-rule-{rule}:{establishment_id}:{n % 97}",
            "count": 1 + n % 7,
            "occurred_at": occurred,
            "first_seen_at": occurred,
            "last_seen_at": occurred,
            "created_at": occurred,
            "raw": {"rule": rule},
            # One alert in fifty was merged into an incident.
            "incident_id": 1 + n % incidents if incidents and n % 50 == 0 else None,
        }


def reset_sequences(engine: Engine) -> None:
    """PostgreSQL: explicit ids do not move the sequences; set them past the seeded rows."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in ("alert", "incident"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}"
            )
        connection.exec_driver_sql("ANALYZE")


def utc_now() -> datetime:
    return datetime.now(UTC)
