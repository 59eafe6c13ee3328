"""What people do to a declaration document: edit it, review it as the DPO, approve it, and record its filing
or the recipient's request for a stage.

Each step checks the actor's rights over the document's establishment and writes the step on the main
courante. Editing an approved document withdraws the approval (what was approved is no longer what would be
filed). The hub never files: :func:`record_sent` records what a person did on the portal, on paper or by
phone. What a document is (content, status rules, view, exports) is in declaration_documents.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from ght_soc.access import Permission, Principal
from ght_soc.declarations.clocks import check_t0, format_local
from ght_soc.declarations.documents import Missing
from ght_soc.declarations.fields import FieldValue
from ght_soc.declarations.mandates import Mandate, contact
from ght_soc.declarations.regimes import StageKind, StartKind
from ght_soc.domain import Role, TimelineKind
from ght_soc.models import Declaration, DeclarationStatus
from ght_soc.services import audit, declarant_mandates, timeline
from ght_soc.services.declaration_documents import (
    DocumentView,
    FrozenDocument,
    change_status,
    document,
    settle_status,
    value_to_json,
    withdraw_approval,
)
from ght_soc.services.declarations import DeclarationContext, DeclarationError, NotAllowed, refresh_clocks

S = DeclarationStatus


class MissingFields(DeclarationError):
    """Approval refused: required fields are blank."""

    def __init__(self, missing: list[Missing]) -> None:
        super().__init__("missing fields: " + "; ".join(str(m) for m in missing))
        self.missing = missing


class DpoReviewRequired(DeclarationError):
    """A GDPR document needs the DPO's review before it is approved."""


def _require(actor: Principal, row: Declaration, *permissions: Permission) -> None:
    if not any(actor.can(p, row.establishment_id) for p in permissions):
        raise NotAllowed(f"this needs the {' or '.join(p.value for p in permissions)} permission here")


def save_values(
    *,
    session: Session,
    row: Declaration,
    values: Mapping[str, FieldValue],
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
) -> DocumentView:
    """Write fields of a draft (types checked); editing an approved document withdraws its approval."""
    _require(actor, row, Permission.DECLARE, Permission.WORK_INCIDENTS)
    if row.status in (S.SENT, S.OBSOLETE):
        raise FrozenDocument(f"a {row.status.value} declaration cannot be edited")
    view = document(session=session, row=row, context=context, now=now)
    draft = view.draft.with_values(values)  # raises InvalidFieldValue / UnknownField
    changed = sorted(k for k in values if draft.value(k) != view.draft.value(k))
    if not changed:
        return view
    row.draft_values = {k: value_to_json(v) for k, v in draft.values.items()}
    row.edited_fields = sorted(set(row.edited_fields) | set(changed))
    row.updated_at = now
    was_approved = row.status == S.APPROVED
    withdraw_approval(row)
    settle_status(session=session, row=row, context=context, now=now)
    if was_approved:
        _record(session, row, context, actor, now, "Approbation retirée (document modifié)")
    return document(session=session, row=row, context=context, now=now)


def review_as_dpo(
    *, session: Session, row: Declaration, context: DeclarationContext, actor: Principal, now: datetime
) -> None:
    """The DPO's review of a document (required before approving a GDPR one)."""
    if not _holds(actor, Role.DPO, row.establishment_id):
        raise NotAllowed("only the DPO reviews a declaration")
    if row.status not in (S.DRAFT, S.READY):
        raise FrozenDocument(f"a {row.status.value} declaration is not reviewed again")
    row.dpo_reviewed_at, row.dpo_reviewed_by_id, row.dpo_reviewed_by_name = (
        now,
        actor.user_id,
        actor.display_name,
    )
    _record(session, row, context, actor, now, "Relu par le DPO")


def _holds(actor: Principal, role: Role, establishment_id: int) -> bool:
    return any(g.role == role and g.establishment_id in (None, establishment_id) for g in actor.grants)


def approve(
    *, session: Session, row: Declaration, context: DeclarationContext, actor: Principal, now: datetime
) -> None:
    """Approve a complete document: by the director or a delegate (mandate valid today for the regime), the DPO
    having reviewed a GDPR one. The approver becomes the document's declarant."""
    _require(actor, row, Permission.DECLARE)
    if actor.user_id is None:
        raise NotAllowed("a declaration is approved by a person")
    if row.status not in (S.DRAFT, S.READY):
        raise FrozenDocument(f"a {row.status.value} declaration cannot be approved")
    mandate = _mandate(session, row, context, actor, now)
    _name_declarant(row, mandate)
    view = document(session=session, row=row, context=context, now=now)
    if view.missing:
        raise MissingFields(list(view.missing))
    if view.regime.reviewed_by_dpo and row.dpo_reviewed_at is None:
        if not _holds(actor, Role.DPO, row.establishment_id):
            raise DpoReviewRequired("this declaration must be reviewed by the DPO before it is approved")
        row.dpo_reviewed_at, row.dpo_reviewed_by_id = now, actor.user_id
        row.dpo_reviewed_by_name = actor.display_name
    change_status(row, S.READY)
    change_status(row, S.APPROVED)
    row.approved_at, row.approved_by_id, row.approved_by_name = now, actor.user_id, actor.display_name
    _record(session, row, context, actor, now, "Approuvée")
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.DECLARATION_APPROVED,
        target=f"declaration:{row.id}",
        details={"regime": row.regime_id, "stage": str(row.stage)},
        now=now,
    )


