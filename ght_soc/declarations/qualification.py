"""Qualification: from the questionnaire's answers to the declarations an incident calls for, with their reasons.

:func:`applicable_regimes` gives one :class:`Applicability` per (regime, legal entity): the affected
establishments are grouped by FINESS EJ (several sites of one legal entity file one declaration), each group is
kept when one of its establishments is bound by the regime, and the support establishment is added for the
regimes that make it declare for the shared IS (NIS 1), even when it is not itself among the affected.
Disabled regimes (NIS 2 until the French law applies) never appear.

Answers can change: call :func:`applicable_regimes` again and :func:`diff` the two results (and
:func:`answer_changes` the two questionnaires) to write the change on the incident timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from ght_soc.declarations.facts import EstablishmentFacts, QualificationAnswers
from ght_soc.declarations.fields import CARE_IMPACT_LABELS, MALICIOUS_LABELS
from ght_soc.declarations.regimes import Regime, RegimeRegistry

SHARED_IS_REASON = "déclare pour le SI partagé du GHT"

# The questionnaire, in the order it is asked; the labels are French domain text.
QUESTIONS: dict[str, str] = {
    "care_impact": "Impact sur la prise en charge des patients",
    "data_confidentiality": "Atteinte à la confidentialité des données",
    "data_integrity": "Atteinte à l'intégrité des données (altération, perte)",
    "data_availability": "Atteinte à la disponibilité des données",
    "personal_data": "Des données à caractère personnel sont concernées",
    "health_data": "Des données de santé sont concernées",
    "persons_concerned": "Nombre approximatif de personnes concernées",
    "gdpr_risk": "Risque pour les droits et libertés des personnes (appréciation du DPO)",
    "operations_impact": "Impact sur le fonctionnement normal de l'établissement",
    "regional_impact": "Impact sur l'organisation régionale ou nationale de la santé",
    "spread_risk": "Risque d'atteindre d'autres établissements",
    "malicious": "Acte malveillant",
    "shared_is": "Le SI partagé du GHT est touché",
    "ose_service_affected": "Continuité du service essentiel de l'OSE affectée",
    "nis2_significant": "Incident important au sens de NIS 2 (art. 23(3))",
    "cross_border": "Impact transfrontière",
}
_GDPR_RISK_LABELS = {"unlikely": "risque peu probable", "risk": "risque", "high": "risque élevé"}
_CHOICE_LABELS: dict[str, str] = {
    **{str(k): v for k, v in CARE_IMPACT_LABELS.items()},
    **{str(k): v for k, v in MALICIOUS_LABELS.items()},
}


@dataclass(frozen=True, slots=True)
class Applicability:
    """One declaration to make: a regime, the legal entity that files it, and why."""

    regime_id: str
    regime_title: str
    establishment_key: str  # the establishment that files (the first affected one of its legal entity)
    establishment_name: str
    finess_ej: str
    finess_et: tuple[str, ...]  # the sites the declaration covers
    covers: tuple[str, ...]  # keys of the affected establishments it covers
    bound_reason: str
    reasons: tuple[str, ...]  # why the regime applies, from the answers

    @property
    def key(self) -> tuple[str, str]:
        return (self.regime_id, self.finess_ej)

    @property
    def reason(self) -> str:
        """The reason shown to the user, in French."""
        return f"{self.establishment_name} : {self.bound_reason} ; " + " ; ".join(self.reasons)


def applicable_regimes(
    answers: QualificationAnswers,
    establishments: Sequence[EstablishmentFacts],
    regimes: RegimeRegistry | Iterable[Regime],
    *,
    support: EstablishmentFacts | None = None,
) -> list[Applicability]:
    """The declarations due for an incident affecting `establishments`, in regime then establishment order.

    `support` is the GHT's support establishment, needed when it is not among the affected ones.
    """
    listed = regimes.values() if isinstance(regimes, RegimeRegistry) else regimes
    groups: dict[str, list[EstablishmentFacts]] = {}
    for establishment in establishments:
        groups.setdefault(establishment.finess_ej, []).append(establishment)
    found: list[Applicability] = []
    for regime in listed:
        reasons = tuple(c.reason for c in regime.applies_when if c.matches(answers))
        if not regime.enabled or not reasons:
            continue
        for group in groups.values():
            bound = _bound(regime, group)
            if bound is not None:
                filer, why = bound
                found.append(_applicability(regime, filer, group, why, reasons))
        if regime.support_declares_for_shared_is and answers.shared_is and support is not None:
            if support.finess_ej not in groups:
                why = f"{_bound_reason(regime, support) or 'établissement support'}, {SHARED_IS_REASON}"
                found.append(_applicability(regime, support, [], why, reasons))
    return found


def _bound(regime: Regime, group: Sequence[EstablishmentFacts]) -> tuple[EstablishmentFacts, str] | None:
    for establishment in group:
        why = _bound_reason(regime, establishment)
        if why is not None:
            return establishment, why
    return None


def _bound_reason(regime: Regime, establishment: EstablishmentFacts) -> str | None:
    return next((c.reason for c in regime.bound if c.matches(establishment)), None)


def _applicability(
    regime: Regime,
    filer: EstablishmentFacts,
    group: Sequence[EstablishmentFacts],
    bound_reason: str,
    reasons: tuple[str, ...],
) -> Applicability:
    sites: list[str] = []
    for establishment in group or [filer]:
        sites += [et for et in establishment.finess_et if et not in sites]
    return Applicability(
        regime_id=regime.id,
        regime_title=regime.short_title,
        establishment_key=filer.key,
        establishment_name=filer.name,
        finess_ej=filer.finess_ej,
        finess_et=tuple(sites),
        covers=tuple(e.key for e in group),
        bound_reason=bound_reason,
        reasons=reasons,
    )


@dataclass(frozen=True, slots=True)
class QualificationDiff:
    """What a re-qualification changed in the declarations due."""

    added: tuple[Applicability, ...] = ()
    removed: tuple[Applicability, ...] = ()
    changed: tuple[tuple[Applicability, Applicability], ...] = ()  # (before, after): reasons or sites differ

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def describe(self) -> list[str]:
        """One French line per change, for the incident timeline."""
        lines = [f"Nouvelle déclaration due : {a.regime_title} — {a.reason}" for a in self.added]
        lines += [f"Déclaration plus due : {a.regime_title} — {a.establishment_name}" for a in self.removed]
        lines += [f"Motifs modifiés : {new.regime_title} — {new.reason}" for _, new in self.changed]
        return lines


def diff(old: Sequence[Applicability], new: Sequence[Applicability]) -> QualificationDiff:
    """Compare two qualification results by (regime, FINESS EJ)."""
    before = {a.key: a for a in old}
    after = {a.key: a for a in new}
    return QualificationDiff(
        added=tuple(a for k, a in after.items() if k not in before),
        removed=tuple(a for k, a in before.items() if k not in after),
        changed=tuple((before[k], a) for k, a in after.items() if k in before and before[k] != a),
    )


@dataclass(frozen=True, slots=True)
class AnswerChange:
    field: str
    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label} : {self.before} → {self.after}"


def answer_text(field: str, value: object) -> str:
    """An answer as a French reader expects it."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if value is None:
        return "non renseigné"
    labels: dict[str, str] = _GDPR_RISK_LABELS if field == "gdpr_risk" else _CHOICE_LABELS
    return labels.get(str(value), str(value))


def answer_changes(old: QualificationAnswers, new: QualificationAnswers) -> list[AnswerChange]:
    """The questions whose answer changed, in questionnaire order."""
    changes = []
    for item in fields(QualificationAnswers):
        before, after = getattr(old, item.name), getattr(new, item.name)
        if before != after:
            label = QUESTIONS.get(item.name, item.name)
            changes.append(
                AnswerChange(item.name, label, answer_text(item.name, before), answer_text(item.name, after))
            )
    return changes
