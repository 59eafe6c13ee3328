"""Reading the breach register: its rows as :class:`BreachEntry` values, notifications derived.

An entry linked to an incident reads that incident's GDPR declarations of its legal entity: the art. 33
initial notification recorded as sent makes the entry "notified" (date, channel and the CNIL's reference),
the art. 34 communication recorded as sent makes the persons "informed", and the art. 33 T0 is the awareness
time unless the DPO corrected it in the register. Derived when read, so the declaration workflow needs no
hook and the register never disagrees with what was filed. Writers are in breach_register.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.declarations.breaches import (
    VALUE_FIELDS,
    BreachEntry,
    BreachValues,
    CnilDecision,
    Notification,
    PersonsDecision,
    facts_of,
)
from ght_soc.declarations.documents import LATE_REASONS
from ght_soc.declarations.regimes import StageKind
from ght_soc.models import BreachRecord, Declaration, DeclarationStatus
from ght_soc.services.declarations import DeclarationContext

# The regime ids of config/regimes/gdpr_art33.yaml and gdpr_art34.yaml.
GDPR_ART33 = "gdpr_art33"
GDPR_ART34 = "gdpr_art34"


def values_of(row: BreachRecord) -> BreachValues:
    """The row's written values (what an edit form starts from)."""
    return BreachValues(**{name: getattr(row, name) for name in VALUE_FIELDS})


@dataclass(frozen=True)
class Filed:
    """The incident's GDPR declarations of one legal entity, as the register reads them."""

    art33_t0: datetime | None = None
    art33_sent: Declaration | None = None
    art34_sent: Declaration | None = None


def filed_declarations(*, session: Session, incident_ids: Iterable[int]) -> dict[tuple[int, str], Filed]:
    """By (incident, FINESS EJ): the art. 33 T0 and the initial art. 33 / art. 34 documents recorded as sent."""
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(Declaration)
        .where(
            Declaration.incident_id.in_(ids),
            Declaration.regime_id.in_((GDPR_ART33, GDPR_ART34)),
            Declaration.stage == StageKind.INITIAL.value,
        )
        .order_by(Declaration.id)
    )
    found: dict[tuple[int, str], Filed] = {}
    for row in rows:
        key = (row.incident_id, row.finess_ej)
        current = found.get(key, Filed())
        sent = row if row.status == DeclarationStatus.SENT else None
        if row.regime_id == GDPR_ART33:
            current = dataclasses.replace(current, art33_t0=row.t0_at, art33_sent=sent or current.art33_sent)
        else:
            current = dataclasses.replace(current, art34_sent=sent or current.art34_sent)
        found[key] = current
    return found


def effective_values(row: BreachRecord, filed: Mapping[tuple[int, str], Filed]) -> BreachValues:
    """The row's values, awareness read from the art. 33 T0 unless corrected in the register (the T0 may
    have been corrected on the declaration since the entry was opened)."""
    values = values_of(row)
    t0 = _linked(row, filed).art33_t0
    if t0 is not None and "aware_at" not in row.edited_fields:
        values = dataclasses.replace(values, aware_at=t0)
    return values


def _linked(row: BreachRecord, filed: Mapping[tuple[int, str], Filed]) -> Filed:
    return filed.get((row.incident_id, row.finess_ej), Filed()) if row.incident_id is not None else Filed()


