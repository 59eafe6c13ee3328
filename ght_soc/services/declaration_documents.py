"""Declaration documents: what a document is: its pre-filled draft, its fields, its status rules, its view
with the clock, and its exports.

A document's status follows :data:`TRANSITIONS`: draft (fields missing) → ready → approved → sent, and obsolete
when a re-qualification no longer calls for it. A change of content withdraws the approval (what was approved
is no longer what would be filed). A sent document is frozen: later news goes into a complement.
What people do to a document (edit, review, approve, record the filing) is in declaration_workflow.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.declarations.clocks import ClockStatus, StageClock
from ght_soc.declarations.documents import (
    LATE_REASONS,
    Draft,
    IncidentFacts,
    Missing,
    missing_fields,
    prefill,
)
from ght_soc.declarations.export_json import to_json
from ght_soc.declarations.export_pdf import render_pdf
from ght_soc.declarations.facts import QualificationAnswers
from ght_soc.declarations.fields import FIELDS, FieldKind, FieldSpec, FieldValue, InvalidFieldValue
from ght_soc.declarations.qualification import Applicability
from ght_soc.declarations.regimes import Regime, Stage, StageKind
from ght_soc.domain import IncidentCategory, Role, TaskStatus
from ght_soc.models import Declaration, DeclarationStatus, Incident, RoleAssignment, User
from ght_soc.services.declarant_mandates import director_contact
from ght_soc.services.declarations import (
    DeclarationContext,
    DeclarationError,
    current_answers,
    declarations_of,
    group_clocks,
    groups,
    row_clock,
)

S = DeclarationStatus
TRANSITIONS: dict[DeclarationStatus, frozenset[DeclarationStatus]] = {
    S.DRAFT: frozenset({S.READY, S.OBSOLETE}),
    S.READY: frozenset({S.DRAFT, S.APPROVED, S.OBSOLETE}),
    S.APPROVED: frozenset({S.DRAFT, S.READY, S.SENT, S.OBSOLETE}),
    S.SENT: frozenset(),
    S.OBSOLETE: frozenset({S.DRAFT}),
}

CATEGORY_LABELS: dict[IncidentCategory, str] = {
    IncidentCategory.RANSOMWARE: "Rançongiciel ou effaceur",
    IncidentCategory.MAILBOX_COMPROMISE: "Compromission de messagerie",
    IncidentCategory.HOST_COMPROMISE: "Compromission de poste ou de serveur",
    IncidentCategory.EDGE_DEVICE_COMPROMISE: "Compromission d'équipement de bordure (VPN, pare-feu)",
    IncidentCategory.ACCOUNT_COMPROMISE: "Compromission de compte",
    IncidentCategory.PHISHING: "Hameçonnage ou courriels malveillants",
    IncidentCategory.DATA_LEAK: "Fuite ou exfiltration de données",
    IncidentCategory.DDOS: "Déni de service distribué",
    IncidentCategory.EXPLOITED_VULNERABILITY: "Vulnérabilité exposée exploitée",
    IncidentCategory.VENDOR_REMOTE_ACCESS: "Compromission d'une télémaintenance",
    IncidentCategory.HOSTING_OUTAGE: "Défaillance de l'hébergeur",
    IncidentCategory.TELECOM_LOSS: "Perte de liaison télécom",
    IncidentCategory.POWER_OUTAGE: "Panne électrique",
    IncidentCategory.OTHER: "Autre",
}


class FrozenDocument(DeclarationError):
    """A sent (or obsolete) document cannot change."""


def change_status(row: Declaration, to: DeclarationStatus) -> None:
    """Move the row to `to` as :data:`TRANSITIONS` allows; raises FrozenDocument otherwise."""
    if to != row.status and to not in TRANSITIONS[row.status]:
        raise FrozenDocument(f"a {row.status.value} declaration cannot become {to.value}")
    row.status = to


# --- values as JSON -----------------------------------------------------------------------------------------
def value_to_json(value: FieldValue) -> object:
    """A field value as stored in `Declaration.draft_values` (instants in UTC, lists as lists)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return list(value) if isinstance(value, tuple) else value


