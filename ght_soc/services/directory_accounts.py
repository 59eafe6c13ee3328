"""The people a directory vouches for: which directories may be logged in through, the local row of each
person they accepted (no password here, `User.directory` set), and their roles, read again from their groups
at every login: a group left in the directory is a role gone here, each change in the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.ldap.authenticate import DirectoryIdentity, normalise_dn
from connectors.ldap.settings import LdapSettings
from ght_soc.directory_settings import ldap_settings
from ght_soc.domain import GHT_WIDE_ONLY_ROLES, Role
from ght_soc.models import Establishment, User
from ght_soc.services.authentication import normalise_login
from ght_soc.services.users import assign_role, create_user, revoke_role
from ght_soc.settings import LoadedConfig

log = logging.getLogger(__name__)
Grant = tuple[Role, int | None]  # a role, and its establishment's id (None: the whole GHT)


@dataclass(frozen=True)
class LoginDirectory:
    """A directory people may log in through, with its group → role table (keys normalised)."""

    label: str  # "establishment-key/directory-name", as stored in User.directory
    establishment: str
    support: bool  # the GHT's directory: the only one that may give GHT-wide roles
    settings: LdapSettings
    role_groups: Mapping[str, Role]  # normalised group DN, or group SID, → role
    domains: frozenset[str]  # lower case


def login_directories(config: LoadedConfig) -> tuple[LoginDirectory, ...]:
    """The directories of the configuration whose `login:` is enabled, in the file's order."""
    found = []
    for establishment in config.settings.establishments:
        for item in establishment.directories:
            if item.login is None or not item.login.enabled:
                continue
            label = f"{establishment.key}/{item.name}"
            settings = ldap_settings(config, establishment.key, item)
            groups = {_group_key(key): role for key, role in item.login.role_groups.items()}
            domains = frozenset(d.lower() for d in item.login.domains)
            found.append(
                LoginDirectory(label, establishment.key, establishment.support, settings, groups, domains)
            )
    return tuple(found)


def admit(
    session: Session, directory: LoginDirectory, identity: DirectoryIdentity, now: datetime
) -> User | None:
    """The person's local row, created or brought up to date, with the roles their groups give; None: refused
    (no mapped group, a local account of that name, or an account disabled here)."""
    grants = _grants(session, directory, identity)
    login = normalise_login(f"{identity.login}@{directory.label}")
    user = session.scalars(select(User).where(User.login == login)).one_or_none()
    if user is not None and user.directory != directory.label:
        log.warning("directory login %r refused: a local account already has that name", login)
        return None
    if user is None:
        if not grants or len(login) > 120:
            return None  # no row for people the hub has no role for
        user = create_user(
            session=session,
            login=login,
            display_name=(identity.display_name or identity.login)[:200],
            password=None,
            email=_mail(identity),
            directory=directory.label,
            now=now,
        )
    else:
        user.display_name = (identity.display_name or identity.login)[:200]
        user.email = _mail(identity)
    _set_roles(session, user, grants, now)
    return user if grants and user.is_active else None


def _grants(session: Session, directory: LoginDirectory, identity: DirectoryIdentity) -> set[Grant]:
    establishment_id = session.scalars(
        select(Establishment.id).where(Establishment.key == directory.establishment)
    ).one()
    member_of = identity.group_dns | identity.group_sids
    grants: set[Grant] = set()
    for group, role in directory.role_groups.items():
        if group not in member_of:
            continue
        if role in GHT_WIDE_ONLY_ROLES:
            if directory.support:  # the configuration refuses it elsewhere; checked again, it is cheap
                grants.add((role, None))
        else:
            grants.add((role, establishment_id))
    return grants


def _set_roles(session: Session, user: User, grants: set[Grant], now: datetime) -> None:
    """Make the user's assignments exactly `grants`; each change is its own audit row."""
    for assignment in list(user.role_assignments):
        if (assignment.role, assignment.establishment_id) not in grants:
            revoke_role(session=session, user=user, assignment=assignment, now=now)
    held = {(a.role, a.establishment_id) for a in user.role_assignments}
    for role, establishment_id in sorted(grants - held, key=lambda g: (g[0].value, g[1] or 0)):
        establishment = session.get(Establishment, establishment_id) if establishment_id is not None else None
        assign_role(session=session, user=user, role=role, establishment=establishment, now=now)


def _group_key(key: str) -> str:
    return key.strip().upper() if key.strip().upper().startswith("S-1-") else normalise_dn(key)


def _mail(identity: DirectoryIdentity) -> str | None:
    return identity.mail if identity.mail and len(identity.mail) <= 254 else None
