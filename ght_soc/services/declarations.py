"""National declarations of an incident: the context they are computed in, the stored answers, the rows and
their clocks.

Every declaration service reads through this module: qualification and T0 corrections are in
declaration_changes.py, documents (drafts, approval, sending) in declaration_documents.py and
declaration_workflow.py, reminders in declaration_reminders.py.
Like every service, these take `*, session` and flush; the caller commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, get_type_hints

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.declarations.clocks import ClockEvents, StageClock, compute_clocks
from ght_soc.declarations.facts import EstablishmentFacts, QualificationAnswers, establishment_facts
from ght_soc.declarations.regimes import (
    IncidentTime,
    Regime,
    RegimeRegistry,
    ReminderOffset,
    StageKind,
    load_regimes,
)
from ght_soc.models import Declaration, DeclarationStatus, Establishment, Incident, Qualification
from ght_soc.settings import DeclarationsConfig, Settings

UNSENT = (DeclarationStatus.DRAFT, DeclarationStatus.READY, DeclarationStatus.APPROVED)


class DeclarationError(ValueError):
    """A declaration change that cannot be made; the message says why."""


class NotAllowed(DeclarationError):
    """The actor lacks the right for this change (DECLARE, the DPO role, or a scope over every member)."""


@dataclass(frozen=True)
class DeclarationContext:
    """What the declaration services read besides the database: regimes, members, reminder settings."""

    regimes: RegimeRegistry
    establishments: Mapping[str, EstablishmentFacts]  # every member, by key
    support_key: str | None
    default_reminders: tuple[str, ...] = ("50%", "2h", "30min")
    overdue_repeat: timedelta = timedelta(hours=24)
    public_url: str = ""  # the hub's address as its users reach it, for the links in reminder mails

    @property
    def support(self) -> EstablishmentFacts | None:
        return self.establishments.get(self.support_key) if self.support_key else None

    def timezone(self, establishment_key: str) -> str:
        facts = self.establishments.get(establishment_key)
        return facts.timezone if facts else "Europe/Paris"


def load_configured_regimes(config: DeclarationsConfig, base: Path | None = None) -> RegimeRegistry:
    """The regimes of `config.regimes_dir` (default: shipped), switched as configured; raises on any error."""
    folder = None
    if config.regimes_dir:
        folder = Path(config.regimes_dir)
        if not folder.is_absolute() and base is not None:
            folder = base / folder
    for text in config.reminders:
        ReminderOffset.parse(text)  # a malformed default reminder refuses the start, like a regime error
    return load_regimes(folder).with_switches(config.switches)


def context_from_settings(settings: Settings, regimes: RegimeRegistry) -> DeclarationContext:
    """The context for the configured GHT."""
    members = {e.key: establishment_facts(e, cyber_insured=e.cyber_insured) for e in settings.establishments}
    support = next((e.key for e in settings.establishments if e.support), None)
    return DeclarationContext(
        regimes=regimes,
        establishments=members,
        support_key=support,
        default_reminders=settings.declarations.reminders,
        overdue_repeat=timedelta(hours=settings.declarations.overdue_repeat_hours),
        public_url=settings.hub.public_url.rstrip("/"),
    )


def context_from_establishments(rows: Iterable[Establishment], regimes: RegimeRegistry) -> DeclarationContext:
    """The context from the database's members (the demo has no configuration object at hand)."""
    members = {
        e.key: EstablishmentFacts(
            key=e.key,
            name=e.name,
            finess_ej=e.finess_ej,
            finess_et=tuple(s.finess_et for s in e.sites),
            is_ose=e.is_ose,
            is_support=e.is_support,
            is_oiv=e.is_oiv,
            category=e.category,
            nis2_class=e.nis2_class,
            region=e.region,
            timezone=e.timezone,
        )
        for e in rows
    }
    support = next((f.key for f in members.values() if f.is_support), None)
    return DeclarationContext(regimes=regimes, establishments=members, support_key=support)


# --- answers as JSON ----------------------------------------------------------------------------------------
_ANSWER_TYPES = get_type_hints(QualificationAnswers)


