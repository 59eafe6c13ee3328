"""Declaration documents: one per regime × legal entity × stage, pre-filled from the incident, edited as drafts.

:func:`documents_for` lists the documents a qualification result calls for; :func:`prefill` builds a
:class:`Draft` whose fields are the stage's required fields (from the regime file), filled from an
:class:`IncidentFacts` and the :class:`Applicability`; :meth:`Draft.with_value` edits one field (a new draft:
drafts are values), and :func:`missing_fields` lists, with French labels, what must still be written before
the document can be filed. `False` and `0` are answers, not blanks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from ght_soc.declarations.clocks import format_local
from ght_soc.declarations.facts import EstablishmentFacts, QualificationAnswers
from ght_soc.declarations.fields import FIELDS, SECTION_LABELS, FieldValue, check_value, is_blank
from ght_soc.declarations.qualification import Applicability
from ght_soc.declarations.regimes import Regime, RegimeRegistry, StageKind
from ght_soc.domain import EstablishmentCategory

LATE_REASONS = "late_reasons"

CATEGORY_LABELS: dict[EstablishmentCategory, str] = {
    EstablishmentCategory.CHU: "Centre hospitalier universitaire",
    EstablishmentCategory.CH: "Centre hospitalier",
    EstablishmentCategory.EPSM: "Établissement public de santé mentale",
    EstablishmentCategory.MEDICO_SOCIAL: "Établissement ou service médico-social",
    EstablishmentCategory.PRIVATE_CLINIC: "Établissement de santé privé",
    EstablishmentCategory.LABORATORY: "Laboratoire de biologie médicale",
    EstablishmentCategory.RADIOTHERAPY_CENTRE: "Centre de radiothérapie",
    EstablishmentCategory.HOSPITAL_AT_HOME: "Hospitalisation à domicile",
    EstablishmentCategory.OTHER: "Autre",
}


@dataclass(frozen=True, slots=True)
class Contact:
    """The declarant: the director, or the person delegated (CSP D.1111-16-3)."""

    name: str
    function: str
    email: str = ""
    phone: str = ""
    delegation: str = ""  # "Directeur" or the delegation's reference and validity


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the incident record knows, as the documents need it (all `*_at` timezone-aware)."""

    title: str
    category: str  # the category's French label, as the incident shows it
    severity: str
    description: str
    establishments: tuple[EstablishmentFacts, ...]
    answers: QualificationAnswers = QualificationAnswers()
    occurred_at: datetime | None = None
    detected_at: datetime | None = None
    discovered_at: datetime | None = None
    qualified_at: datetime | None = None
    contained_at: datetime | None = None
    resolved_at: datetime | None = None
    affected_systems: tuple[str, ...] = ()  # DPI, PACS, LIS, messagerie, AD, VPN, téléphonie...
    hosts_count: int | None = None
    data_kinds: tuple[str, ...] = ()  # e.g. "identité", "données de santé"; derived from the answers if empty
    records_concerned: int | None = None
    actions_taken: tuple[str, ...] = ()
    declarant: Contact | None = None
    dpo_contact: str = ""
    support_requested: bool | None = None
    complaint_filed: bool | None = None
    cnil_notified: bool | None = None
    crisis_cell: bool | None = None
    iocs: tuple[str, ...] = ()
    root_cause: str = ""
    mitigations: str = ""
    likely_consequences: str = ""
    resolution_summary: str = ""


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    """A document to produce: the stage of a regime for one legal entity."""

    regime_id: str
    stage: StageKind
    title: str
    establishment_key: str
    finess_ej: str


def documents_for(declarations: Iterable[Applicability], regimes: RegimeRegistry) -> list[DocumentSpec]:
    """Every document the declarations call for, stage by stage."""
    return [
        DocumentSpec(d.regime_id, stage.kind, stage.title, d.establishment_key, d.finess_ej)
        for d in declarations
        for stage in regimes[d.regime_id].stages
    ]


class UnknownField(KeyError):
    """A field name that is not in the declaration field set."""


@dataclass(frozen=True, slots=True)
class Missing:
    key: str
    label: str
    section: str

    def __str__(self) -> str:
        return f"{self.section} — {self.label}"


@dataclass(frozen=True, slots=True)
class Draft:
    """An editable document; `fields` are shown in this order, the `required` ones must be filled."""

    regime_id: str
    stage: StageKind
    establishment_key: str
    finess_ej: str
    fields: tuple[str, ...]
    required: frozenset[str]
    values: Mapping[str, FieldValue] = field(default_factory=dict)

    def value(self, key: str) -> FieldValue:
        return self.values.get(key)

    def with_value(self, key: str, value: FieldValue | list[str]) -> Draft:
        """A copy with one field set (added to the document if it was not shown); the value's type is checked."""
        spec = FIELDS.get(key)
        if spec is None:
            raise UnknownField(key)
        shown = self.fields if key in self.fields else _in_catalogue_order((*self.fields, key))
        return replace(self, fields=shown, values={**self.values, key: check_value(spec, value)})

    def with_values(self, values: Mapping[str, FieldValue]) -> Draft:
        draft = self
        for key, value in values.items():
            draft = draft.with_value(key, value)
        return draft

    def requiring(self, key: str) -> Draft:
        """A copy where `key` must be filled too (e.g. the reasons for a late GDPR notification)."""
        if key not in FIELDS:
            raise UnknownField(key)
        return replace(self, fields=_in_catalogue_order((*self.fields, key)), required=self.required | {key})