def entry_of(
    row: BreachRecord,
    filed: Mapping[tuple[int, str], Filed],
    context: DeclarationContext,
    values: BreachValues | None = None,
) -> BreachEntry:
    """The entry as it reads: `values` (default: the row's effective ones) with what was filed."""
    written = values or effective_values(row, filed)
    linked = _linked(row, filed)
    late_reasons = written.late_reasons
    if linked.art33_sent is not None and not late_reasons.strip():
        # The filed document gave its reasons for the delay (the workflow requires them when late).
        late_reasons = str(linked.art33_sent.draft_values.get(LATE_REASONS) or "")
    return BreachEntry(
        **facts_of(written),
        id=row.id,
        reference=row.reference,
        establishment_id=row.establishment_id,
        establishment_name=row.establishment.name,
        finess_ej=row.finess_ej,
        timezone=context.timezone(row.establishment.key),
        origin=row.origin,
        incident_id=row.incident_id,
        incident_reference=row.incident.reference if row.incident is not None else "",
        recorded_at=row.created_at,
        recorded_by=row.created_by_name,
        updated_at=row.updated_at,
        updated_by=row.updated_by_name,
        withdrawn_at=row.withdrawn_at,
        cnil=_cnil(written, linked.art33_sent),
        cnil_reasoning=written.cnil_reasoning,
        late_reasons=late_reasons,
        persons=_persons(written, linked.art34_sent),
        persons_reasoning=written.persons_reasoning,
    )


def _cnil(written: BreachValues, sent: Declaration | None) -> Notification:
    if sent is not None:
        return Notification(
            CnilDecision.NOTIFIED.value, sent.sent_at, sent.sent_channel, sent.sent_reference, sent.id
        )
    if written.cnil_decision == CnilDecision.NOTIFIED:
        return Notification(
            written.cnil_decision.value,
            written.cnil_notified_at,
            written.cnil_channel,
            written.cnil_reference,
        )
    return Notification(written.cnil_decision.value)


def _persons(written: BreachValues, sent: Declaration | None) -> Notification:
    if sent is not None:
        return Notification(
            PersonsDecision.INFORMED.value, sent.sent_at, sent.sent_channel, sent.sent_reference, sent.id
        )
    if written.persons_decision == PersonsDecision.INFORMED:
        return Notification(
            written.persons_decision.value, written.persons_informed_at, written.persons_channel
        )
    return Notification(written.persons_decision.value)


def read(*, session: Session, row: BreachRecord, context: DeclarationContext) -> BreachEntry:
    """One entry as it reads now."""
    filed = filed_declarations(session=session, incident_ids=[row.incident_id] if row.incident_id else [])
    return entry_of(row, filed, context)


def current_values(*, session: Session, row: BreachRecord) -> BreachValues:
    """What an edit form starts from: the row's values, awareness as the entry reads it."""
    filed = filed_declarations(session=session, incident_ids=[row.incident_id] if row.incident_id else [])
    return effective_values(row, filed)


def register(
    *,
    session: Session,
    context: DeclarationContext,
    establishment_id: int | None = None,
    year: int | None = None,
    incident_id: int | None = None,
) -> list[BreachEntry]:
    """The register in the session's scope, by establishment then reference; optionally one member, one year
    of recording (the year of the references), one incident."""
    statement = select(BreachRecord)
    if incident_id is not None:
        statement = statement.where(BreachRecord.incident_id == incident_id)
    if establishment_id is not None:
        statement = statement.where(BreachRecord.establishment_id == establishment_id)
    if year is not None:
        statement = statement.where(BreachRecord.year == year)
    rows: Sequence[BreachRecord] = session.scalars(
        statement.order_by(BreachRecord.establishment_id, BreachRecord.year, BreachRecord.number)
    ).all()
    filed = filed_declarations(session=session, incident_ids=[r.incident_id for r in rows if r.incident_id])
    return [entry_of(row, filed, context) for row in rows]


def years(*, session: Session) -> list[int]:
    """The years of recording the register holds entries for, in the session's scope, newest first."""
    return sorted(set(session.scalars(select(BreachRecord.year))), reverse=True)


def of_incident(*, session: Session, incident_id: int) -> list[BreachRecord]:
    """The entries linked to an incident, visible in the session's scope."""
    return list(
        session.scalars(
            select(BreachRecord).where(BreachRecord.incident_id == incident_id).order_by(BreachRecord.id)
        )
    )
