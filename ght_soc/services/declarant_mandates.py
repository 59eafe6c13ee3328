"""Recording the directors and delegations that let a person approve and file declarations, and asking for them.

Who records: someone keeping the accounts or the governance of the establishment (the administrator, the GHT
RSSI, the site's correspondent), never for themselves — a person cannot grant themselves the right to declare.
Each recording and revocation is in the audit chain. The delegate's account must already have the DECLARE
permission over the establishment (a role): the mandate says who may act in law, the role what they may touch
in the hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import Permission, Principal
from ght_soc.declarations.documents import Contact
from ght_soc.declarations.mandates import Mandate, MandateKind, authority, contact, current_director
from ght_soc.models import DeclarantMandate, Establishment, User
from ght_soc.services import audit
from ght_soc.services.authentication import principal_for_user


class MandateError(ValueError):
    """A mandate that cannot be recorded or revoked as asked; the message says why."""


@dataclass(frozen=True)
class NewMandate:
    establishment_id: int
    kind: MandateKind
    person_name: str
    valid_from: date
    valid_until: date | None = None
    user_id: int | None = None
    function: str = ""
    email: str = ""
    phone: str = ""
    regimes: tuple[str, ...] = ()
    granted_by: str = ""
    act_reference: str = ""
    act_date: date | None = None


def local_day(moment: datetime, zone: str) -> date:
    """The day on the establishment's calendar, which is the calendar its mandates are dated in."""
    return moment.astimezone(ZoneInfo(zone)).date()


def as_mandate(row: DeclarantMandate) -> Mandate:
    return Mandate(
        kind=row.kind,
        person_name=row.person_name,
        function=row.function,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        regimes=frozenset(row.regimes),
        user_id=row.user_id,
        email=row.email,
        phone=row.phone,
        granted_by=row.granted_by,
        act_reference=row.act_reference,
        act_date=row.act_date,
        revoked_on=row.revoked_on,
    )


def rows_of(*, session: Session, establishment_id: int | None = None) -> list[DeclarantMandate]:
    """The mandates the session may see (one establishment's when named), the current ones first."""
    query = select(DeclarantMandate).order_by(
        DeclarantMandate.establishment_id, DeclarantMandate.valid_from.desc(), DeclarantMandate.id
    )
    if establishment_id is not None:
        query = query.where(DeclarantMandate.establishment_id == establishment_id)
    return list(session.scalars(query))


def authority_for(
    *,
    session: Session,
    actor: Principal,
    establishment: Establishment,
    regime_id: str,
    regime_title: str,
    moment: datetime,
    zone: str,
) -> Mandate:
    """The mandate under which `actor` acts for the establishment at `moment`; raises MandateRefused otherwise."""
    if actor.user_id is None:
        raise MandateError("une déclaration est approuvée et déposée par une personne")
    return authority(
        (as_mandate(r) for r in rows_of(session=session, establishment_id=establishment.id)),
        user_id=actor.user_id,
        regime_id=regime_id,
        regime_title=regime_title,
        on=local_day(moment, zone),
        who=actor.display_name,
        where=establishment.name,
    )


def director_contact(
    *, session: Session, establishment_id: int, moment: datetime, zone: str
) -> Contact | None:
    """The director in office, named as declarant on a draft until the approver puts their own name."""
    rows = rows_of(session=session, establishment_id=establishment_id)
    found = current_director((as_mandate(r) for r in rows), local_day(moment, zone))
    return contact(found) if found else None


def may_manage(actor: Principal, establishment_id: int) -> bool:
    """Mandates are kept by whoever keeps the accounts (administrator) or the governance (RSSI, correspondent)."""
    return actor.can(Permission.MANAGE_USERS, establishment_id) or actor.can(
        Permission.MANAGE_GOVERNANCE, establishment_id
    )