def _from_json(spec: FieldSpec, raw: object) -> FieldValue:
    if raw is None:
        return None
    if spec.kind == FieldKind.DATETIME and isinstance(raw, str):
        return datetime.fromisoformat(raw)
    if spec.kind == FieldKind.LIST and isinstance(raw, list):
        return tuple(str(v) for v in raw)
    return raw  # type: ignore[return-value]


def _values(row: Declaration) -> dict[str, FieldValue]:
    return {k: _from_json(FIELDS[k], v) for k, v in row.draft_values.items() if k in FIELDS}


# --- the incident as the documents see it ------------------------------------------------------------------
def incident_facts(*, session: Session, incident: Incident, context: DeclarationContext) -> IncidentFacts:
    """The incident, its members and its qualification, as the documents need them."""
    members = tuple(
        context.establishments[link.establishment.key]
        for link in incident.establishments
        if link.establishment.key in context.establishments
    )
    answers = current_answers(session=session, incident=incident)
    return IncidentFacts(
        title=incident.title,
        category=CATEGORY_LABELS[incident.category],
        severity=incident.severity.value,
        description=incident.description,
        establishments=members,
        answers=answers if answers is not None else QualificationAnswers(),
        occurred_at=incident.occurred_at,
        detected_at=incident.detected_at,
        discovered_at=incident.discovered_at,
        qualified_at=incident.qualified_at,
        contained_at=incident.contained_at,
        resolved_at=incident.resolved_at,
        actions_taken=tuple(t.title for t in incident.tasks if t.status == TaskStatus.DONE),
        iocs=tuple(f"{o.kind.value} : {o.value}" for o in incident.observables),
        dpo_contact=_dpo_contact(session),
    )


def _dpo_contact(session: Session) -> str:
    people = session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.DPO, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    return " ; ".join(f"{u.display_name} <{u.email}>" if u.email else u.display_name for u in people)


def applicability_of(row: Declaration, regime: Regime) -> Applicability:
    return Applicability(
        regime_id=regime.id,
        regime_title=regime.short_title,
        establishment_key=row.establishment.key,
        establishment_name=row.establishment.name,
        finess_ej=row.finess_ej,
        finess_et=tuple(row.finess_et),
        covers=tuple(row.covers),
        bound_reason=row.bound_reason,
        reasons=tuple(row.reasons),
    )


def prefill_row(
    *, session: Session, row: Declaration, incident: Incident, context: DeclarationContext, now: datetime
) -> None:
    """Fill the fields the user has not edited from the incident as it is now; the status follows."""
    regime = context.regimes[row.regime_id]
    director = director_contact(
        session=session,
        establishment_id=row.establishment_id,
        moment=now,
        zone=context.timezone(row.establishment.key),
    )
    fresh = prefill(
        replace(incident_facts(session=session, incident=incident, context=context), declarant=director),
        regime,
        StageKind(row.stage),
        applicability_of(row, regime),
    )
    kept = set(row.edited_fields)
    values = {k: v for k, v in _values(row).items() if k in kept}
    merged = {k: value_to_json(v) for k, v in fresh.values.items() if k not in kept}
    merged.update({k: value_to_json(v) for k, v in values.items()})
    if merged != row.draft_values:
        row.draft_values = merged
        row.updated_at = now
        withdraw_approval(row)
    settle_status(session=session, row=row, context=context, now=now)


# --- one document --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocumentView:
    row: Declaration
    regime: Regime
    stage: Stage
    applicability: Applicability
    draft: Draft
    clocks: tuple[StageClock, ...]  # every stage of the regime for this legal entity
    clock: StageClock
    timezone: str
    missing: tuple[Missing, ...]
    clock_status: ClockStatus


