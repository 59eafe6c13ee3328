"""Accounts and role assignments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import ESTABLISHMENT_ONLY_ROLES, GHT_WIDE_ONLY_ROLES, PERSON_ROLES, Role
from ght_soc.models import Establishment, RoleAssignment, User
from ght_soc.models.base import utcnow
from ght_soc.passwords import hash_password
from ght_soc.services import audit
from ght_soc.services.authentication import normalise_login


class UserError(ValueError):
    """A user or role request that cannot be carried out; the message is for people."""


def create_user(
    *,
    session: Session,
    login: str,
    display_name: str,
    password: str | None,
    email: str | None = None,
    grants: Sequence[tuple[Role, Establishment | None]] = (),
    actor: Principal | None = None,  # None: the hub itself (`ght-soc users add`, the demo)
    now: datetime | None = None,
    directory: str | None = None,  # "key/name": the directory checks the password; there is no local one
) -> User:
    name = normalise_login(login)
    if not name:
        raise UserError("identifiant vide")
    if (password is None) == (directory is None):
        raise UserError("un compte local a un mot de passe ; un compte d'annuaire n'en a pas ici")
    if session.scalars(select(User.id).where(User.login == name)).first() is not None:
        raise UserError(f"l'identifiant {name!r} existe déjà")
    password_hash = hash_password(password) if password is not None else None
    user = User(
        login=name, display_name=display_name, email=email, password_hash=password_hash, directory=directory
    )
    session.add(user)
    session.flush()
    # Audit (security hardening): the account, then each role, each its own row; never the password.
    created = {"login": name} | ({"directory": directory} if directory else {})
    action = audit.AuditAction.USER_CREATED
    audit.record(
        session, actor=actor, action=action, target=f"user:{user.id}", details=created, now=now or utcnow()
    )
    for role, establishment in grants:
        assign_role(session=session, user=user, role=role, establishment=establishment, actor=actor, now=now)
    session.flush()
    return user


def assign_role(
    *,
    session: Session,
    user: User,
    role: Role,
    establishment: Establishment | None,
    actor: Principal | None = None,
    now: datetime | None = None,
) -> RoleAssignment:
    """Give `role` to `user`, over the whole GHT (establishment None) or one establishment."""
    if role not in PERSON_ROLES:
        raise UserError(f"le rôle {role} est réservé aux jetons machine")
    if establishment is None and role in ESTABLISHMENT_ONLY_ROLES:
        raise UserError(f"le rôle {role} s'exerce pour un établissement : précisez lequel")
    if establishment is not None and role in GHT_WIDE_ONLY_ROLES:
        raise UserError(f"le rôle {role} couvre tout le GHT : il ne se limite pas à un établissement")
    assignment = RoleAssignment(role=role, establishment=establishment)
    user.role_assignments.append(assignment)
    session.flush()
    scope = {"role": role.value, "establishment": establishment.key if establishment else None}
    action = audit.AuditAction.ROLE_GRANTED
    audit.record(
        session, actor=actor, action=action, target=f"user:{user.id}", details=scope, now=now or utcnow()
    )
    return assignment


def revoke_role(
    *,
    session: Session,
    user: User,
    assignment: RoleAssignment,
    actor: Principal | None = None,
    now: datetime | None = None,
) -> None:
    """Take one role assignment away from `user`; the audit log says which role and where."""
    scope = {
        "role": assignment.role.value,
        "establishment": assignment.establishment.key if assignment.establishment else None,
    }
    user.role_assignments.remove(assignment)
    session.flush()
    action = audit.AuditAction.ROLE_REVOKED
    audit.record(
        session, actor=actor, action=action, target=f"user:{user.id}", details=scope, now=now or utcnow()
    )


def list_users(*, session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.login)).all()


def find_user(*, session: Session, login: str) -> User | None:
    return session.scalars(select(User).where(User.login == normalise_login(login))).one_or_none()