def answers_to_json(answers: QualificationAnswers) -> dict[str, Any]:
    """The answers as stored in `Qualification.answers` (enums by their value)."""
    return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in dataclasses.asdict(answers).items()}


def answers_from_json(data: Mapping[str, Any]) -> QualificationAnswers:
    """Answers read back; unknown keys (a field since removed) are ignored, missing ones take the default."""
    values: dict[str, Any] = {}
    for item in dataclasses.fields(QualificationAnswers):
        if item.name not in data:
            continue
        kind, raw = _ANSWER_TYPES[item.name], data[item.name]
        values[item.name] = kind(raw) if isinstance(kind, type) and issubclass(kind, StrEnum) else raw
    return QualificationAnswers(**values)


def current_answers(*, session: Session, incident: Incident) -> QualificationAnswers | None:
    """The incident's stored answers, or None before its first qualification."""
    row = qualification_row(session=session, incident=incident)
    return None if row is None else answers_from_json(row.answers)


def qualification_row(*, session: Session, incident: Incident) -> Qualification | None:
    """The row holding the incident's answers, or None before its first qualification."""
    return session.scalars(
        select(Qualification).where(Qualification.incident_id == incident.id)
    ).one_or_none()


# --- rows and clocks ----------------------------------------------------------------------------------------
def declarations_of(*, session: Session, incident: Incident) -> list[Declaration]:
    """The incident's declaration rows visible in the session's scope, by id."""
    return list(
        session.scalars(
            select(Declaration).where(Declaration.incident_id == incident.id).order_by(Declaration.id)
        )
    )


def groups(rows: Iterable[Declaration]) -> dict[tuple[str, str], list[Declaration]]:
    """Rows by (regime, FINESS EJ): one T0 and one set of clocks each."""
    found: dict[tuple[str, str], list[Declaration]] = {}
    for row in rows:
        found.setdefault((row.regime_id, row.finess_ej), []).append(row)
    return found


def group_clocks(
    rows: Sequence[Declaration], regime: Regime, incident: Incident, context: DeclarationContext
) -> dict[StageKind, StageClock]:
    """The stage clocks of one (regime, legal entity), from its T0, the stages sent and the incident."""
    sent: dict[StageKind, datetime] = {}
    requested: dict[StageKind, datetime] = {}
    for row in rows:
        kind = StageKind(row.stage)
        if row.sent_at is not None and (kind not in sent or row.sent_at < sent[kind]):
            sent[kind] = row.sent_at
        if row.requested_at is not None and (kind not in requested or row.requested_at < requested[kind]):
            requested[kind] = row.requested_at
    times = {t: getattr(incident, t.value) for t in IncidentTime if getattr(incident, t.value) is not None}
    events = ClockEvents(t0=rows[0].t0_at, sent=sent, requested=requested, incident_times=times)
    clocks = compute_clocks(
        regime,
        events,
        timezone=context.timezone(rows[0].establishment.key),
        default_reminders=context.default_reminders,
    )
    return {clock.stage.kind: clock for clock in clocks}


def row_clock(row: Declaration, clocks: Mapping[StageKind, StageClock]) -> StageClock:
    """The clock of one row: its stage's clock, with the row's own sending time (repeatable stages)."""
    return dataclasses.replace(clocks[StageKind(row.stage)], sent_at=row.sent_at)


def refresh_clocks(
    *,
    session: Session,
    incident: Incident,
    context: DeclarationContext,
    rows: Sequence[Declaration] | None = None,
) -> None:
    """Recompute the cached start and deadline of every row (after any change of their inputs)."""
    for (regime_id, _), members in groups(
        rows or declarations_of(session=session, incident=incident)
    ).items():
        clocks = group_clocks(members, context.regimes[regime_id], incident, context)
        for row in members:
            clock = clocks[StageKind(row.stage)]
            row.starts_at, row.deadline_at = clock.starts_at, clock.deadline_at
    session.flush()


def proposed_t0(incident: Incident, regime: Regime) -> datetime:
    """The incident instant the regime's T0 is proposed from, else the earliest one known."""
    for name in (regime.t0.proposed_from.value, "discovered_at", "detected_at"):
        value: datetime | None = getattr(incident, name)
        if value is not None:
            return value
    return incident.created_at