def document(
    *, session: Session, row: Declaration, context: DeclarationContext, now: datetime
) -> DocumentView:
    """The document as it stands at `now`: its draft, what is missing, its clock."""
    regime = context.regimes[row.regime_id]
    rows = groups(declarations_of(session=session, incident=row.incident))[(row.regime_id, row.finess_ej)]
    clocks = group_clocks(rows, regime, row.incident, context)
    clock = row_clock(row, clocks)
    draft = Draft(
        regime_id=regime.id,
        stage=StageKind(row.stage),
        establishment_key=row.establishment.key,
        finess_ej=row.finess_ej,
        fields=(),
        required=frozenset(),
    )
    stage = regime.stage(StageKind(row.stage))
    for key in stage.required_fields:
        draft = draft.requiring(key)
    draft = draft.with_values(_values(row))
    if clock.deadline_at is not None and (row.sent_at or now) > clock.deadline_at:
        draft = draft.requiring(LATE_REASONS)  # GDPR art. 33(1): a late notification gives its reasons
    return DocumentView(
        row=row,
        regime=regime,
        stage=stage,
        applicability=applicability_of(row, regime),
        draft=draft,
        clocks=tuple(clocks.values()),
        clock=clock,
        timezone=context.timezone(row.establishment.key),
        missing=tuple(missing_fields(draft)),
        clock_status=clock.status(now),
    )


def withdraw_approval(row: Declaration) -> None:
    """Content changed: an approval (and the DPO's review) no longer holds."""
    if row.status == S.APPROVED or row.dpo_reviewed_at is not None:
        row.approved_at, row.approved_by_id, row.approved_by_name = None, None, ""
        row.dpo_reviewed_at, row.dpo_reviewed_by_id, row.dpo_reviewed_by_name = None, None, ""
        if row.status == S.APPROVED:
            row.status = S.DRAFT


def settle_status(*, session: Session, row: Declaration, context: DeclarationContext, now: datetime) -> None:
    """Draft ↔ ready from what is missing; approved, sent and obsolete rows keep their status."""
    if row.status in (S.DRAFT, S.READY):
        session.flush()
        view = document(session=session, row=row, context=context, now=now)
        change_status(row, S.DRAFT if view.missing else S.READY)


# --- exports and forms --------------------------------------------------------------------------------------
def export_pdf(view: DocumentView, now: datetime) -> bytes:
    return render_pdf(
        view.draft, view.regime, view.applicability, view.clocks, timezone=view.timezone, generated_at=now
    )


def export_json(view: DocumentView, now: datetime) -> str:
    return to_json(
        view.draft, view.regime, view.applicability, view.clock, timezone=view.timezone, generated_at=now
    )


_YES, _NO = {"oui", "yes", "true", "1", "on"}, {"non", "no", "false", "0", "off"}


def parse_form_value(key: str, text: str, timezone: str) -> FieldValue:
    """A field typed in a form: local date-times on the establishment's wall clock, one list item a line."""
    spec = FIELDS[key]
    text = text.strip()
    if not text:
        return () if spec.kind == FieldKind.LIST else None
    if spec.kind == FieldKind.INT:
        if not text.isdigit():
            raise InvalidFieldValue(f"{spec.label} : un nombre entier positif est attendu")
        return int(text)
    if spec.kind == FieldKind.BOOL:
        if text.lower() not in _YES | _NO:
            raise InvalidFieldValue(f"{spec.label} : oui ou non")
        return text.lower() in _YES
    if spec.kind == FieldKind.DATETIME:
        try:
            local = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidFieldValue(f"{spec.label} : date et heure attendues") from None
        return local if local.tzinfo else local.replace(tzinfo=ZoneInfo(timezone))
    if spec.kind == FieldKind.LIST:
        return tuple(line.strip() for line in text.splitlines() if line.strip())
    return text
