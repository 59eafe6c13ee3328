"""The demo GHT's declarant mandates: who may approve and file for each member.

Every member has a director (only the support establishment's has a demo account, "directeur"); the pooled
RSSI holds a delegation from each other member's director, as most GHTs arrange so that one person can file at
night for a small member; the pooled DPO is delegated for the GDPR notifications of every member. One RSSI
delegation from last year has expired, so the mandates page shows what an ended delegation looks like.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import SYSTEM
from ght_soc.declarations.mandates import MandateKind
from ght_soc.declarations.regimes import load_regimes
from ght_soc.models import DeclarantMandate, Establishment, User
from ght_soc.services.declarant_mandates import NewMandate, record

GDPR_REGIMES = ("gdpr_art33", "gdpr_art34")


def load_demo_mandates(*, session: Session, now: datetime) -> None:
    """Once: the directors, the RSSI's and the DPO's delegations (valid this year and the next)."""
    if session.scalars(select(DeclarantMandate.id).limit(1)).first() is not None:
        return
    users = {u.login: u for u in session.scalars(select(User))}
    known = frozenset(load_regimes())
    year = now.year
    for number, establishment in enumerate(
        session.scalars(select(Establishment).order_by(Establishment.id)), 1
    ):
        director = f"Direction de {establishment.short_name}"
        account = users.get("directeur") if establishment.is_support else None
        mandates = [
            NewMandate(
                establishment_id=establishment.id,
                kind=MandateKind.DIRECTOR,
                user_id=account.id if account else None,
                person_name=account.display_name if account else director,
                function="Directeur général" if establishment.is_support else "Directeur",
                email=f"direction@{establishment.key}.invalid",
                valid_from=date(year - 3, 9, 1),
            ),
            _delegation(
                establishment, users.get("dpo"), director, f"DPO-{year}-{number:02d}", year, GDPR_REGIMES
            ),
        ]
        if not establishment.is_support:
            mandates.append(
                _delegation(establishment, users.get("rssi"), director, f"DEL-{year}-{number:02d}", year)
            )
        if number == 2:  # last year's delegation, ended on 31 December
            ended = _delegation(
                establishment, users.get("rssi"), director, f"DEL-{year - 1}-{number:02d}", year - 1
            )
            mandates.append(replace(ended, valid_until=date(year - 1, 12, 31)))
        for mandate in mandates:
            if mandate.kind == MandateKind.DIRECTOR or mandate.user_id is not None:
                record(session=session, new=mandate, known_regimes=known, actor=SYSTEM, now=now)


def _delegation(
    establishment: Establishment,
    user: User | None,
    director: str,
    reference: str,
    year: int,
    regimes: tuple[str, ...] = (),
) -> NewMandate:
    return NewMandate(
        establishment_id=establishment.id,
        kind=MandateKind.DELEGATION,
        user_id=user.id if user else None,
        person_name=user.display_name if user else "",
        function="DPO mutualisé du GHT" if regimes else "RSSI mutualisé du GHT",
        email=user.email or "" if user else "",
        regimes=regimes,
        valid_from=date(year, 1, 1),
        valid_until=date(year + 1, 12, 31),
        granted_by=director,
        act_reference=reference,
        act_date=date(year - 1, 12, 15),
    )
