"""The French wording of statuses and reasons, for the reports sent to the ARS and the strategic committee."""

from __future__ import annotations

from collections.abc import Mapping

from ght_soc.governance.enums import ComplianceStatus, DesignationRole, EvidenceOrigin, ShareUnit
from ght_soc.governance.status import Detail, ItemStatus

STATUS_FR: dict[ComplianceStatus, str] = {
    ComplianceStatus.MET: "satisfaite",
    ComplianceStatus.PARTIAL: "partielle",
    ComplianceStatus.LATE: "en retard",
    ComplianceStatus.NOT_MET: "non satisfaite",
    ComplianceStatus.UNKNOWN: "non évaluée",
    ComplianceStatus.NOT_APPLICABLE: "sans objet",
}
ORIGIN_FR: dict[EvidenceOrigin, str] = {
    EvidenceOrigin.HUB: "données du hub",
    EvidenceOrigin.CONNECTOR: "connecteur",
    EvidenceOrigin.PERSON: "saisie",
    EvidenceOrigin.OVERRIDE: "correction manuelle",
    EvidenceOrigin.NONE: "—",
}
ROLE_FR: dict[DesignationRole, str] = {
    DesignationRole.POOLED_RSSI: "RSSI mutualisé",
    DesignationRole.SECURITY_CORRESPONDENT: "correspondant sécurité",
    DesignationRole.DPO: "DPO mutualisé",
    DesignationRole.DECLARANT_DELEGATE: "déclarant délégué",
    DesignationRole.ON_CALL_ENGINEER: "ingénieur d'astreinte",
    DesignationRole.IR_PROVIDER: "prestataire de réponse à incident",
}
UNIT_FR: dict[ShareUnit, str] = {ShareUnit.PERCENT: "%", ShareUnit.DAYS_PER_MONTH: "j/mois"}
DETAIL_FR: dict[Detail, str] = {
    Detail.DESIGNATED: "désigné(s) : %(names)s",
    Detail.DESIGNATION_EXPIRED: "désignation échue le %(date)s (%(names)s)",
    Detail.NOBODY_DESIGNATED: "personne n'est désigné",
    Detail.BUDGET_WITHIN: "%(percent)s %% du budget SI en %(year)s",
    Detail.BUDGET_BELOW: "%(percent)s %% du budget SI en %(year)s, sous le plancher de %(minimum)s %%",
    Detail.BUDGET_MISSING: "budget %(year)s non saisi",
    Detail.EXERCISE_DONE: "dernier exercice le %(date)s",
    Detail.EXERCISE_OLD: "dernier exercice le %(date)s, plus de douze mois",
    Detail.NO_EXERCISE: "aucun exercice enregistré",
    Detail.HYGIENE_ASSESSED: "%(count)s mesures évaluées sur %(total)s",
    Detail.NO_HYGIENE: "aucune mesure évaluée",
    Detail.CONNECTOR_FINDINGS: "%(count)s constat(s) ouverts (%(sources)s)",
    Detail.CONNECTOR_CLEAN: "aucun constat (%(sources)s)",
    Detail.RECORDED: "saisi le %(date)s",
    Detail.RECORD_EXPIRED: "preuve du %(date)s périmée",
    Detail.OVERRIDDEN: "corrigé : %(reason)s",
    Detail.LEVEL_STANDARD_ONLY: "niveau standard atteint, renforcé visé",
    Detail.NOT_ASSESSED: "non évalué",
}


def detail_fr(item: ItemStatus) -> str:
    return _format(DETAIL_FR[item.detail], item.params)


def _format(template: str, params: Mapping[str, str]) -> str:
    try:
        return template % dict(params)
    except (KeyError, ValueError):  # a reason without its figures still says something
        return template.split("%(")[0].strip()
