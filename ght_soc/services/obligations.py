"""Recording governance evidence: documents, obligation and measure records (history kept), budgets, exercises."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.governance.budget import BudgetEntry, check_budget
from ght_soc.governance.catalogue import Catalogue, Profile
from ght_soc.governance.enums import RECORDABLE_STATUSES, ComplianceStatus, ExerciseLevel, HygieneLevel
from ght_soc.governance.errors import GovernanceInputError, InputProblem
from ght_soc.models import Establishment
from ght_soc.models.governance import ComplianceRecord, CrisisExercise, CyberBudget, EvidenceDocument

DEFAULT_MAX_EVIDENCE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Actor:
    """Who records: their name (kept in the history even if the account goes) and account id."""

    name: str
    user_id: int | None = None


@dataclass(frozen=True)
class NewRecord:
    item_key: str
    status: ComplianceStatus
    comment: str = ""
    is_override: bool = False
    level: HygieneLevel | None = None
    done_on: date | None = None
    evidence_id: int | None = None
    evidence_url: str | None = None


@dataclass(frozen=True)
class NewExercise:
    held_on: date
    level: ExerciseLevel
    scenario: str
    participants: str = ""
    lessons: str = ""
    evidence_id: int | None = None


def profile_of(establishment: Establishment) -> Profile:
    return Profile(is_support=establishment.is_support, is_ose=establishment.is_ose)


def store_evidence(
    *,
    session: Session,
    establishment_id: int,
    filename: str,
    content_type: str,
    data: bytes,
    actor: Actor,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES,
) -> EvidenceDocument:
    """Keep an uploaded proof; a document over `max_bytes` is refused and nothing is stored."""
    if len(data) > max_bytes:
        raise GovernanceInputError(InputProblem.EVIDENCE_TOO_LARGE, "document", limit=max_bytes)
    row = EvidenceDocument(
        establishment_id=establishment_id,
        filename=(filename or "document").rsplit("/", 1)[-1][:255],
        content_type=content_type[:120] or "application/octet-stream",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        uploaded_by=actor.name,
        uploaded_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get_evidence(*, session: Session, evidence_id: int) -> EvidenceDocument | None:
    return session.scalars(select(EvidenceDocument).where(EvidenceDocument.id == evidence_id)).one_or_none()


def record_compliance(
    *,
    session: Session,
    catalogue: Catalogue,
    establishment: Establishment,
    record: NewRecord,
    actor: Actor,
    now: datetime,
) -> ComplianceRecord:
    """Add a person's statement on an obligation or measure; earlier ones stay as history."""
    profile = profile_of(establishment)
    obligation, measure = catalogue.obligation(record.item_key), catalogue.measure(record.item_key)
    if obligation is None and measure is None:
        raise GovernanceInputError(InputProblem.UNKNOWN_ITEM, "item", key=record.item_key)
    applies = (obligation is not None and obligation in catalogue.applicable_obligations(profile)) or (
        measure is not None and measure in catalogue.applicable_measures(profile)
    )
    if not applies:
        raise GovernanceInputError(InputProblem.NOT_APPLICABLE_ITEM, "item", key=record.item_key)
    if record.status not in RECORDABLE_STATUSES:
        raise GovernanceInputError(InputProblem.STATUS_NOT_RECORDABLE, "status")
    if record.is_override and not record.comment.strip():
        raise GovernanceInputError(InputProblem.REASON_REQUIRED, "comment")
    if record.done_on is not None and record.done_on > now.date():
        raise GovernanceInputError(InputProblem.DATE_IN_FUTURE, "done_on", date=record.done_on.isoformat())
    if record.evidence_url and urlsplit(record.evidence_url).scheme not in ("http", "https"):
        raise GovernanceInputError(InputProblem.EVIDENCE_URL_INVALID, "evidence_url")
    row = ComplianceRecord(
        establishment_id=establishment.id,
        item_key=record.item_key,
        status=record.status,
        level=record.level if measure is not None and record.status is ComplianceStatus.MET else None,
        is_override=record.is_override,
        comment=record.comment.strip(),
        done_on=record.done_on,
        evidence_id=record.evidence_id,
        evidence_url=record.evidence_url or None,
        recorded_by=actor.name,
        recorded_by_id=actor.user_id,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    return row


def history(
    *, session: Session, establishment_id: int, item_key: str | None = None
) -> Sequence[ComplianceRecord]:
    """Every record of the establishment (or of one item), newest first."""
    query = select(ComplianceRecord).where(ComplianceRecord.establishment_id == establishment_id)
    if item_key is not None:
        query = query.where(ComplianceRecord.item_key == item_key)
    return session.scalars(
        query.order_by(ComplianceRecord.recorded_at.desc(), ComplianceRecord.id.desc())
    ).all()


def record_budget(
    *, session: Session, establishment_id: int, entry: BudgetEntry, comment: str, actor: Actor, now: datetime
) -> CyberBudget:
    """Enter (or correct) one year's budgets; a negative or absurd value is refused."""
    check_budget(entry, now.year)
    row = session.scalars(
        select(CyberBudget).where(
            CyberBudget.establishment_id == establishment_id, CyberBudget.year == entry.year
        )
    ).one_or_none()
    if row is None:
        row = CyberBudget(establishment_id=establishment_id, year=entry.year)
        session.add(row)
    row.it_budget, row.cyber_budget, row.comment = entry.it_budget, entry.cyber_budget, comment.strip()
    row.entered_by, row.entered_at = actor.name, now
    session.flush()
    return row


def budgets(*, session: Session, establishment_id: int) -> Sequence[CyberBudget]:
    return session.scalars(
        select(CyberBudget)
        .where(CyberBudget.establishment_id == establishment_id)
        .order_by(CyberBudget.year.desc())
    ).all()


def record_exercise(
    *, session: Session, establishment_id: int, exercise: NewExercise, actor: Actor, now: datetime
) -> CrisisExercise:
    """Record a crisis exercise held (not one planned: a future date is refused)."""
    if exercise.held_on > now.date():
        raise GovernanceInputError(InputProblem.DATE_IN_FUTURE, "held_on", date=exercise.held_on.isoformat())
    row = CrisisExercise(
        establishment_id=establishment_id,
        held_on=exercise.held_on,
        level=exercise.level,
        scenario=exercise.scenario.strip(),
        participants=exercise.participants.strip(),
        lessons=exercise.lessons.strip(),
        evidence_id=exercise.evidence_id,
        recorded_by=actor.name,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    return row


def exercises(*, session: Session, establishment_id: int) -> Sequence[CrisisExercise]:
    return session.scalars(
        select(CrisisExercise)
        .where(CrisisExercise.establishment_id == establishment_id)
        .order_by(CrisisExercise.held_on.desc())
    ).all()
