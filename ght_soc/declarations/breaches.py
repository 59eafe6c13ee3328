"""The personal-data breach register (GDPR art. 33(5)): what one entry says, and what it still lacks.

Each controller (an establishment, one FINESS EJ) documents every breach, notified or not: the facts, their
effects, the remedial action, and the reasoning behind each decision (CNIL, art. 33; the persons, art. 34).
The fields follow the CNIL's model register. What a person writes is a :class:`BreachValues`; an entry is
read as a :class:`BreachEntry`, a frozen value the pages and the exports share, whose notification to the
CNIL may come from a recorded decision or from the incident's art. 33 declaration that was filed (see
ght_soc/services/breach_entries.py). Both share the breach's facts, declared once in :class:`BreachFacts`.

Labels are French domain text: the register is a French legal document.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ght_soc.declarations.facts import GdprRisk

# GDPR art. 33(1): "where feasible, not later than 72 hours after having become aware of it".
NOTIFICATION_DELAY = timedelta(hours=72)


class BreachOrigin(StrEnum):
    QUALIFICATION = "qualification"  # opened when an incident's qualification reported personal data
    MANUAL = "manual"  # recorded by hand: a misdirected letter needs no incident


class CnilDecision(StrEnum):
    """Whether the breach is notified to the CNIL (art. 33)."""

    PENDING = "pending"
    NOTIFIED = "notified"
    NOT_REQUIRED = "not_required"  # "unlikely to result in a risk": the reasoning is mandatory


class PersonsDecision(StrEnum):
    """Whether the persons concerned are informed (art. 34)."""

    PENDING = "pending"
    INFORMED = "informed"
    NOT_REQUIRED = "not_required"  # no high risk, or an exception of art. 34(3): the reasoning is mandatory


class Problem(StrEnum):
    """What an entry lacks; the first five refuse a save, the last one waits for the DPO's analysis."""

    CNIL_REASONING = "cnil_reasoning"
    CNIL_NOTIFICATION = "cnil_notification"
    LATE_REASONS = "late_reasons"
    PERSONS_REASONING = "persons_reasoning"
    PERSONS_INFORMATION = "persons_information"
    REQUALIFIED = "requalified"


BLOCKING = frozenset(Problem) - {Problem.REQUALIFIED}
# The field that resolves each problem (where a form shows it).
PROBLEM_FIELDS = {
    Problem.CNIL_REASONING: "cnil_reasoning",
    Problem.CNIL_NOTIFICATION: "cnil_reference",
    Problem.LATE_REASONS: "late_reasons",
    Problem.PERSONS_REASONING: "persons_reasoning",
    Problem.PERSONS_INFORMATION: "persons_informed_at",
    Problem.REQUALIFIED: "cnil_decision",
}

RISK_LABELS = {
    GdprRisk.UNLIKELY: "risque peu probable",
    GdprRisk.RISK: "risque",
    GdprRisk.HIGH: "risque élevé",
}
CNIL_LABELS = {
    CnilDecision.PENDING: "décision en attente",
    CnilDecision.NOTIFIED: "notifiée à la CNIL",
    CnilDecision.NOT_REQUIRED: "non notifiée (notification non requise)",
}
PERSONS_LABELS = {
    PersonsDecision.PENDING: "décision en attente",
    PersonsDecision.INFORMED: "personnes informées",
    PersonsDecision.NOT_REQUIRED: "personnes non informées (information non requise)",
}
# Every written field of an entry, in the register's order (the exports' columns, the timeline's wording).
FIELD_LABELS = {
    "title": "Intitulé",
    "circumstances": "Nature et circonstances de la violation",
    "occurred_at": "Date de la violation",
    "aware_at": "Prise de connaissance",
    "contained_at": "Fin ou maîtrise de la violation",
    "confidentiality": "Perte de confidentialité",
    "integrity": "Perte d'intégrité",
    "availability": "Perte de disponibilité",
    "data_categories": "Catégories de données",
    "health_data": "Données de santé",
    "person_categories": "Catégories de personnes",
    "persons_count": "Nombre approximatif de personnes",
    "records_count": "Nombre approximatif d'enregistrements",
    "consequences": "Conséquences probables",
    "measures": "Mesures prises ou envisagées",
    "risk": "Niveau de risque (appréciation du DPO)",
    "risk_reasoning": "Analyse du risque",
    "cnil_decision": "Notification à la CNIL",
    "cnil_notified_at": "Date de notification à la CNIL",
    "cnil_channel": "Moyen de notification",
    "cnil_reference": "Référence CNIL",
    "cnil_reasoning": "Justification de l'absence de notification",
    "late_reasons": "Motifs du retard de notification",
    "persons_decision": "Information des personnes (art. 34)",
    "persons_informed_at": "Date d'information des personnes",
    "persons_channel": "Moyen d'information des personnes",
    "persons_reasoning": "Justification de l'absence d'information",
}
PROBLEM_LABELS = {
    Problem.CNIL_REASONING: "la justification de l'absence de notification à la CNIL est obligatoire",
    Problem.CNIL_NOTIFICATION: "la date et la référence de la notification à la CNIL sont obligatoires",
    Problem.LATE_REASONS: "notification au-delà de 72 heures : les motifs du retard sont obligatoires",
    Problem.PERSONS_REASONING: "la justification de l'absence d'information des personnes est obligatoire",
    Problem.PERSONS_INFORMATION: "la date et le moyen d'information des personnes sont obligatoires",
    Problem.REQUALIFIED: (
        "l'incident a été requalifié sans données personnelles : le DPO consigne son analyse "
        "(décision CNIL et motif)"
    ),
}


