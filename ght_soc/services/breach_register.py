"""The personal-data breach register (GDPR art. 33(5)): recording and editing entries, and the entries an
incident's qualification opens.

Every breach has an entry in the register of each controller concerned, notified or not: one per legal
entity (FINESS EJ), like the GDPR declarations. :func:`follow_qualification` is called where a qualification
is saved: personal data concerned → an entry per affected legal entity, pre-filled (awareness = the art. 33
T0, persons, health data, the DPO's risk appraisal); a re-qualification refreshes what nobody edited, and one
without personal data deletes nothing: the entry shows the change and waits for the DPO's reasoning.

An entry's reference (VDP-2026-003) is numbered per establishment in the year of recording, and never changes
afterwards: it is cited in letters, and correcting the awareness time (even into another year) must not make
those letters name another entry. Two units of work recording at once never share a number
(:func:`_lock_registers`).

Editing needs DECLARE over the entry's establishment; an entry that says "not notified" or "not informed"
without its reasoning, or a late notification without its reasons, is refused (:class:`IncompleteEntry`).
Each change is audited, and written on the incident's main courante when there is one. Reading (and what
is derived from the filed declarations) is in breach_entries.py. Services flush; the caller commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc.access import Permission, Principal
from ght_soc.declarations.breaches import (
    FIELD_LABELS,
    PROBLEM_LABELS,
    VALUE_FIELDS,
    BreachEntry,
    BreachOrigin,
    BreachValues,
    Problem,
)
from ght_soc.declarations.facts import EstablishmentFacts, QualificationAnswers
from ght_soc.domain import TimelineKind
from ght_soc.models import BreachRecord, Establishment, Incident
from ght_soc.services import audit, timeline
from ght_soc.services.breach_entries import (
    GDPR_ART33,
    Filed,
    effective_values,
    entry_of,
    filed_declarations,
    of_incident,
)
from ght_soc.services.declarations import DeclarationContext, proposed_t0

PREFIX = "VDP"  # « violation de données à caractère personnel »: VDP-2026-003
TITLE = "Registre des violations (RGPD art. 33(5))"
_TEXT_LIMITS = {"title": 300, "cnil_channel": 200, "cnil_reference": 200, "persons_channel": 200}


class BreachRegisterError(ValueError):
    """A register change that cannot be made; the message says why."""


class NotAllowed(BreachRegisterError):
    """The actor does not hold DECLARE over the entry's establishment."""


class Invalid(StrEnum):
    BLANK = "blank"
    NAIVE = "naive"  # an instant without its zone
    FUTURE = "future"
    AFTER_AWARENESS = "after_awareness"  # a breach cannot occur after it was discovered
    NEGATIVE = "negative"
    NOT_AFFECTED = "not_affected"  # the incident linked does not affect the establishment


class InvalidEntry(BreachRegisterError):
    """A value that cannot be right; `field` names it, `reason` says why (the pages translate it)."""

    def __init__(self, field: str, reason: Invalid) -> None:
        super().__init__(f"{field}: {reason.value}")
        self.field, self.reason = field, reason


class IncompleteEntry(BreachRegisterError):
    """A decision without its reasoning (or a notification without its date and reference)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(PROBLEM_LABELS[p] for p in problems))
        self.problems = tuple(problems)


# --- by hand ------------------------------------------------------------------------------------------------
def record(
    *,
    session: Session,
    establishment_id: int,
    values: BreachValues,
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
    incident: Incident | None = None,
) -> BreachRecord:
    """Record a breach in the establishment's register, optionally linked to an incident affecting it; its
    reference counts in the year of `now` on the establishment's wall clock."""
    _require(actor, establishment_id)
    establishment = session.get(Establishment, establishment_id)
    if establishment is None:
        raise NotAllowed("this establishment is outside your scope")
    if incident is not None and establishment_id not in {e.establishment_id for e in incident.establishments}:
        raise InvalidEntry("incident", Invalid.NOT_AFFECTED)
    values = _clean(values, now)
    row = _new_row(session, establishment, BreachOrigin.MANUAL, incident, actor, now)
    _set(row, values)
    filed = filed_declarations(session=session, incident_ids=[incident.id] if incident else [])
    _refuse_incomplete(entry_of(row, filed, context))
    session.add(row)
    session.flush()
    _written(session, row, f"entrée {row.reference} inscrite", actor, now, {"origin": row.origin.value})
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.BREACH_RECORDED,
        target=f"breach_record:{row.id}",
        details={"reference": row.reference, "origin": row.origin.value, "incident": row.incident_id},
        now=now,
    )
    return row