def record_sent(
    *,
    session: Session,
    row: Declaration,
    sent_at: datetime,
    channel: str,
    reference: str,
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
) -> None:
    """Record that a person filed the approved document (when, how, the recipient's reference); it freezes,
    and the follow-up stages that start from it get their clocks. The person held a mandate when they filed."""
    _require(actor, row, Permission.DECLARE)
    if actor.user_id is None:
        raise NotAllowed("the hub never files a declaration: a person records it")
    if row.status != S.APPROVED:
        raise FrozenDocument("only an approved declaration is recorded as sent")
    sent_at = check_t0(sent_at, now)  # the same rules as a T0: zoned, not in the future
    _mandate(session, row, context, actor, sent_at)
    if not channel.strip() or not reference.strip():
        raise DeclarationError("the channel and the recipient's reference are both required")
    change_status(row, S.SENT)
    row.sent_at, row.sent_recorded_at = sent_at, now
    row.sent_by_id, row.sent_by_name = actor.user_id, actor.display_name
    row.sent_channel, row.sent_reference = channel.strip()[:200], reference.strip()[:200]
    refresh_clocks(session=session, incident=row.incident, context=context)
    zone = context.timezone(row.establishment.key)
    _record(
        session,
        row,
        context,
        actor,
        now,
        f"Déposée le {format_local(sent_at, zone)} via {row.sent_channel}, référence {row.sent_reference}",
    )
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.DECLARATION_SENT,
        target=f"declaration:{row.id}",
        details={
            "regime": row.regime_id,
            "stage": str(row.stage),
            "channel": row.sent_channel,
            "reference": row.sent_reference,
        },
        now=now,
    )


def request_stage(
    *,
    session: Session,
    row: Declaration,
    requested_at: datetime,
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
) -> None:
    """Record that the recipient asked for a stage "on request" (NIS 2 intermediate report): its clock starts."""
    _require(actor, row, Permission.DECLARE)
    if context.regimes[row.regime_id].stage(StageKind(row.stage)).starts.kind != StartKind.REQUEST:
        raise DeclarationError("this stage does not start on request")
    row.requested_at = check_t0(requested_at, now)
    refresh_clocks(session=session, incident=row.incident, context=context)
    _record(session, row, context, actor, now, "Demandé par le destinataire")


def _mandate(
    session: Session, row: Declaration, context: DeclarationContext, actor: Principal, moment: datetime
) -> Mandate:
    return declarant_mandates.authority_for(
        session=session,
        actor=actor,
        establishment=row.establishment,
        regime_id=row.regime_id,
        regime_title=context.regimes[row.regime_id].short_title,
        moment=moment,
        zone=context.timezone(row.establishment.key),
    )


def _name_declarant(row: Declaration, mandate: Mandate) -> None:
    """The one approving is the declarant in law: their name and quality replace the prefilled director's."""
    who = contact(mandate)
    values = dict(row.draft_values)
    values.update({"declarant_name": who.name, "delegation": who.delegation})
    for key, value in zip(_DECLARANT_FIELDS[2:], (who.function, who.email, who.phone), strict=True):
        if value or key not in values:
            values[key] = value or None
    row.draft_values = values
    row.edited_fields = sorted(set(row.edited_fields) | set(_DECLARANT_FIELDS))  # re-prefills keep them


_DECLARANT_FIELDS = (
    "declarant_name",
    "delegation",
    "declarant_function",
    "declarant_email",
    "declarant_phone",
)


def _record(
    session: Session,
    row: Declaration,
    context: DeclarationContext,
    actor: Principal,
    now: datetime,
    what: str,
) -> None:
    regime = context.regimes[row.regime_id]
    stage = regime.stage(StageKind(row.stage))
    timeline.record(
        session=session,
        incident=row.incident,
        kind=TimelineKind.DECLARATION,
        text=f"{regime.short_title} — {stage.title} — {row.establishment.name} : {what}",
        actor=actor,
        now=now,
        data={"declaration": row.id, "regime": row.regime_id, "stage": row.stage, "status": row.status.value},
    )