@dataclass(frozen=True, slots=True)
class Notification:
    """A decision and, once acted on, when, how and with which reference; `declaration_id` when it comes
    from a declaration filed in the hub."""

    decision: str  # a CnilDecision or PersonsDecision value
    at: datetime | None = None
    channel: str = ""
    reference: str = ""
    declaration_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BreachFacts:
    """The breach itself as the register describes it: the facts, the data and persons concerned, the effects,
    the measures and the DPO's appraisal of the risk, in the register's order. Declared once, for what a person
    writes (:class:`BreachValues`) and what a page reads (:class:`BreachEntry`); keyword-only, so that a
    required field may follow an optional one and the order stays the register's."""

    title: str
    circumstances: str = ""
    occurred_at: datetime | None = None
    aware_at: datetime  # the art. 33 T0: the 72 hours run from it
    contained_at: datetime | None = None
    confidentiality: bool = False
    integrity: bool = False
    availability: bool = False
    data_categories: str = ""
    health_data: bool = False
    person_categories: str = ""
    persons_count: int | None = None
    records_count: int | None = None
    consequences: str = ""
    measures: str = ""
    risk: GdprRisk = GdprRisk.RISK
    risk_reasoning: str = ""


FACT_FIELDS = tuple(f.name for f in fields(BreachFacts))


def facts_of(source: BreachFacts) -> dict[str, Any]:
    """The facts of `source` as keyword arguments (an entry read from written values)."""
    return {name: getattr(source, name) for name in FACT_FIELDS}


@dataclass(frozen=True, slots=True, kw_only=True)
class BreachValues(BreachFacts):
    """What a person writes in an entry: every field of the register but its identity and what is derived
    (the names are the columns of `BreachRecord`, the order is the register's: see FIELD_LABELS)."""

    cnil_decision: CnilDecision = CnilDecision.PENDING
    cnil_notified_at: datetime | None = None
    cnil_channel: str = ""
    cnil_reference: str = ""
    cnil_reasoning: str = ""
    late_reasons: str = ""
    persons_decision: PersonsDecision = PersonsDecision.PENDING
    persons_informed_at: datetime | None = None
    persons_channel: str = ""
    persons_reasoning: str = ""


VALUE_FIELDS = tuple(f.name for f in fields(BreachValues))


@dataclass(frozen=True, slots=True, kw_only=True)
class BreachEntry(BreachFacts):
    """One line of the register as it stands: its identity, its facts, and the decisions as they read (the
    notifications derived from what was filed, see ght_soc/services/breach_entries.py); every `*_at` is
    timezone-aware."""

    id: int
    reference: str  # given once, when recorded: see ght_soc/services/breach_register.py
    establishment_id: int
    establishment_name: str
    finess_ej: str
    timezone: str
    origin: BreachOrigin
    recorded_at: datetime
    recorded_by: str
    updated_at: datetime
    updated_by: str
    incident_id: int | None = None
    incident_reference: str = ""
    cnil: Notification = Notification(CnilDecision.PENDING.value)
    cnil_reasoning: str = ""
    late_reasons: str = ""  # written, or read from the filed art. 33 document
    persons: Notification = Notification(PersonsDecision.PENDING.value)
    persons_reasoning: str = ""
    withdrawn_at: datetime | None = None  # the incident was re-qualified without personal data

    @property
    def cnil_deadline(self) -> datetime:
        return self.aware_at + NOTIFICATION_DELAY

    @property
    def late(self) -> bool:
        """Notified more than 72 hours after awareness (art. 33(1): the reasons for the delay are due)."""
        return self.cnil.at is not None and self.cnil.at > self.cnil_deadline

    def overdue(self, now: datetime) -> bool:
        """No decision yet and the 72 hours are over."""
        return self.cnil.decision == CnilDecision.PENDING and now > self.cnil_deadline

    @property
    def nature(self) -> tuple[str, ...]:
        """The kinds of breach, as the CNIL names them."""
        kinds = (
            ("perte de confidentialité", self.confidentiality),
            ("perte d'intégrité", self.integrity),
            ("perte de disponibilité", self.availability),
        )
        return tuple(name for name, hit in kinds if hit)

    @property
    def problems(self) -> tuple[Problem, ...]:
        """What the entry still lacks, in the register's order."""
        found: list[Problem] = []
        if self.cnil.decision == CnilDecision.NOT_REQUIRED and not self.cnil_reasoning.strip():
            found.append(Problem.CNIL_REASONING)
        if self.cnil.decision == CnilDecision.NOTIFIED and not (self.cnil.at and self.cnil.reference.strip()):
            found.append(Problem.CNIL_NOTIFICATION)
        if self.late and not self.late_reasons.strip():
            found.append(Problem.LATE_REASONS)
        if self.persons.decision == PersonsDecision.NOT_REQUIRED and not self.persons_reasoning.strip():
            found.append(Problem.PERSONS_REASONING)
        if self.persons.decision == PersonsDecision.INFORMED and not (
            self.persons.at and self.persons.channel.strip()
        ):
            found.append(Problem.PERSONS_INFORMATION)
        if self.withdrawn_at is not None and self.cnil.decision == CnilDecision.PENDING:
            found.append(Problem.REQUALIFIED)
        return tuple(found)

    @property
    def blocking(self) -> tuple[Problem, ...]:
        """The problems that refuse a save."""
        return tuple(p for p in self.problems if p in BLOCKING)
