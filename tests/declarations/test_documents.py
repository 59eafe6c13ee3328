"""Documents: one per regime × legal entity × stage, pre-filled from the incident, edited field by field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ght_soc.declarations.documents import (
    Draft,
    UnknownField,
    display_value,
    documents_for,
    missing_fields,
    prefill,
)
from ght_soc.declarations.facts import CareImpact
from ght_soc.declarations.fields import FieldValue, InvalidFieldValue
from ght_soc.declarations.qualification import Applicability, applicable_regimes
from ght_soc.declarations.regimes import StageKind
from tests.declarations.builders import CH, CHU, EPSM, RANSOMWARE, REGIMES, ransomware_incident

K = StageKind
INCIDENT = ransomware_incident()
DUE = applicable_regimes(RANSOMWARE, (CHU, CH, EPSM), REGIMES, support=CHU)


def declaration(regime_id: str, key: str) -> Applicability:
    return next(a for a in DUE if a.regime_id == regime_id and a.establishment_key == key)


def draft(regime_id: str, key: str, stage: StageKind = K.INITIAL) -> Draft:
    return prefill(INCIDENT, REGIMES[regime_id], stage, declaration(regime_id, key))


def test_the_demo_incident_calls_for_one_document_per_regime_legal_entity_and_stage() -> None:
    specs = documents_for(DUE, REGIMES)
    per_regime = {
        "health_is_incident": 3,
        "ose_nis1": 2,
        "gdpr_art33": 2,
        "gdpr_art34": 1,
        "insurance_complaint": 1,
    }
    members = {
        "health_is_incident": 3,
        "ose_nis1": 1,
        "gdpr_art33": 3,
        "gdpr_art34": 3,
        "insurance_complaint": 3,
    }
    assert len(specs) == sum(per_regime[r] * members[r] for r in per_regime) == 23
    assert len({(s.regime_id, s.stage, s.finess_ej) for s in specs}) == len(specs)


@pytest.mark.parametrize(
    ("regime_id", "key", "stage", "missing"),
    [
        ("health_is_incident", CH.key, K.INITIAL, []),
        ("health_is_incident", CH.key, K.RESOLUTION, ["resolved_at", "resolution_summary"]),
        ("ose_nis1", CHU.key, K.INITIAL, []),
        ("ose_nis1", CHU.key, K.COMPLEMENT, ["root_cause"]),
        ("gdpr_art33", EPSM.key, K.INITIAL, []),
        ("gdpr_art34", CH.key, K.INITIAL, ["persons_advice"]),
        ("insurance_complaint", CHU.key, K.INITIAL, ["complaint_service"]),
    ],
)
def test_each_regime_is_prefilled_from_a_realistic_incident_and_says_what_is_missing(
    regime_id: str, key: str, stage: StageKind, missing: list[str]
) -> None:
    found = draft(regime_id, key, stage)
    assert [m.key for m in missing_fields(found)] == missing
    assert set(found.fields) == set(REGIMES[regime_id].stage(stage).required_fields)


def test_the_health_declaration_carries_the_establishment_its_sites_and_the_impacts() -> None:
    found = draft("health_is_incident", CHU.key)
    assert found.value("finess_ej") == CHU.finess_ej
    assert found.value("finess_et") == CHU.finess_et
    assert found.value("ose_oiv") == "OSE"
    assert found.value("establishment_category") == "Centre hospitalier universitaire"
    assert found.value("care_impact") == CareImpact.DEGRADED_MODE
    assert found.value("data_impact") == ("confidentialité", "disponibilité")
    assert found.value("data_kinds") == ("données à caractère personnel", "données de santé")
    assert (
        found.value("measures_taken")
        == "Isolement du SI partagé d'Internet\nPassage en mode dégradé\nCellule de crise"
    )
    assert found.value("complaint_filed") is False
    assert (
        display_value("care_impact", found.value("care_impact"), "Europe/Paris") == "passage en mode dégradé"
    )
    assert display_value("complaint_filed", False, "Europe/Paris") == "non"
    assert display_value("discovered_at", found.value("discovered_at"), "Europe/Paris") == (
        "samedi 26 octobre 2024 à 9 h 40 (Europe/Paris, UTC+02:00)"
    )


def test_missing_fields_have_french_labels_and_sections() -> None:
    bare = replace(INCIDENT, declarant=None, support_requested=None)
    found = prefill(bare, REGIMES["health_is_incident"], K.INITIAL, declaration("health_is_incident", CH.key))
    assert [str(m) for m in missing_fields(found)] == [
        "Déclarant — Nom et prénom du déclarant",
        "Déclarant — Fonction du déclarant",
        "Déclarant — Courriel du déclarant",
        "Déclarant — Téléphone du déclarant",
        "Déclarant — Qualité : directeur ou délégation (CSP D.1111-16-3)",
        "Mesures et appuis — Appui demandé au CERT Santé",
    ]


def test_a_draft_is_edited_field_by_field_and_each_value_is_checked() -> None:
    original = draft("gdpr_art34", CH.key)
    edited = original.with_value(
        "persons_advice", "Changer vos mots de passe ; vigilance face à l'hameçonnage."
    )
    assert missing_fields(edited) == [] and [m.key for m in missing_fields(original)] == ["persons_advice"]
    blanked = edited.with_value("facts", "   ")
    assert [m.key for m in missing_fields(blanked)] == ["facts"]
    added = edited.with_value("hosts_count", 0)  # shown now, optional, and 0 is an answer
    assert "hosts_count" in added.fields and missing_fields(added) == []
    bad: list[tuple[str, FieldValue | list[str]]] = [
        ("hosts_count", -1),
        ("hosts_count", True),
        ("care_impact", "catastrophe"),
        ("discovered_at", datetime(2024, 10, 26, 9, 40)),  # no zone
        ("affected_systems", "DPI"),
    ]
    for key, value in bad:
        with pytest.raises(InvalidFieldValue):
            edited.with_value(key, value)
    with pytest.raises(UnknownField):
        edited.with_value("shoe_size", "42")
    assert edited.with_value("affected_systems", ["DPI"]).value("affected_systems") == ("DPI",)
    assert edited.with_value("complaint_at", datetime(2024, 10, 26, 12, tzinfo=UTC)).value("complaint_at")


def test_a_late_gdpr_notification_requires_the_reasons_for_the_delay() -> None:
    late = prefill(INCIDENT, REGIMES["gdpr_art33"], K.INITIAL, declaration("gdpr_art33", CH.key), late=True)
    assert [m.key for m in missing_fields(late)] == ["late_reasons"]
    assert late.with_value("late_reasons", "Périmètre de l'exfiltration établi au 4e jour.") is not late
