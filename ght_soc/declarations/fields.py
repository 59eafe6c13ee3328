"""The declaration field set (shared/DOMAIN.md): every field a declaration document can carry, with its French label.

The official annexed form's fields are unverified; this set follows the texts and what the national incident
observatory counts. Regime files name the fields each stage requires (`required_fields`); the loader refuses a
name that is not in :data:`FIELDS`, so a typo cannot silently drop a required field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ght_soc.declarations.facts import CareImpact
from ght_soc.domain import Malice

FieldValue = str | int | bool | datetime | tuple[str, ...] | None


class FieldKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATETIME = "datetime"
    BOOL = "bool"
    INT = "int"
    CHOICE = "choice"
    LIST = "list"


class Section(StrEnum):
    DECLARANT = "declarant"
    ESTABLISHMENT = "establishment"
    TIMELINE = "timeline"
    NATURE = "nature"
    IMPACTS = "impacts"
    MEASURES = "measures"
    NIS2 = "nis2"
    PERSONAL_DATA = "personal_data"
    COMPLAINT = "complaint"
    RESOLUTION = "resolution"


SECTION_LABELS: dict[Section, str] = {
    Section.DECLARANT: "Déclarant",
    Section.ESTABLISHMENT: "Établissement",
    Section.TIMELINE: "Chronologie",
    Section.NATURE: "Nature de l'incident",
    Section.IMPACTS: "Impacts",
    Section.MEASURES: "Mesures et appuis",
    Section.NIS2: "Éléments NIS 2",
    Section.PERSONAL_DATA: "Données personnelles",
    Section.COMPLAINT: "Plainte",
    Section.RESOLUTION: "Résolution",
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str
    label: str
    section: Section
    kind: FieldKind
    choices: tuple[tuple[str, str], ...] = ()  # (value, French label) for CHOICE

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)


CARE_IMPACT_LABELS: dict[CareImpact, str] = {
    CareImpact.NONE: "aucun",
    CareImpact.DEGRADED_MODE: "passage en mode dégradé",
    CareImpact.DEPROGRAMMING: "déprogrammations",
    CareImpact.TRANSFERS: "transferts de patients",
    CareImpact.PATIENT_ENDANGERMENT: "mise en danger de patients",
}
MALICIOUS_LABELS: dict[Malice, str] = {
    Malice.MALICIOUS: "oui",
    Malice.NOT_MALICIOUS: "non",
    Malice.UNKNOWN: "inconnu à ce stade",
}

_S, _K = Section, FieldKind
_CATALOGUE: tuple[FieldSpec, ...] = (
    FieldSpec("declarant_name", "Nom et prénom du déclarant", _S.DECLARANT, _K.TEXT),
    FieldSpec("declarant_function", "Fonction du déclarant", _S.DECLARANT, _K.TEXT),
    FieldSpec("declarant_email", "Courriel du déclarant", _S.DECLARANT, _K.TEXT),
    FieldSpec("declarant_phone", "Téléphone du déclarant", _S.DECLARANT, _K.TEXT),
    FieldSpec("delegation", "Qualité : directeur ou délégation (CSP D.1111-16-3)", _S.DECLARANT, _K.TEXT),
    FieldSpec("establishment_name", "Raison sociale de l'établissement", _S.ESTABLISHMENT, _K.TEXT),
    FieldSpec("finess_ej", "FINESS juridique (EJ)", _S.ESTABLISHMENT, _K.TEXT),
    FieldSpec("finess_et", "FINESS géographiques (ET) des sites", _S.ESTABLISHMENT, _K.LIST),
    FieldSpec("establishment_category", "Catégorie d'établissement", _S.ESTABLISHMENT, _K.TEXT),
    FieldSpec("region", "Région", _S.ESTABLISHMENT, _K.TEXT),
    FieldSpec("ose_oiv", "Statut OSE / OIV", _S.ESTABLISHMENT, _K.TEXT),
    FieldSpec("occurred_at", "Date et heure de survenue", _S.TIMELINE, _K.DATETIME),
    FieldSpec("detected_at", "Date et heure de détection", _S.TIMELINE, _K.DATETIME),
    FieldSpec("discovered_at", "Date et heure de prise de connaissance", _S.TIMELINE, _K.DATETIME),
    FieldSpec("reported_at", "Date et heure du signalement", _S.TIMELINE, _K.DATETIME),
    FieldSpec("contained_at", "Date et heure du confinement", _S.TIMELINE, _K.DATETIME),
    FieldSpec("incident_title", "Intitulé de l'incident", _S.NATURE, _K.TEXT),
    FieldSpec("incident_category", "Catégorie d'incident", _S.NATURE, _K.TEXT),
    FieldSpec("severity", "Gravité", _S.NATURE, _K.TEXT),
    FieldSpec(
        "malicious",
        "Origine malveillante",
        _S.NATURE,
        _K.CHOICE,
        tuple((k.value, v) for k, v in MALICIOUS_LABELS.items()),
    ),
    FieldSpec("facts", "Description des faits", _S.NATURE, _K.LONG_TEXT),
    FieldSpec("affected_systems", "Périmètre : systèmes touchés", _S.NATURE, _K.LIST),
    FieldSpec("hosts_count", "Nombre de postes et serveurs touchés", _S.NATURE, _K.INT),
    FieldSpec(
        "care_impact",
        "Impact sur la prise en charge des patients",
        _S.IMPACTS,
        _K.CHOICE,
        tuple((k.value, v) for k, v in CARE_IMPACT_LABELS.items()),
    ),
    FieldSpec(
        "data_impact", "Atteinte aux données (confidentialité, intégrité, disponibilité)", _S.IMPACTS, _K.LIST
    ),
    FieldSpec("data_kinds", "Nature des données touchées", _S.IMPACTS, _K.LIST),
    FieldSpec("persons_concerned", "Nombre approximatif de personnes concernées", _S.IMPACTS, _K.INT),
    FieldSpec("operations_impact", "Impact sur le fonctionnement de l'établissement", _S.IMPACTS, _K.BOOL),
    FieldSpec("regional_impact", "Impact sur l'organisation régionale ou nationale", _S.IMPACTS, _K.BOOL),
    FieldSpec("spread_risk", "Risque de propagation à d'autres établissements", _S.IMPACTS, _K.BOOL),
    FieldSpec("measures_taken", "Mesures prises", _S.MEASURES, _K.LONG_TEXT),
    FieldSpec("support_requested", "Appui demandé au CERT Santé", _S.MEASURES, _K.BOOL),
    FieldSpec("complaint_filed", "Plainte déposée", _S.MEASURES, _K.BOOL),
    FieldSpec("cnil_notified", "Violation notifiée à la CNIL", _S.MEASURES, _K.BOOL),
    FieldSpec("crisis_cell", "Cellule de crise ou plan blanc déclenché", _S.MEASURES, _K.BOOL),
    FieldSpec("cross_border", "Impact transfrontière", _S.NIS2, _K.BOOL),
    FieldSpec("iocs", "Indicateurs de compromission", _S.NIS2, _K.LONG_TEXT),
    FieldSpec("root_cause", "Cause profonde (type de menace)", _S.NIS2, _K.LONG_TEXT),
    FieldSpec("mitigations", "Mesures d'atténuation appliquées et en cours", _S.NIS2, _K.LONG_TEXT),
    FieldSpec("dpo_contact", "Coordonnées du délégué à la protection des données", _S.PERSONAL_DATA, _K.TEXT),
    FieldSpec(
        "records_concerned", "Nombre approximatif d'enregistrements concernés", _S.PERSONAL_DATA, _K.INT
    ),
    FieldSpec(
        "likely_consequences", "Conséquences probables pour les personnes", _S.PERSONAL_DATA, _K.LONG_TEXT
    ),
    FieldSpec(
        "persons_advice", "Mesures recommandées aux personnes concernées", _S.PERSONAL_DATA, _K.LONG_TEXT
    ),
    FieldSpec(
        "late_reasons", "Motifs du retard (notification après 72 heures)", _S.PERSONAL_DATA, _K.LONG_TEXT
    ),
    FieldSpec("complaint_service", "Service saisi (police, gendarmerie, parquet)", _S.COMPLAINT, _K.TEXT),
    FieldSpec("complaint_reference", "Référence du dépôt de plainte", _S.COMPLAINT, _K.TEXT),
    FieldSpec("complaint_at", "Date et heure du dépôt de plainte", _S.COMPLAINT, _K.DATETIME),
    FieldSpec("resolved_at", "Date et heure de la résolution", _S.RESOLUTION, _K.DATETIME),
    FieldSpec(
        "resolution_summary", "Résolution et retour au fonctionnement normal", _S.RESOLUTION, _K.LONG_TEXT
    ),
)
FIELDS: dict[str, FieldSpec] = {spec.key: spec for spec in _CATALOGUE}


class InvalidFieldValue(ValueError):
    """A value that does not fit its field; the message is French."""


def check_value(spec: FieldSpec, value: FieldValue | list[str]) -> FieldValue:
    """Return `value` if it fits the field's kind (lists become tuples), else raise :class:`InvalidFieldValue`."""
    if value is None:
        return None
    kind = spec.kind
    ok = {
        FieldKind.TEXT: isinstance(value, str),
        FieldKind.LONG_TEXT: isinstance(value, str),
        FieldKind.CHOICE: isinstance(value, str) and value in dict(spec.choices),
        FieldKind.DATETIME: isinstance(value, datetime) and value.tzinfo is not None,
        FieldKind.BOOL: isinstance(value, bool),
        FieldKind.INT: isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        FieldKind.LIST: isinstance(value, tuple | list) and all(isinstance(v, str) for v in value),
    }[kind]
    if not ok:
        raise InvalidFieldValue(f"{spec.label} : valeur de type {kind.value} attendue, reçu {value!r}")
    return tuple(value) if isinstance(value, list) else value


def is_blank(value: FieldValue) -> bool:
    """A value a reader would see as not filled in (False and 0 are answers, not blanks)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, tuple) and not value)
