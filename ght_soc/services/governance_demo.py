"""Demo governance data: shared people and their shares, obligations in various states, budgets, exercises,
and six months of maturity snapshots, so that `ght-soc demo` shows the matrix, its charts and an overload."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.governance.budget import BudgetEntry
from ght_soc.governance.catalogue import Catalogue
from ght_soc.governance.enums import (
    ComplianceStatus,
    DesignationRole,
    ExerciseLevel,
    HygieneLevel,
    ResourceKind,
)
from ght_soc.governance.enums import ShareUnit as U
from ght_soc.governance.shares import Share
from ght_soc.governance.status import add_months
from ght_soc.models import Establishment
from ght_soc.models.governance import MaturitySnapshot, SharedResource
from ght_soc.services.maturity import take_snapshots
from ght_soc.services.obligations import (
    Actor,
    NewExercise,
    NewRecord,
    record_budget,
    record_compliance,
    record_exercise,
)
from ght_soc.services.shared_resources import NewDesignation, NewResource, create_resource, designate

ACTOR = Actor("Claire Martin (RSSI du GHT)")
R = DesignationRole

# (name, organisation, kind, role, {establishment key prefix: share}); the pooled RSSI adds up to 110 %.
PEOPLE = (
    (
        "Claire Martin",
        "CHU Tours",
        ResourceKind.PERSON,
        R.POOLED_RSSI,
        {
            "chu": Share(50, U.PERCENT),
            "ch-": Share(4, U.DAYS_PER_MONTH),
            "epsm": Share(15, U.PERCENT),
            "ehpad": Share(5, U.PERCENT),
            "clinique": Share(10, U.PERCENT),
            "radio": Share(5, U.PERCENT),
            "labo": Share(5, U.PERCENT),
        },
    ),
    ("Sophie Bernard", "CHU Tours", ResourceKind.PERSON, R.DPO, {"": Share(12, U.PERCENT)}),
    (
        "Julien Petit",
        "CHU Tours",
        ResourceKind.PERSON,
        R.ON_CALL_ENGINEER,
        {
            "chu": Share(2, U.DAYS_PER_MONTH),
            "ch-": Share(1, U.DAYS_PER_MONTH),
            "epsm": Share(1, U.DAYS_PER_MONTH),
        },
    ),
    (
        "CyberRéponse SAS (démo)",
        "Prestataire",
        ResourceKind.PROVIDER,
        R.IR_PROVIDER,
        {"": Share(1, U.DAYS_PER_MONTH)},
    ),
)


def seed_governance(*, session: Session, catalogue: Catalogue, now: datetime) -> bool:
    """Add the demo governance data once (nothing when a shared resource already exists)."""
    if session.scalars(select(SharedResource).limit(1)).first() is not None:
        return False
    today = now.date()
    establishments = list(session.scalars(select(Establishment).order_by(Establishment.id)))
    for name, organisation, kind, role, shares in PEOPLE:
        resource = create_resource(
            session=session,
            resource=NewResource(
                kind, name, organisation, email=f"{name.split()[0].lower()}@ght-demo.invalid"
            ),
            now=now,
        )
        for index, e in enumerate(establishments):
            share = next((s for prefix, s in shares.items() if e.key.startswith(prefix)), None)
            if share is None:
                continue
            ends = add_months(today, 1) if role is R.DPO and index == 1 else None  # one reminder to show
            designate(
                session=session,
                establishment_id=e.id,
                designation=NewDesignation(
                    resource.id,
                    role,
                    share,
                    date(2024, 1, 1),
                    ends,
                    date(2023, 12, 15),
                    f"Décision n° {2024}-{index + 1:02d}",
                ),
                actor=ACTOR.name,
                now=now,
            )
    for index, e in enumerate(establishments):
        correspondent = create_resource(
            session=session,
            resource=NewResource(ResourceKind.PERSON, f"Correspondant sécurité {e.short_name}", e.short_name),
            now=now,
        )
        designate(
            session=session,
            establishment_id=e.id,
            designation=NewDesignation(
                correspondent.id, R.SECURITY_CORRESPONDENT, Share(20, U.PERCENT), date(2024, 3, 1)
            ),
            actor=ACTOR.name,
            now=now,
        )
        _obligations(session, catalogue, e, index, today, now)
    _snapshots(session, catalogue, today)
    return True


def _obligations(
    session: Session, catalogue: Catalogue, e: Establishment, index: int, today: date, now: datetime
) -> None:
    # Budgets: most within 5-10 %, a few below the floor; two establishments have not entered this year.
    percents = (7.5, 6.0, 4.0, 3.2, 5.5, 8.0, 4.5, 6.5)
    it_budget = 40_000_000 if e.is_support else 4_000_000 + 1_000_000 * index
    for year in (today.year - 1, today.year):
        if year == today.year and index in (3, 6):
            continue
        cyber = round(it_budget * percents[index % len(percents)] / 100)
        record_budget(
            session=session,
            establishment_id=e.id,
            entry=BudgetEntry(year, it_budget, cyber),
            comment="",
            actor=ACTOR,
            now=now,
        )
    if index % 3 != 2:  # every third establishment is late on its exercise
        record_exercise(
            session=session,
            establishment_id=e.id,
            exercise=NewExercise(
                today - timedelta(days=40 + 30 * index),
                ExerciseLevel.LEVEL_1 if index else ExerciseLevel.LEVEL_2,
                "Rançongiciel sur le DPI (kit ANS)",
                "Direction, DSI, cadres de santé",
                "Annuaire de crise à jour",
            ),
            actor=ACTOR,
            now=now,
        )
    else:
        record_exercise(
            session=session,
            establishment_id=e.id,
            exercise=NewExercise(
                today - timedelta(days=420), ExerciseLevel.LEVEL_1, "Perte de la messagerie"
            ),
            actor=ACTOR,
            now=now,
        )
    manual = ["dpo-declare-cnil", "sauvegardes-hors-ligne", "plan-continuite", "procedure-signalement"]
    if e.is_ose:
        manual += ["ose-contact-anssi", "ose-regles"]
    for position, key in enumerate(manual):
        if (position + index) % 4 == 3:
            continue  # left unassessed
        status = ComplianceStatus.MET if (position + index) % 3 else ComplianceStatus.PARTIAL
        record_compliance(
            session=session,
            catalogue=catalogue,
            establishment=e,
            actor=ACTOR,
            now=now,
            record=NewRecord(key, status, done_on=today - timedelta(days=60 + 20 * position)),
        )
    # Hygiene self-assessment: the larger establishments went further.
    depth = max(6, 42 - 5 * index)
    for measure in catalogue.measures[:depth]:
        if measure.reinforced_only and not e.is_ose:
            continue
        status = ComplianceStatus.MET if (measure.number + index) % 4 else ComplianceStatus.NOT_MET
        record_compliance(
            session=session,
            catalogue=catalogue,
            establishment=e,
            actor=ACTOR,
            now=now,
            record=NewRecord(
                measure.key, status, level=HygieneLevel.STANDARD, done_on=today - timedelta(days=30)
            ),
        )


def _snapshots(session: Session, catalogue: Catalogue, today: date) -> None:
    """Today's real scores, and five earlier months drawn a little lower, for the trend."""
    take_snapshots(session=session, catalogue=catalogue, today=today)
    for snapshot in list(session.scalars(select(MaturitySnapshot).where(MaturitySnapshot.taken_on == today))):
        for months in range(1, 6):
            lower = {
                k: (None if v is None else max(0, v - 5 * months - snapshot.establishment_id % 3 * 2))
                for k, v in snapshot.scores.items()
            }
            overall = None if snapshot.overall is None else max(0, snapshot.overall - 5 * months)
            session.add(
                MaturitySnapshot(
                    establishment_id=snapshot.establishment_id,
                    taken_on=add_months(today, -months),
                    scores=lower,
                    overall=overall,
                )
            )
    session.flush()