def _in_catalogue_order(keys: Iterable[str]) -> tuple[str, ...]:
    wanted = set(keys)
    return tuple(key for key in FIELDS if key in wanted)


def missing_fields(draft: Draft) -> list[Missing]:
    """The required fields still blank, in the document's order, with French labels."""
    return [
        Missing(key, FIELDS[key].label, SECTION_LABELS[FIELDS[key].section])
        for key in draft.fields
        if key in draft.required and is_blank(draft.value(key))
    ]


def prefill(
    facts: IncidentFacts,
    regime: Regime,
    stage: StageKind,
    declaration: Applicability,
    *,
    late: bool = False,
) -> Draft:
    """A draft of `regime`'s `stage` for the legal entity of `declaration`, filled from `facts`.

    `late`: the stage's deadline has passed, so the reasons for the delay are required as well.
    """
    required = regime.stage(stage).required_fields
    known = _values(facts, declaration)
    draft = Draft(
        regime_id=regime.id,
        stage=stage,
        establishment_key=declaration.establishment_key,
        finess_ej=declaration.finess_ej,
        fields=_in_catalogue_order(required),
        required=frozenset(required),
    )
    draft = draft.with_values({key: known.get(key) for key in draft.fields})
    return draft.requiring(LATE_REASONS) if late else draft


def _values(facts: IncidentFacts, declaration: Applicability) -> dict[str, FieldValue]:
    answers = facts.answers
    filer = next((e for e in facts.establishments if e.key == declaration.establishment_key), None)
    who = facts.declarant
    data_impact = tuple(
        name
        for name, hit in (
            ("confidentialité", answers.data_confidentiality),
            ("intégrité", answers.data_integrity),
            ("disponibilité", answers.data_availability),
        )
        if hit
    )
    kinds = facts.data_kinds or tuple(
        name
        for name, hit in (
            ("données à caractère personnel", answers.personal_data),
            ("données de santé", answers.health_data),
        )
        if hit
    )
    return {
        "declarant_name": who.name if who else None,
        "declarant_function": who.function if who else None,
        "declarant_email": who.email if who else None,
        "declarant_phone": who.phone if who else None,
        "delegation": who.delegation if who else None,
        "establishment_name": declaration.establishment_name,
        "finess_ej": declaration.finess_ej,
        "finess_et": declaration.finess_et,
        "establishment_category": CATEGORY_LABELS[filer.category] if filer else None,
        "region": filer.region if filer else None,
        "ose_oiv": _ose_oiv(filer) if filer else None,
        "occurred_at": facts.occurred_at,
        "detected_at": facts.detected_at,
        "discovered_at": facts.discovered_at,
        "contained_at": facts.contained_at,
        "resolved_at": facts.resolved_at,
        "incident_title": facts.title,
        "incident_category": facts.category,
        "severity": facts.severity,
        "malicious": answers.malicious.value,
        "facts": facts.description,
        "affected_systems": facts.affected_systems,
        "hosts_count": facts.hosts_count,
        "care_impact": answers.care_impact.value,
        "data_impact": data_impact or ("aucune",),
        "data_kinds": kinds or ("aucune donnée personnelle",),
        "persons_concerned": answers.persons_concerned,
        "records_concerned": facts.records_concerned,
        "operations_impact": answers.operations_impact,
        "regional_impact": answers.regional_impact,
        "spread_risk": answers.spread_risk,
        "cross_border": answers.cross_border,
        "measures_taken": "\n".join(facts.actions_taken),
        "support_requested": facts.support_requested,
        "complaint_filed": facts.complaint_filed,
        "cnil_notified": facts.cnil_notified,
        "crisis_cell": facts.crisis_cell,
        "iocs": "\n".join(facts.iocs),
        "root_cause": facts.root_cause,
        "mitigations": facts.mitigations,
        "dpo_contact": facts.dpo_contact,
        "likely_consequences": facts.likely_consequences,
        "resolution_summary": facts.resolution_summary,
    }


def _ose_oiv(establishment: EstablishmentFacts) -> str:
    statuses = [name for name, hit in (("OSE", establishment.is_ose), ("OIV", establishment.is_oiv)) if hit]
    return ", ".join(statuses) if statuses else "ni OSE ni OIV"


def display_value(key: str, value: FieldValue, timezone: str) -> str:
    """A field's value as a French reader sees it ("" when blank); instants on `timezone`'s wall clock."""
    spec = FIELDS[key]
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return format_local(value, timezone)
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, str) and spec.choices:
        return spec.choice_label(value)
    return str(value)