def edit(
    *,
    session: Session,
    row: BreachRecord,
    values: BreachValues,
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
) -> BreachEntry:
    """Write an entry's fields; refused while a decision lacks its reasoning. Returns the entry as it reads."""
    _require(actor, row.establishment_id)
    values = _clean(values, now)
    filed = filed_declarations(session=session, incident_ids=[row.incident_id] if row.incident_id else [])
    current = effective_values(row, filed)
    changed = [name for name in VALUE_FIELDS if getattr(values, name) != getattr(current, name)]
    _refuse_incomplete(entry_of(row, filed, context, values))
    if not changed:
        return entry_of(row, filed, context)
    _set(row, values)
    row.edited_fields = sorted(set(row.edited_fields) | set(changed))
    row.updated_at, row.updated_by_id, row.updated_by_name = now, actor.user_id, actor.display_name
    session.flush()
    labels = ", ".join(FIELD_LABELS[name].lower() for name in changed)
    _written(session, row, f"{row.reference} modifiée : {labels}", actor, now, {"fields": changed})
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.BREACH_EDITED,
        target=f"breach_record:{row.id}",
        # Field names and decisions only: the values may describe patients.
        details={
            "reference": row.reference,
            "fields": changed,
            "cnil_decision": row.cnil_decision.value,
            "persons_decision": row.persons_decision.value,
        },
        now=now,
    )
    return entry_of(row, filed, context)


def _require(actor: Principal, establishment_id: int) -> None:
    if not actor.can(Permission.DECLARE, establishment_id):
        raise NotAllowed("the breach register is written by those who hold DECLARE for the establishment")


def _refuse_incomplete(entry: BreachEntry) -> None:
    if entry.blocking:
        raise IncompleteEntry(entry.blocking)


def _clean(values: BreachValues, now: datetime) -> BreachValues:
    """Trimmed text, and instants that can be true: zoned, not in the future, no breach after its discovery."""
    text = {
        f.name: getattr(values, f.name).strip()[: _TEXT_LIMITS.get(f.name, 20_000)]
        for f in dataclasses.fields(values)
        if type(getattr(values, f.name)) is str  # not the decisions: a StrEnum is a str too
    }
    values = dataclasses.replace(values, **text)
    if not values.title:
        raise InvalidEntry("title", Invalid.BLANK)
    for name in ("aware_at", "occurred_at", "contained_at", "cnil_notified_at", "persons_informed_at"):
        moment: datetime | None = getattr(values, name)
        if moment is None:
            continue
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidEntry(name, Invalid.NAIVE)
        if moment > now:
            raise InvalidEntry(name, Invalid.FUTURE)
    if values.occurred_at is not None and values.occurred_at > values.aware_at:
        raise InvalidEntry("occurred_at", Invalid.AFTER_AWARENESS)
    for name in ("persons_count", "records_count"):
        count: int | None = getattr(values, name)
        if count is not None and count < 0:
            raise InvalidEntry(name, Invalid.NEGATIVE)
    return values


def _set(row: BreachRecord, values: BreachValues) -> None:
    for name in VALUE_FIELDS:
        setattr(row, name, getattr(values, name))


def _lock_registers(session: Session, establishment_ids: Iterable[int]) -> None:
    """Hold the numbering of these establishments' registers until the unit of work ends.

    PostgreSQL: their rows are locked, in id order so that two units of work numbering in the same registers
    queue instead of deadlocking; one that waited reads the other's numbers once it committed (READ
    COMMITTED). FOR NO KEY UPDATE, not FOR UPDATE: the latter conflicts with the KEY SHARE lock that inserting
    any row referencing an establishment takes (a qualification's declarations, an alert), so two
    qualifications of incidents on the same members deadlocked, and every such insert elsewhere waited.
    SQLite: every writing unit of work already holds the database's write lock from its first statement
    (BEGIN IMMEDIATE, ght_soc/database.py). Locking again in the same unit of work is harmless."""
    ids = sorted(set(establishment_ids))
    if not ids:
        return
    session.execute(
        select(Establishment.id)
        .where(Establishment.id.in_(ids))
        .order_by(Establishment.id)
        .with_for_update(key_share=True)
    )


def _new_row(
    session: Session,
    establishment: Establishment,
    origin: BreachOrigin,
    incident: Incident | None,
    actor: Principal,
    now: datetime,
) -> BreachRecord:
    """A row numbered in its establishment's register, in the year of recording (`now` on the establishment's
    wall clock). The reference is an identifier cited in letters to the CNIL and to patients: given once, it
    never changes, even when awareness is later corrected into another year (the register is kept in the
    order of recording, like any register)."""
    year = now.astimezone(ZoneInfo(establishment.timezone)).year
    _lock_registers(session, [establishment.id])  # two entries recorded at once never share a number
    last = session.scalar(
        select(func.max(BreachRecord.number)).where(
            BreachRecord.establishment_id == establishment.id, BreachRecord.year == year
        )
    )
    number = (last or 0) + 1
    return BreachRecord(
        establishment_id=establishment.id,
        establishment=establishment,
        incident_id=incident.id if incident else None,
        incident=incident,
        year=year,
        number=number,
        reference=f"{PREFIX}-{year}-{number:03d}",
        finess_ej=establishment.finess_ej,
        origin=origin,
        edited_fields=[],
        created_at=now,
        created_by_id=actor.user_id,
        created_by_name=actor.display_name,
        updated_at=now,
        updated_by_id=actor.user_id,
        updated_by_name=actor.display_name,
    )


