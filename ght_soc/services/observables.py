"""Observables of an incident (IP, host, account, hash, domain, URL), linked to the inventory when they match.

Resolvers are a small registry: each inventory (directory accounts and computers, network devices...) adds
one function that, given the incident's establishments, returns what an observable designates there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import ObservableKind, TimelineKind
from ght_soc.models import DirectoryObject, Incident, Observable
from ght_soc.services import timeline

# Which event field (ECS name, as alert indicators carry them) gives which kind of observable.
FIELD_KINDS: dict[str, ObservableKind] = {
    "source.ip": ObservableKind.IP,
    "destination.ip": ObservableKind.IP,
    "client.ip": ObservableKind.IP,
    "host.ip": ObservableKind.IP,
    "host.name": ObservableKind.HOST,
    "host.hostname": ObservableKind.HOST,
    "user.name": ObservableKind.ACCOUNT,
    "user.target.name": ObservableKind.ACCOUNT,
    "file.hash.sha256": ObservableKind.HASH,
    "file.hash.sha1": ObservableKind.HASH,
    "file.hash.md5": ObservableKind.HASH,
    "dns.question.name": ObservableKind.DOMAIN,
    "url.domain": ObservableKind.DOMAIN,
    "url.full": ObservableKind.URL,
    "url.original": ObservableKind.URL,
}

Resolver = Callable[[Session, tuple[int, ...], ObservableKind, str], list[dict[str, Any]]]
RESOLVERS: list[Resolver] = []


class ObservableError(ValueError):
    """A value that is not an observable of the kind given."""


def resolver(function: Resolver) -> Resolver:
    """Declare an inventory resolver (a decorator: the registry is this module's list)."""
    RESOLVERS.append(function)
    return function


def normalise(kind: ObservableKind, value: str) -> str:
    """One spelling per observable, so the same address or account is not listed twice."""
    value = value.strip()
    if not value or len(value) > 500:
        raise ObservableError("an observable needs a value of at most 500 characters")
    if kind == ObservableKind.IP:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ObservableError(f"{value!r} is not an IP address") from None
    if kind in (ObservableKind.HOST, ObservableKind.DOMAIN, ObservableKind.HASH):
        return value.lower().rstrip(".")
    return value


def add(
    *,
    session: Session,
    incident: Incident,
    kind: ObservableKind,
    value: str,
    actor: Principal | None,
    now: datetime,
    source: str = "manual",
) -> Observable:
    """Add an observable once (a repeat returns the existing one) and resolve it against the inventory."""
    value = normalise(kind, value)
    for existing in incident.observables:
        if existing.kind == kind and existing.value == value:
            return existing
    establishment_ids = tuple(link.establishment_id for link in incident.establishments)
    matches = [match for resolve in RESOLVERS for match in resolve(session, establishment_ids, kind, value)]
    observable = Observable(
        incident_id=incident.id, kind=kind, value=value, source=source, matches=matches, created_at=now
    )
    session.add(observable)
    incident.observables.append(observable)
    found = f" — {', '.join(m['label'] for m in matches)}" if matches else ""
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.OBSERVABLE,
        text=f"Observable {kind.value} : {value}{found}",
        actor=actor,
        now=now,
        data={"kind": kind.value, "value": value, "matches": matches},
    )
    return observable


def add_from_indicator(
    *,
    session: Session,
    incident: Incident,
    field: str,
    value: str,
    source: str,
    actor: Principal | None,
    now: datetime,
) -> Observable | None:
    """An alert's indicator becomes an observable when its field names a known kind; others are skipped."""
    kind = FIELD_KINDS.get(field)
    if kind is None:
        return None
    try:
        return add(
            session=session, incident=incident, kind=kind, value=value, actor=actor, now=now, source=source
        )
    except ObservableError:
        return None  # an indicator that is not a valid observable stays on its alert only


@resolver
def _directory(
    session: Session, establishment_ids: tuple[int, ...], kind: ObservableKind, value: str
) -> list[dict[str, Any]]:
    """Accounts by login; hosts by computer account (NAME$) or the first label of their DNS name."""
    if kind == ObservableKind.ACCOUNT:
        login = value.split("\\")[-1].split("@")[0].lower()
        names, kinds = {login}, ("user",)
    elif kind == ObservableKind.HOST:
        short = value.split(".")[0].lower()
        names, kinds = {f"{short}$", short}, ("computer",)
    else:
        return []
    rows = session.scalars(
        select(DirectoryObject).where(
            DirectoryObject.establishment_id.in_(establishment_ids),
            DirectoryObject.kind.in_(kinds),
            func.lower(DirectoryObject.name).in_(sorted(names)),
            DirectoryObject.deleted_at.is_(None),
        )
    )
    return [
        {
            "inventory": "directory",
            "kind": row.kind,
            "id": row.id,
            "label": row.name or row.dn,
            "establishment_id": row.establishment_id,
        }
        for row in rows
    ]
