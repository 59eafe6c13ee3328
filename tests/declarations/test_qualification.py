"""Qualification: which declarations an incident calls for, per legal entity, each with its reason."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ght_soc.declarations.facts import (
    CareImpact,
    EstablishmentFacts,
    GdprRisk,
    QualificationAnswers,
)
from ght_soc.declarations.qualification import answer_changes, applicable_regimes, diff
from ght_soc.domain import Malice, Nis2Class
from tests.declarations.builders import CH, CHU, EPSM, RANSOMWARE, REGIMES, SITE_A, SITE_B

CARE = QualificationAnswers(care_impact=CareImpact.DEGRADED_MODE, malicious=Malice.NOT_MALICIOUS)
PERSONAL = QualificationAnswers(personal_data=True, data_confidentiality=True, malicious=Malice.NOT_MALICIOUS)
OUTAGE = QualificationAnswers(
    malicious=Malice.NOT_MALICIOUS
)  # a power cut with no consequence worth declaring


def due(
    answers: QualificationAnswers, *affected: EstablishmentFacts, support: EstablishmentFacts | None = None
) -> list[tuple[str, str]]:
    return [
        (a.regime_id, a.establishment_key)
        for a in applicable_regimes(answers, affected, REGIMES, support=support)
    ]


@pytest.mark.parametrize(
    ("case", "answers", "affected", "support", "expected"),
    [
        (
            "OSE support establishment with care impact: health and ANSSI",
            CARE,
            (CHU,),
            None,
            [("health_is_incident", "chu-tours-demo"), ("ose_nis1", "chu-tours-demo")],
        ),
        (
            "a member that is not an OSE with care impact: health only",
            CARE,
            (CH,),
            CHU,
            [("health_is_incident", "ch-amboise-demo")],
        ),
        (
            "personal data breach: the CNIL, no health declaration without consequence",
            PERSONAL,
            (CH,),
            CHU,
            [("gdpr_art33", "ch-amboise-demo")],
        ),
        (
            "two sites of one legal entity file one health declaration",
            CARE,
            (SITE_A, SITE_B),
            None,
            [("health_is_incident", "chi-site-a")],
        ),
        (
            "a breach judged unlikely to harm anyone: nothing to notify (the register only)",
            replace(PERSONAL, gdpr_risk=GdprRisk.UNLIKELY),
            (CH,),
            None,
            [],
        ),
        ("an outage without consequence: nothing", OUTAGE, (CHU, CH), CHU, []),
        (
            "malicious or not known: the complaint that keeps the cyber cover",
            QualificationAnswers(malicious=Malice.UNKNOWN),
            (EPSM,),
            None,
            [("insurance_complaint", "epsm-loches-demo")],
        ),
        (
            "shared IS hit at members only: the support establishment still notifies ANSSI",
            replace(RANSOMWARE, gdpr_risk=GdprRisk.RISK, malicious=Malice.NOT_MALICIOUS),
            (CH, EPSM),
            CHU,
            [
                ("gdpr_art33", "ch-amboise-demo"),
                ("gdpr_art33", "epsm-loches-demo"),
                ("health_is_incident", "ch-amboise-demo"),
                ("health_is_incident", "epsm-loches-demo"),
                ("ose_nis1", "chu-tours-demo"),
            ],
        ),
    ],
)
def test_the_declarations_due_follow_the_answers_and_the_establishments(
    case: str,
    answers: QualificationAnswers,
    affected: tuple[EstablishmentFacts, ...],
    support: EstablishmentFacts | None,
    expected: list[tuple[str, str]],
) -> None:
    assert due(answers, *affected, support=support) == expected, case


def test_the_demo_incident_calls_for_every_declaration_of_each_member_and_the_ose_one() -> None:
    found = applicable_regimes(RANSOMWARE, (CHU, CH, EPSM), REGIMES, support=CHU)
    by_regime: dict[str, list[str]] = {}
    for item in found:
        by_regime.setdefault(item.regime_id, []).append(item.establishment_key)
    members = [CHU.key, CH.key, EPSM.key]
    assert by_regime == {
        "gdpr_art33": members,
        "gdpr_art34": members,
        "health_is_incident": members,
        "insurance_complaint": members,
        "ose_nis1": [CHU.key],  # once, by the support establishment, though it is also affected
    }
    assert "nis2" not in by_regime  # switched off until the French law applies


def test_each_declaration_says_why_in_french() -> None:
    found = applicable_regimes(RANSOMWARE, (CHU, CH), REGIMES, support=CHU)
    health_ch = next(a for a in found if a.key == ("health_is_incident", CH.finess_ej))
    assert health_ch.bound_reason == "établissement de santé"
    assert "conséquences sur la sécurité des soins" in health_ch.reasons
    assert "susceptible de toucher d'autres établissements (incident significatif)" in health_ch.reasons
    assert health_ch.reason.startswith(f"{CH.name} : établissement de santé ; ")
    ose = next(a for a in found if a.regime_id == "ose_nis1")
    assert ose.bound_reason.startswith("établissement support du GHT")


def test_sites_sharing_a_legal_entity_are_all_on_its_declaration() -> None:
    (health,) = applicable_regimes(CARE, (SITE_A, SITE_B), [REGIMES["health_is_incident"]])
    assert health.finess_ej == "370990111"
    assert health.finess_et == ("370990129", "370990301")
    assert health.covers == ("chi-site-a", "chi-site-b")


def test_nis2_applies_only_once_switched_on_and_only_to_its_classes() -> None:
    answers = replace(CARE, nis2_significant=True)
    assert not any(a.regime_id == "nis2" for a in applicable_regimes(answers, (CHU, CH), REGIMES))
    switched = REGIMES.with_switches({"nis2": True})
    nis2 = [
        a.establishment_key for a in applicable_regimes(answers, (CHU, CH), switched) if a.regime_id == "nis2"
    ]
    assert nis2 == [CHU.key, CH.key]
    no_class = replace(CH, nis2_class=Nis2Class.NONE)
    assert not any(a.regime_id == "nis2" for a in applicable_regimes(answers, (no_class,), switched))


def test_health_data_count_as_personal_data() -> None:
    answers = QualificationAnswers(health_data=True, data_integrity=True, malicious=Malice.NOT_MALICIOUS)
    assert answers.personal_data
    assert ("gdpr_art33", CH.key) in due(answers, CH)


def test_a_requalification_says_what_changed_for_the_timeline() -> None:
    before = applicable_regimes(CARE, (CHU, CH), REGIMES, support=CHU)
    after_answers = replace(CARE, personal_data=True, data_confidentiality=True, spread_risk=True)
    after = applicable_regimes(after_answers, (CHU, CH), REGIMES, support=CHU)
    change = diff(before, after)
    assert [a.key for a in change.added] == [("gdpr_art33", CHU.finess_ej), ("gdpr_art33", CH.finess_ej)]
    assert change.removed == ()
    assert {new.regime_id for _, new in change.changed} == {"health_is_incident"}
    lines = change.describe()
    assert lines[0].startswith("Nouvelle déclaration due : RGPD art. 33 (CNIL)")
    assert any(line.startswith("Motifs modifiés : Incident SI de santé") for line in lines)
    assert diff(after, before).removed and diff(after, after).is_empty
    assert [str(c) for c in answer_changes(CARE, after_answers)] == [
        "Atteinte à la confidentialité des données : non → oui",
        "Des données à caractère personnel sont concernées : non → oui",
        "Risque d'atteindre d'autres établissements : non → oui",
    ]
    assert str(answer_changes(CARE, OUTAGE)[0]) == (
        "Impact sur la prise en charge des patients : passage en mode dégradé → aucun"
    )