def _written(
    session: Session, row: BreachRecord, what: str, actor: Principal, now: datetime, data: dict[str, object]
) -> None:
    if row.incident is None:
        return
    timeline.record(
        session=session,
        incident=row.incident,
        kind=TimelineKind.DECLARATION,
        text=f"{TITLE} — {row.establishment.name} : {what}",
        actor=actor,
        now=now,
        data={"breach_record": row.id, "reference": row.reference, **data},
    )


# --- from a qualification -----------------------------------------------------------------------------------
def follow_qualification(
    *,
    session: Session,
    incident: Incident,
    answers: QualificationAnswers,
    affected: Sequence[str],
    establishment_ids: Mapping[str, int],
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
) -> list[str]:
    """Keep the incident's register entries in step with its qualification; returns the French lines to write
    on the main courante with the qualification."""
    groups: dict[str, list[EstablishmentFacts]] = {}
    for key in affected:
        if key in context.establishments:
            facts = context.establishments[key]
            groups.setdefault(facts.finess_ej, []).append(facts)
    # The first entry of each legal entity (by id) is the one the qualification keeps in step.
    existing = {r.finess_ej: r for r in reversed(of_incident(session=session, incident_id=incident.id))}
    if not answers.personal_data and not existing:
        return []
    filed = filed_declarations(session=session, incident_ids=[incident.id])
    if answers.personal_data:
        # The registers it opens entries in, all at once and in id order: another qualification opening
        # entries for the same members, listed in another order, waits for this one instead of deadlocking.
        _lock_registers(
            session, [establishment_ids[m[0].key] for ej, m in groups.items() if ej not in existing]
        )
    lines: list[str] = []
    for ej, members in groups.items():
        found = existing.get(ej)
        if not answers.personal_data:
            if found is not None and found.withdrawn_at is None:
                found.withdrawn_at = now
                lines.append(
                    f"{TITLE} : {found.reference} ({members[0].name}) conservée ; plus de données "
                    "personnelles selon la qualification, le DPO consigne son analyse"
                )
            continue
        prefill = _prefill(incident, answers, filed.get((incident.id, ej), Filed()), context)
        if found is None:
            lines.append(_open(session, incident, members[0], establishment_ids, prefill, actor, now))
            continue
        for name in _PREFILLED:
            value = getattr(prefill, name)
            if name not in found.edited_fields and getattr(found, name) != value:
                setattr(found, name, value)
                found.updated_at, found.updated_by_id, found.updated_by_name = (
                    now,
                    actor.user_id,
                    actor.display_name,
                )
        if found.withdrawn_at is not None:
            found.withdrawn_at = None
            lines.append(
                f"{TITLE} : {found.reference} ({members[0].name}), données personnelles de nouveau concernées"
            )
    session.flush()
    return lines


# What a qualification fills in, and refreshes on re-qualification unless someone edited it.
_PREFILLED = (
    "title",
    "circumstances",
    "occurred_at",
    "aware_at",
    "contained_at",
    "confidentiality",
    "integrity",
    "availability",
    "health_data",
    "data_categories",
    "persons_count",
    "risk",
)


def _prefill(
    incident: Incident, answers: QualificationAnswers, filed: Filed, context: DeclarationContext
) -> BreachValues:
    if filed.art33_t0 is not None:
        aware_at = filed.art33_t0
    elif GDPR_ART33 in context.regimes:
        aware_at = proposed_t0(incident, context.regimes[GDPR_ART33])
    else:
        aware_at = incident.discovered_at or incident.detected_at or incident.created_at
    return BreachValues(
        title=incident.title,
        circumstances=incident.description,
        occurred_at=incident.occurred_at,
        aware_at=aware_at,
        contained_at=incident.contained_at,
        confidentiality=answers.data_confidentiality,
        integrity=answers.data_integrity,
        availability=answers.data_availability,
        health_data=answers.health_data,
        data_categories="données de santé" if answers.health_data else "données à caractère personnel",
        persons_count=answers.persons_concerned,
        risk=answers.gdpr_risk,
    )


def _open(
    session: Session,
    incident: Incident,
    filer: EstablishmentFacts,
    establishment_ids: Mapping[str, int],
    prefill: BreachValues,
    actor: Principal,
    now: datetime,
) -> str:
    establishment = session.get_one(Establishment, establishment_ids[filer.key])
    row = _new_row(session, establishment, BreachOrigin.QUALIFICATION, incident, actor, now)
    _set(row, prefill)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.BREACH_RECORDED,
        target=f"breach_record:{row.id}",
        details={"reference": row.reference, "origin": row.origin.value, "incident": incident.id},
        now=now,
    )
    return f"{TITLE} : entrée {row.reference} ouverte pour {filer.name}"
