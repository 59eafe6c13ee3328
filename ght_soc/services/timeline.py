"""The main courante: every change, note, step, decision and notification of an incident, in order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import TimelineKind
from ght_soc.models import Incident, TimelineEntry

MAX_NOTE_LENGTH = 10_000


class EmptyNoteError(ValueError):
    """A main-courante note with nothing in it."""


def record(
    *,
    session: Session,
    incident: Incident,
    kind: TimelineKind,
    text: str,
    actor: Principal | None,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """Append one entry; `actor` None means the hub itself (a timer, the engine, a connector)."""
    entry = TimelineEntry(
        incident_id=incident.id,
        at=now.astimezone(UTC),
        kind=kind,
        actor_id=actor.user_id if actor else None,
        actor_name=actor.display_name if actor else "ght-soc",
        text=text,
        data=data or {},
    )
    session.add(entry)
    session.flush()
    return entry


def add_note(
    *, session: Session, incident: Incident, text: str, actor: Principal, now: datetime
) -> TimelineEntry:
    """The on-call engineer's one-tap entry: free text, trimmed, never empty."""
    text = text.strip()
    if not text:
        raise EmptyNoteError("a main-courante entry needs some text")
    return record(
        session=session,
        incident=incident,
        kind=TimelineKind.NOTE,
        text=text[:MAX_NOTE_LENGTH],
        actor=actor,
        now=now,
    )


def entries(*, session: Session, incident: Incident) -> Sequence[TimelineEntry]:
    """The incident's timeline, oldest first (the order it was written)."""
    return session.scalars(
        select(TimelineEntry).where(TimelineEntry.incident_id == incident.id).order_by(TimelineEntry.id)
    ).all()
