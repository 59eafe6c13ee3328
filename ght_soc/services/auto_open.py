"""Incidents opened by the hub itself: alerts of configured rules become an incident, with a playbook started.

Run by the scheduler's playbook tick rather than at ingest: the listener only stores and detects, and a slow
playbook action never holds up the event stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import SYSTEM, Scope
from ght_soc.domain import AlertStatus
from ght_soc.events.store import EventStore
from ght_soc.models import Alert, Incident
from ght_soc.playbooks import runs
from ght_soc.playbooks.engine import Engine
from ght_soc.playbooks.library import PlaybookLibrary
from ght_soc.services import incidents
from ght_soc.settings import AutoOpenConfig

LOOKBACK = timedelta(days=1)  # older unattended alerts are left to the people who triage them


@dataclass(frozen=True)
class Opened:
    incident: Incident
    run_id: int | None


def auto_open(
    *,
    session: Session,
    rules: Sequence[AutoOpenConfig],
    engine: Engine,
    library: PlaybookLibrary,
    now: datetime,
    events: EventStore | None = None,
) -> list[Opened]:
    """Open one incident per new alert of a configured rule (unless it already joined one)."""
    opened = []
    for rule in rules:
        alerts = session.scalars(
            select(Alert)
            .where(
                Alert.rule_id.in_(rule.rules),
                Alert.incident_id.is_(None),
                Alert.status == AlertStatus.NEW,
                Alert.establishment_id.is_not(None),
                Alert.created_at >= now - LOOKBACK,
            )
            .order_by(Alert.id)
        ).all()
        for alert in alerts:
            if alert.incident_id is not None:  # joined an incident opened earlier in this pass
                continue
            if incidents.join_incident_of_earlier_alert(session=session, alert=alert, now=now) is not None:
                continue
            incident = incidents.open_from_alerts(
                session=session, alert_ids=[alert.id], actor=SYSTEM, now=now, category=rule.category
            )
            run_id = None
            if rule.playbook:
                playbook = library.latest(rule.playbook)
                run = runs.start(
                    engine,
                    session,
                    incident=incident,
                    loaded=library.by_hash(playbook.content_hash),
                    actor=SYSTEM,
                    now=now,
                    inputs={name: input_value(alert, source, events) for name, source in rule.inputs.items()},
                )
                run_id = run.id
            opened.append(Opened(incident=incident, run_id=run_id))
    return opened


def input_value(alert: Alert, source: str, events: EventStore | None = None) -> str:
    """A playbook input read from the alert that opened the incident (see AutoOpenConfig.inputs).

    `$indicator:FIELD` looks in the alert's indicators, then its correlation group, then the first event the
    alert links (a host name is not an indicator, but the event that raised the alert names it)."""
    if source == "$establishment":
        return alert.establishment.name if alert.establishment else "inconnu"
    if source == "$title":
        return alert.title
    if not source.startswith("$indicator:"):
        return source
    field = source.removeprefix("$indicator:")
    found = [i.value for i in alert.indicators if i.kind == field]
    if found:
        return found[0]
    group = alert.raw.get("group")
    if isinstance(group, dict) and group.get(field):
        return str(group[field])
    if events is not None and alert.events:
        scope = Scope(frozenset({alert.establishment_id})) if alert.establishment_id else Scope.everything()
        for event in events.get([link.event_ref for link in alert.events[:5]], scope):
            if event.get(field):
                return str(event[field])
    return "inconnu"
