"""What qualification reads: the facts of an establishment and the answers to the qualification questionnaire.

Both are frozen dataclasses built by the caller (from the configuration and the incident); the regime files
(`config/regimes/*.yaml`) test their fields by name in `bound` and `applies_when`, so a field renamed here is
caught when the regimes load. Only `bool` and `StrEnum` fields can be tested there (see
:func:`condition_fields`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import get_type_hints

from ght_soc.domain import EstablishmentCategory, Malice, Nis2Class
from ght_soc.settings import EstablishmentConfig


class CareImpact(StrEnum):
    """Impact on care, in the order of gravity the national observatory counts."""

    NONE = "none"
    DEGRADED_MODE = "degraded_mode"
    DEPROGRAMMING = "deprogramming"
    TRANSFERS = "transfers"
    PATIENT_ENDANGERMENT = "patient_endangerment"


class GdprRisk(StrEnum):
    """The controller's assessment of the risk a personal-data breach makes to the persons (GDPR 33(1), 34(1))."""

    UNLIKELY = "unlikely"  # no notification, the breach register only
    RISK = "risk"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class EstablishmentFacts:
    """One member establishment as the regimes see it; build it from `EstablishmentConfig`."""

    key: str
    name: str
    finess_ej: str
    finess_et: tuple[str, ...] = ()
    is_ose: bool = False
    is_support: bool = False
    is_oiv: bool = False
    category: EstablishmentCategory = EstablishmentCategory.CH
    nis2_class: Nis2Class = Nis2Class.NONE
    region: str = ""
    timezone: str = "Europe/Paris"
    # Unknown cover is treated as cover: a complaint filed for nothing costs less than a lost indemnity.
    cyber_insured: bool = True


def establishment_facts(config: EstablishmentConfig, *, cyber_insured: bool = True) -> EstablishmentFacts:
    """The facts of a configured establishment (its sites' FINESS ET included)."""
    return EstablishmentFacts(
        key=config.key,
        name=config.name,
        finess_ej=config.finess_ej,
        finess_et=tuple(site.finess_et for site in config.sites),
        is_ose=config.ose,
        is_support=config.support,
        is_oiv=config.oiv,
        category=config.category,
        nis2_class=config.nis2,
        region=config.region,
        timezone=config.timezone,
        cyber_insured=cyber_insured,
    )


@dataclass(frozen=True, slots=True)
class QualificationAnswers:
    """The qualification questionnaire of one incident; every answer has a cautious default."""

    care_impact: CareImpact = CareImpact.NONE
    data_confidentiality: bool = False
    data_integrity: bool = False
    data_availability: bool = False
    personal_data: bool = False
    health_data: bool = False
    persons_concerned: int | None = None  # approximate number of persons whose data are involved
    gdpr_risk: GdprRisk = GdprRisk.RISK
    operations_impact: bool = False
    regional_impact: bool = False  # on the regional or national health organisation
    spread_risk: bool = False  # likely to reach other establishments
    malicious: Malice = Malice.UNKNOWN
    shared_is: bool = False  # the incident touches the GHT's shared information system
    ose_service_affected: bool = False  # the continuity of an OSE's essential service is or may be affected
    nis2_significant: bool = False  # significant incident, directive 2022/2555 art. 23(3)
    cross_border: bool = False

    def __post_init__(self) -> None:
        if self.persons_concerned is not None and self.persons_concerned < 0:
            raise ValueError("persons_concerned must be zero or more")
        if self.health_data and not self.personal_data:
            # Health data are personal data (GDPR art. 4(15)): the GDPR regimes must see them as such.
            object.__setattr__(self, "personal_data", True)


def condition_fields(kind: type[EstablishmentFacts] | type[QualificationAnswers]) -> dict[str, type]:
    """The fields of `kind` a regime condition may test, with their type (bool or a StrEnum)."""
    hints = get_type_hints(kind)
    usable: dict[str, type] = {}
    for item in dataclasses.fields(kind):
        hint = hints[item.name]
        if hint is bool or (isinstance(hint, type) and issubclass(hint, StrEnum)):
            usable[item.name] = hint
    return usable
