"""The demo's breach register: besides the entries the demo incident's qualification opens, one breach with no
incident, not notified, with the reasoning a DPO writes for it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.declarations.breaches import BreachValues, CnilDecision, PersonsDecision
from ght_soc.declarations.facts import GdprRisk
from ght_soc.declarations.regimes import load_regimes
from ght_soc.models import BreachRecord, Establishment, User
from ght_soc.services import breach_register
from ght_soc.services.authentication import principal_for_user
from ght_soc.services.declarations import context_from_establishments

LETTER_TITLE = "Résultats d'analyses adressés à un autre patient (démonstration)"


def load_demo_breaches(*, session: Session, now: datetime) -> None:
    """Once, recorded by the demo's DPO: a letter with lab results sent to the wrong patient, contained the
    same day, risk unlikely, so not notified."""
    if session.scalars(select(BreachRecord.id).where(BreachRecord.title == LETTER_TITLE)).first() is not None:
        return
    dpo = session.scalars(select(User).where(User.login == "dpo")).one_or_none()
    actor = principal_for_user(session=session, user_id=dpo.id) if dpo is not None else None
    establishments = list(session.scalars(select(Establishment).order_by(Establishment.id)))
    member = next((e for e in establishments if not e.is_support), None)
    if actor is None or member is None:
        return  # the demo accounts and members come first (load_demo)
    aware = now - timedelta(days=3, hours=2)
    breach_register.record(
        session=session,
        establishment_id=member.id,
        values=BreachValues(
            title=LETTER_TITLE,
            aware_at=aware,
            occurred_at=aware - timedelta(days=2),
            contained_at=aware + timedelta(hours=4),
            circumstances=(
                "Un patient a reçu par courrier le compte rendu d'analyses biologiques d'un homonyme "
                "(erreur de mise sous pli au laboratoire) et l'a signalé au secrétariat."
            ),
            confidentiality=True,
            data_categories="identité, résultats d'analyses biologiques",
            health_data=True,
            person_categories="patients",
            persons_count=1,
            records_count=1,
            consequences="Divulgation à un seul tiers identifié, de bonne foi.",
            measures=(
                "Courrier récupéré non ouvert le jour même ; résultats renvoyés au bon patient ; "
                "double contrôle de la mise sous pli rappelé au laboratoire."
            ),
            risk=GdprRisk.UNLIKELY,
            risk_reasoning="Un destinataire identifié, courrier restitué non ouvert, aucune diffusion.",
            cnil_decision=CnilDecision.NOT_REQUIRED,
            cnil_reasoning=(
                "Violation non susceptible d'engendrer un risque pour les droits et libertés de la personne "
                "(art. 33(1)) : destinataire unique identifié, courrier restitué non ouvert le jour même."
            ),
            persons_decision=PersonsDecision.NOT_REQUIRED,
            persons_reasoning="Pas de risque élevé (art. 34(1)) ; le patient a néanmoins été prévenu par téléphone.",
        ),
        context=context_from_establishments(establishments, load_regimes()),
        actor=actor,
        now=now,
    )