def record(
    *, session: Session, new: NewMandate, known_regimes: frozenset[str], actor: Principal, now: datetime
) -> DeclarantMandate:
    """Record a director or a delegation after checking it makes sense; audited."""
    if not may_manage(actor, new.establishment_id):
        raise MandateError(
            "enregistrer un mandat demande de gérer les comptes ou la gouvernance de cet établissement"
        )
    if new.user_id is not None and new.user_id == actor.user_id:
        raise MandateError("personne n'enregistre son propre mandat : demandez-le à un autre administrateur")
    if not new.person_name.strip():
        raise MandateError("le nom de la personne est obligatoire")
    if new.valid_until is not None and new.valid_until < new.valid_from:
        raise MandateError("la fin de validité précède son début")
    if new.kind == MandateKind.DELEGATION:
        _check_delegation(new)
    unknown = sorted(set(new.regimes) - known_regimes)
    if unknown:
        raise MandateError(f"régimes inconnus : {', '.join(unknown)}")
    if new.user_id is not None:
        _check_account(session, new.user_id, new.establishment_id)
    row = DeclarantMandate(
        establishment_id=new.establishment_id,
        kind=new.kind,
        user_id=new.user_id,
        person_name=new.person_name.strip(),
        function=new.function.strip(),
        email=new.email.strip(),
        phone=new.phone.strip(),
        regimes=sorted(set(new.regimes)),
        valid_from=new.valid_from,
        valid_until=new.valid_until,
        granted_by=new.granted_by.strip(),
        act_reference=new.act_reference.strip(),
        act_date=new.act_date,
        recorded_at=now,
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.display_name,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.MANDATE_RECORDED,
        target=f"mandate:{row.id}",
        details={
            "establishment_id": row.establishment_id,
            "kind": row.kind.value,
            "user_id": row.user_id,
            "person": row.person_name,
            "regimes": row.regimes,
            "valid_from": row.valid_from.isoformat(),
            "valid_until": row.valid_until.isoformat() if row.valid_until else None,
            "act_reference": row.act_reference,
        },
        now=now,
    )
    return row


def _check_delegation(new: NewMandate) -> None:
    if new.user_id is None:
        raise MandateError("une délégation désigne un compte du hub : c'est lui qui approuvera et déposera")
    if new.valid_until is None:
        raise MandateError("une délégation a une date de fin de validité")
    if not new.granted_by.strip() or not new.act_reference.strip():
        raise MandateError("une délégation nomme le directeur qui l'a signée et la référence de l'acte")


def _check_account(session: Session, user_id: int, establishment_id: int) -> None:
    user = session.get(User, user_id)
    principal = principal_for_user(session=session, user_id=user_id) if user else None
    if user is None or principal is None:
        raise MandateError("ce compte n'existe pas ou est désactivé")
    if not principal.can(Permission.DECLARE, establishment_id):
        raise MandateError(
            f"le compte {user.login} n'a aucun rôle qui lui permette de déclarer pour cet établissement : "
            "attribuez-lui d'abord le rôle de déclarant (ou RSSI, DPO)"
        )


def revoke(
    *, session: Session, row: DeclarantMandate, on: date, reason: str, actor: Principal, now: datetime
) -> None:
    """End a mandate from `on` (included); the row stays for the record."""
    if not may_manage(actor, row.establishment_id):
        raise MandateError(
            "révoquer un mandat demande de gérer les comptes ou la gouvernance de cet établissement"
        )
    if row.revoked_on is not None:
        raise MandateError("ce mandat est déjà révoqué")
    if not reason.strip():
        raise MandateError("indiquez le motif de la révocation")
    row.revoked_on, row.revoked_at = on, now
    row.revoked_by_name, row.revoke_reason = actor.display_name, reason.strip()[:500]
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.MANDATE_REVOKED,
        target=f"mandate:{row.id}",
        details={"revoked_on": on.isoformat(), "reason": row.revoke_reason},
        now=now,
    )
