"""Changes to an incident's declarations: qualifying it, and correcting a regime's T0.

:func:`qualify` stores the questionnaire's answers, recomputes which regimes apply to which legal entity
(ght_soc/declarations/qualification.py), keeps one `Declaration` row per regime × FINESS EJ × stage, and writes
the change, with its diff, on the main courante. :func:`correct_t0` moves a regime's T0 and says which
deadlines moved; a document already sent stays frozen and a complement is proposed instead.

The rows, their clocks and the context are read through declarations.py; drafts are pre-filled by
declaration_documents.py. Like every service, these take `*, session` and flush; the caller commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ght_soc.access import Permission, Principal
from ght_soc.declarations.clocks import DeadlineMove, check_t0, format_local, moved_deadlines
from ght_soc.declarations.facts import QualificationAnswers
from ght_soc.declarations.qualification import Applicability, answer_changes, applicable_regimes, diff
from ght_soc.declarations.regimes import StageKind
from ght_soc.domain import TimelineKind
from ght_soc.models import Declaration, DeclarationStatus, Incident, Qualification
from ght_soc.services import breach_register, timeline
from ght_soc.services.declaration_documents import prefill_row
from ght_soc.services.declarations import (
    UNSENT,
    DeclarationContext,
    DeclarationError,
    NotAllowed,
    answers_from_json,
    answers_to_json,
    declarations_of,
    group_clocks,
    groups,
    proposed_t0,
    qualification_row,
    refresh_clocks,
)


# --- qualification ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QualificationResult:
    applicable: tuple[Applicability, ...]
    lines: tuple[str, ...]  # what changed, in French, as written on the main courante
    created: tuple[Declaration, ...]


def qualify(
    *,
    session: Session,
    incident: Incident,
    answers: QualificationAnswers,
    affected: Sequence[str],
    establishment_ids: Mapping[str, int],
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
) -> QualificationResult:
    """Store the answers, recompute the declarations due for the `affected` establishments (keys), keep the
    rows in step, and put the change on the timeline.

    The actor's scope must cover every establishment concerned: a partial view would drop the others' rows.
    """
    facts = [context.establishments[key] for key in affected if key in context.establishments]
    new = applicable_regimes(answers, facts, context.regimes, support=context.support)
    concerned = set(affected) | {a.establishment_key for a in new}
    if any(not actor.scope.allows(establishment_ids.get(k)) for k in concerned):
        # Not named: the user is not to learn which other members the incident touches.
        raise NotAllowed("the qualification concerns establishments outside your scope")
    row = qualification_row(session=session, incident=incident)
    before = answers_from_json(row.answers) if row is not None else None
    old = applicable_regimes(before, facts, context.regimes, support=context.support) if before else []
    if row is None:
        row = Qualification(incident_id=incident.id, answers={})
        session.add(row)
    row.answers = answers_to_json(answers)
    row.updated_at, row.updated_by_id, row.updated_by_name = now, actor.user_id, actor.display_name
    created, notes = _sync_rows(session, incident, new, establishment_ids, context, actor, now)
    refresh_clocks(session=session, incident=incident, context=context)
    # Every personal-data breach goes to the register, notified or not (GDPR art. 33(5)).
    notes += breach_register.follow_qualification(
        session=session,
        incident=incident,
        answers=answers,
        affected=affected,
        establishment_ids=establishment_ids,
        context=context,
        actor=actor,
        now=now,
    )
    changes = answer_changes(before or QualificationAnswers(), answers) if before else []
    lines = [str(c) for c in changes] + diff(old, new).describe() + notes
    if before is None or lines:
        title = "Qualification des déclarations" if before is None else "Qualification modifiée"
        timeline.record(
            session=session,
            incident=incident,
            kind=TimelineKind.QUALIFICATION,
            text="\n".join([title, *lines]),
            actor=actor,
            now=now,
            data={
                "answers": row.answers,
                "changes": [dataclasses.asdict(c) for c in changes],
                "applicable": [f"{a.regime_id}:{a.finess_ej}" for a in new],
            },
        )
    return QualificationResult(tuple(new), tuple(lines), tuple(created))


def _sync_rows(
    session: Session,
    incident: Incident,
    applicable: Sequence[Applicability],
    establishment_ids: Mapping[str, int],
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
) -> tuple[list[Declaration], list[str]]:
    existing = groups(declarations_of(session=session, incident=incident))
    wanted = {a.key: a for a in applicable}
    created: list[Declaration] = []
    notes: list[str] = []
    for key, item in wanted.items():
        rows = existing.get(key, [])
        created += ensure_group(
            session=session,
            incident=incident,
            item=item,
            rows=rows,
            establishment_ids=establishment_ids,
            context=context,
            now=now,
        )
        sent_before = any(r.status == DeclarationStatus.SENT for r in rows)
        changed = any(r.reasons != list(item.reasons) or r.bound_reason != item.bound_reason for r in rows)
        for row in rows:
            row.bound_reason, row.reasons = item.bound_reason, list(item.reasons)
            row.covers, row.finess_et = list(item.covers), list(item.finess_et)
            if row.status == DeclarationStatus.OBSOLETE:
                row.status = DeclarationStatus.DRAFT
            if row.status != DeclarationStatus.SENT:
                prefill_row(session=session, row=row, incident=incident, context=context, now=now)
        if sent_before and changed:
            notes += propose_complement(
                session=session, incident=incident, rows=rows, context=context, now=now
            )
    for key, rows in existing.items():
        if key in wanted:
            continue
        for row in rows:
            if row.status in UNSENT:
                row.status, row.updated_at = DeclarationStatus.OBSOLETE, now
        if any(r.status == DeclarationStatus.SENT for r in rows):
            title = context.regimes[key[0]].short_title
            notes.append(
                f"{title} (FINESS {key[1]}) déjà déposée : plus due, un rectificatif peut être utile"
            )
    session.flush()
    return created, notes


def ensure_group(
    *,
    session: Session,
    incident: Incident,
    item: Applicability,
    rows: list[Declaration],
    establishment_ids: Mapping[str, int],
    context: DeclarationContext,
    now: datetime,
) -> list[Declaration]:
    """Add the missing stage rows of one (regime, legal entity) to `rows`; returns the new ones."""
    regime = context.regimes[item.regime_id]
    t0 = rows[0].t0_at if rows else proposed_t0(incident, regime)
    kinds = {StageKind(r.stage) for r in rows}
    created = []
    for stage in regime.stages:
        if stage.kind in kinds:
            continue
        row = Declaration(
            incident_id=incident.id,
            establishment_id=establishment_ids[item.establishment_key],
            regime_id=regime.id,
            stage=stage.kind.value,
            sequence=1,
            finess_ej=item.finess_ej,
            bound_reason=item.bound_reason,
            reasons=list(item.reasons),
            covers=list(item.covers),
            finess_et=list(item.finess_et),
            t0_at=t0,
            t0_set_at=now,
            t0_set_by_name=f"ght-soc (proposé : {regime.t0.label})",
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        rows.append(row)
        created.append(row)
    session.flush()
    return created


def propose_complement(
    *,
    session: Session,
    incident: Incident,
    rows: list[Declaration],
    context: DeclarationContext,
    now: datetime,
) -> list[str]:
    """Open a complement after a change that a sent document does not reflect; none if the regime has no
    complement stage or one is already being prepared."""
    regime = context.regimes[rows[0].regime_id]
    if not any(s.kind == StageKind.COMPLEMENT for s in regime.stages):
        return []
    complements = [r for r in rows if r.stage == StageKind.COMPLEMENT.value]
    if any(r.status in UNSENT for r in complements):
        return []
    first = rows[0]
    row = Declaration(
        incident_id=incident.id,
        establishment_id=first.establishment_id,
        regime_id=first.regime_id,
        stage=StageKind.COMPLEMENT.value,
        sequence=max((r.sequence for r in complements), default=0) + 1,
        finess_ej=first.finess_ej,
        bound_reason=first.bound_reason,
        reasons=list(first.reasons),
        covers=list(first.covers),
        finess_et=list(first.finess_et),
        t0_at=first.t0_at,
        t0_set_at=first.t0_set_at,
        t0_set_by_id=first.t0_set_by_id,
        t0_set_by_name=first.t0_set_by_name,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    rows.append(row)
    prefill_row(session=session, row=row, incident=incident, context=context, now=now)
    return [f"Complément proposé : {regime.short_title} (FINESS {first.finess_ej})"]


# --- T0 correction ------------------------------------------------------------------------------------------
def correct_t0(
    *,
    session: Session,
    incident: Incident,
    regime_id: str,
    finess_ej: str,
    t0: datetime,
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
) -> list[DeadlineMove]:
    """Set the T0 of one (regime, legal entity); refuses a naive or future T0. Returns the moved deadlines;
    a stage already sent keeps its document, and a complement is proposed."""
    t0 = check_t0(t0, now)
    rows = groups(declarations_of(session=session, incident=incident)).get((regime_id, finess_ej))
    if not rows:
        raise DeclarationError(f"no declaration {regime_id} for FINESS {finess_ej} on this incident")
    if not actor.can(Permission.DECLARE, rows[0].establishment_id):
        raise NotAllowed("correcting a T0 needs the declare permission for this establishment")
    regime = context.regimes[regime_id]
    before = list(group_clocks(rows, regime, incident, context).values())
    previous = rows[0].t0_at
    for row in rows:
        row.t0_at, row.t0_set_at, row.t0_set_by_id, row.t0_set_by_name = (
            t0,
            now,
            actor.user_id,
            actor.display_name,
        )
    after = list(group_clocks(rows, regime, incident, context).values())
    moves = moved_deadlines(before, after)
    refresh_clocks(session=session, incident=incident, context=context, rows=rows)
    zone = context.timezone(rows[0].establishment.key)
    lines = [
        f"T0 {regime.short_title} (FINESS {finess_ej}) corrigé : {format_local(previous, zone)} → "
        f"{format_local(t0, zone)}"
    ]
    for move in moves:
        shown = format_local(move.after, zone) if move.after else "—"
        lines.append(
            f"Échéance {move.stage.value} → {shown}" + (" (déjà déposée)" if move.already_sent else "")
        )
    if any(m.already_sent for m in moves):
        lines += propose_complement(session=session, incident=incident, rows=rows, context=context, now=now)
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.DECLARATION,
        text="\n".join(lines),
        actor=actor,
        now=now,
        data={
            "regime": regime_id,
            "finess_ej": finess_ej,
            "t0": t0.isoformat(),
            "moved": [m.stage.value for m in moves],
        },
    )
    return moves
