"""Shared facts for the declaration tests: the demo GHT's establishments and a realistic shared-IS incident."""

from __future__ import annotations

from datetime import UTC, datetime

from ght_soc.declarations.documents import Contact, IncidentFacts
from ght_soc.declarations.facts import (
    CareImpact,
    EstablishmentFacts,
    GdprRisk,
    QualificationAnswers,
    establishment_facts,
)
from ght_soc.declarations.regimes import RegimeRegistry, load_regimes
from ght_soc.domain import EstablishmentCategory, Malice, Nis2Class
from ght_soc.settings import load_config
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET

REGIMES: RegimeRegistry = load_regimes()

_settings = load_config(EXAMPLE_CONFIG, environ={"GHT_SOC_SECRET_KEY": TEST_SECRET}).settings
CHU = establishment_facts(_settings.establishment("chu-tours-demo"))  # support, OSE, NIS2 essential
CH = establishment_facts(_settings.establishment("ch-amboise-demo"))
EPSM = establishment_facts(_settings.establishment("epsm-loches-demo"))

# Two sites of one legal entity, each recorded as its own establishment: they share one FINESS EJ.
SITE_A = EstablishmentFacts(
    key="chi-site-a", name="CHI Amboise, site A", finess_ej="370990111", finess_et=("370990129",)
)
SITE_B = EstablishmentFacts(
    key="chi-site-b", name="CHI Amboise, site B", finess_ej="370990111", finess_et=("370990301",)
)
CAYENNE = EstablishmentFacts(
    key="ch-cayenne",
    name="Centre hospitalier de Cayenne (fictif)",
    finess_ej="970300018",
    finess_et=("970300026",),
    category=EstablishmentCategory.CH,
    nis2_class=Nis2Class.IMPORTANT,
    region="Guyane",
    timezone="America/Cayenne",
)

RANSOMWARE = QualificationAnswers(
    care_impact=CareImpact.DEGRADED_MODE,
    data_availability=True,
    data_confidentiality=True,
    health_data=True,
    persons_concerned=12_000,
    gdpr_risk=GdprRisk.HIGH,
    operations_impact=True,
    spread_risk=True,
    malicious=Malice.MALICIOUS,
    shared_is=True,
    ose_service_affected=True,
)

DISCOVERED = datetime(2024, 10, 26, 7, 40, tzinfo=UTC)  # Saturday 09:40 in Paris, the eve of the DST change


def ransomware_incident() -> IncidentFacts:
    """Ransomware on the shared IS, found on a Saturday morning, three members hit, patient data exfiltrated."""
    return IncidentFacts(
        title="Rançongiciel sur le SI partagé",
        category="rançongiciel",
        severity="critique",
        description="Chiffrement des serveurs du DPI partagé ; note de rançon ; exfiltration revendiquée.",
        establishments=(CHU, CH, EPSM),
        answers=RANSOMWARE,
        occurred_at=datetime(2024, 10, 26, 2, 15, tzinfo=UTC),
        detected_at=datetime(2024, 10, 26, 6, 55, tzinfo=UTC),
        discovered_at=DISCOVERED,
        qualified_at=datetime(2024, 10, 26, 9, 0, tzinfo=UTC),
        affected_systems=("DPI", "PACS", "AD"),
        hosts_count=240,
        records_concerned=15_000,
        actions_taken=("Isolement du SI partagé d'Internet", "Passage en mode dégradé", "Cellule de crise"),
        declarant=Contact(
            name="Claire Martin",
            function="Directrice générale",
            email="direction@chu-demo.invalid",
            phone="02 47 00 00 00",
            delegation="Directeur",
        ),
        dpo_contact="DPO mutualisé du GHT, dpo@chu-demo.invalid",
        support_requested=True,
        complaint_filed=False,
        cnil_notified=False,
        crisis_cell=True,
        likely_consequences="Divulgation de données de santé ; risque d'hameçonnage ciblé des patients.",
    )
