"""The playbook action `declaration.open_draft`: open (or find) the draft of one regime on the incident.

Playbooks name regimes by short names (ght_soc/playbooks/actions.py); the files by ids. A draft only: the hub
never files. When the incident was not qualified for that regime, the draft is opened for every affected
legal entity the regime binds, the reason saying that a playbook asked for it; a later qualification that
does not call for it makes it obsolete.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from ght_soc.declarations.facts import EstablishmentFacts
from ght_soc.declarations.qualification import Applicability
from ght_soc.declarations.regimes import Regime
from ght_soc.models import Declaration, DeclarationStatus, Incident
from ght_soc.services.declaration_changes import ensure_group
from ght_soc.services.declarations import DeclarationContext, declarations_of, refresh_clocks

PLAYBOOK_REGIMES: dict[str, str] = {
    "health_incident": "health_is_incident",
    "nis1": "ose_nis1",
    "nis2": "nis2",
    "gdpr_cnil": "gdpr_art33",
    "gdpr_persons": "gdpr_art34",
    "complaint": "insurance_complaint",
}


class RegimeSwitchedOff(ValueError):
    """The playbook asked for a regime that is disabled here (NIS 2 before the French law applies)."""


def open_draft(
    *,
    session: Session,
    incident: Incident,
    playbook_regime: str,
    summary: str | None,
    context: DeclarationContext,
    now: datetime,
) -> Declaration:
    """The first open document of the regime on the incident, creating the regime's rows if there are none."""
    regime = context.regimes[PLAYBOOK_REGIMES.get(playbook_regime, playbook_regime)]
    rows = [
        r
        for r in declarations_of(session=session, incident=incident)
        if r.regime_id == regime.id and r.status != DeclarationStatus.OBSOLETE
    ]
    if not rows:
        if not regime.enabled:
            raise RegimeSwitchedOff(f"{regime.id} is disabled: {regime.disabled_reason}")
        from ght_soc.services.declaration_documents import prefill_row

        ids = {link.establishment.key: link.establishment_id for link in incident.establishments}
        for item in _bound(regime, incident, context, summary):
            rows += ensure_group(
                session=session,
                incident=incident,
                item=item,
                rows=[],
                establishment_ids=ids,
                context=context,
                now=now,
            )
        for row in rows:
            prefill_row(session=session, row=row, incident=incident, context=context, now=now)
        refresh_clocks(session=session, incident=incident, context=context)
    if not rows:
        raise RegimeSwitchedOff(f"no affected establishment is bound by {regime.id}")
    return min(rows, key=lambda r: ([s.kind.value for s in regime.stages].index(r.stage), r.id))


def _bound(
    regime: Regime, incident: Incident, context: DeclarationContext, summary: str | None
) -> list[Applicability]:
    by_ej: dict[str, list[EstablishmentFacts]] = {}
    for link in incident.establishments:
        facts = context.establishments.get(link.establishment.key)
        if facts is not None:
            by_ej.setdefault(facts.finess_ej, []).append(facts)
    reason = "ouvert par un playbook" + (f" : {summary}" if summary else "")
    found = []
    for group in by_ej.values():
        for member in group:
            why = next((c.reason for c in regime.bound if c.matches(member)), None)
            if why is not None:
                found.append(
                    Applicability(
                        regime.id,
                        regime.short_title,
                        member.key,
                        member.name,
                        member.finess_ej,
                        tuple(et for m in group for et in m.finess_et),
                        tuple(m.key for m in group),
                        why,
                        (reason,),
                    )
                )
                break
    return found


def playbook_opener(context: DeclarationContext) -> Callable[[object, BaseModel], str]:
    """The callable the playbook engine finds in its extras as `open_declaration_draft`."""

    def opener(action: object, arguments: BaseModel) -> str:
        from ght_soc.playbooks.engine import ActionContext

        assert isinstance(action, ActionContext)
        row = open_draft(
            session=action.session,
            incident=action.incident,
            playbook_regime=str(arguments.regime),  # type: ignore[attr-defined]
            summary=getattr(arguments, "summary", None),
            context=context,
            now=action.now,
        )
        return f"declaration:{row.id}"

    return opener
