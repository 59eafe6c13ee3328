"""Logging in through a directory: the person's establishment's, or the GHT's (the support establishment's).

A login with a local password keeps the local check, unchanged. Any other login goes to the directories whose
`login:` is enabled: `user@domain` and `DOMAIN\\user` to the directory that lists the domain, a bare name to
every such directory, and the password is only ever sent to the one directory where exactly one account of
that name exists (never sprayed over the GHT's directories). Once the directory accepts it, the person's
local row and roles come from ght_soc/services/directory_accounts.py. Throttling counts as for local logins,
and is checked before any directory is asked.

Three steps, so that no directory is asked inside a unit of work (SQLite's writers hold the database lock for
a whole unit of work, and a directory that times out would hold it that long): `plan_login` reads the
database, `ask_directories` talks LDAP only, `authenticate` decides and counts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.ldap.authenticate import (
    AccountDisabled,
    BadCredentials,
    DirectoryIdentity,
    LdapTlsError,
    LdapUnavailable,
    ServiceAccountRefused,
    find_account,
    verify,
)
from connectors.ldap.connector import LdapEncryptionRequired
from ght_soc.models import LoginThrottle, TotpCredential, User
from ght_soc.services import authentication
from ght_soc.services.authentication import LoginOutcome, LoginResult, normalise_login
from ght_soc.services.directory_accounts import LoginDirectory, admit, login_directories
from ght_soc.settings import LoginThrottleConfig

log = logging.getLogger(__name__)
__all__ = [
    "LoginDirectory",
    "ask_directories",
    "authenticate",
    "login_directories",
    "password_still_right",
    "plan_login",
]


class Verdict(StrEnum):
    LOCAL = "local"  # not a directory login: the local check decides
    THROTTLED = "throttled"  # the login or the address was locked: no directory was asked
    REFUSED = "refused"  # empty or wrong password, unknown or ambiguous name, disabled account
    UNAVAILABLE = "unavailable"  # no directory could answer: the password was not checked
    ACCEPTED = "accepted"


@dataclass(frozen=True)
class LoginPlan:
    """What the database says before any directory is asked: local or not, throttled or not, where to ask."""

    local: bool
    throttled: bool = False
    candidates: tuple[LoginDirectory, ...] = ()
    account_name: str = ""


@dataclass(frozen=True)
class DirectoryAnswer:
    verdict: Verdict
    directory: LoginDirectory | None = None
    identity: DirectoryIdentity | None = None


def plan_login(
    *,
    session: Session,
    login: str,
    client_address: str,
    now: datetime,
    policy: LoginThrottleConfig,
    directories: Sequence[LoginDirectory],
) -> LoginPlan:
    """Read-only first step, in a unit of work of its own: directories are then asked with no lock held
    (SQLite's writers take the lock for the whole unit of work; a directory that times out would hold it)."""
    name = normalise_login(login)
    route = _route(session, name, directories)
    if route is None:
        return LoginPlan(local=True)
    throttled = _locked_until(session, name, client_address, now) is not None
    return LoginPlan(local=False, throttled=throttled, candidates=tuple(route[0]), account_name=route[1])


def ask_directories(plan: LoginPlan, password: str) -> DirectoryAnswer:
    """The directory's answer for a planned directory login (LDAP only, no database)."""
    if plan.local:
        return DirectoryAnswer(Verdict.LOCAL)
    if plan.throttled:
        return DirectoryAnswer(Verdict.THROTTLED)  # before any bind: throttling protects the directory too
    if not password:  # before any search or bind: an empty password is an anonymous bind to LDAP
        return DirectoryAnswer(Verdict.REFUSED)
    try:
        directory, identity = _check(plan.candidates, plan.account_name, password)
    except (BadCredentials, AccountDisabled):
        return DirectoryAnswer(Verdict.REFUSED)
    except (LdapUnavailable, LdapTlsError, LdapEncryptionRequired, ServiceAccountRefused) as failure:
        log.warning("directory login for %r impossible: %s", plan.account_name, failure)
        return DirectoryAnswer(Verdict.UNAVAILABLE)
    return DirectoryAnswer(Verdict.ACCEPTED, directory, identity)


def authenticate(
    *,
    session: Session,
    login: str,
    password: str,
    client_address: str,
    now: datetime,
    policy: LoginThrottleConfig,
    answer: DirectoryAnswer,
) -> LoginResult:
    """The attempt's outcome, counted in the throttle: the local check, or the directory's `answer` applied."""
    if answer.verdict is Verdict.LOCAL:
        return authentication.authenticate(
            session=session,
            login=login,
            password=password,
            client_address=client_address,
            now=now,
            policy=policy,
        )
    name = normalise_login(login)
    retry_after = authentication.check_throttle(
        session=session, login=name, client_address=client_address, now=now, policy=policy
    )
    if retry_after is not None:
        return LoginResult(LoginOutcome.THROTTLED, retry_after=retry_after)
    if answer.verdict in (Verdict.UNAVAILABLE, Verdict.THROTTLED):
        # The password was not checked (a directory down, or a lock that ran out meanwhile). Not counted,
        # so that retries during an outage lock nobody out; the operators see why in the log.
        return LoginResult(LoginOutcome.REFUSED)
    user = None
    if answer.verdict is Verdict.ACCEPTED and answer.directory and answer.identity:
        user = admit(session, answer.directory, answer.identity, now)
    if user is None:
        locked = authentication.record_failure(
            session=session, login=name, client_address=client_address, now=now, policy=policy
        )
        return LoginResult(LoginOutcome.REFUSED, locked=locked)
    credential = session.get(TotpCredential, user.id)
    if credential is not None and credential.confirmed_at is not None:
        session.flush()
        return LoginResult(LoginOutcome.SECOND_FACTOR, user_id=user.id)
    authentication.complete_login(session=session, user=user, now=now)
    typed = session.get(LoginThrottle, f"login:{name}"[:200])  # counted under the name as typed
    if typed is not None:
        session.delete(typed)
        session.flush()
    return LoginResult(LoginOutcome.SUCCESS, user_id=user.id)


def password_still_right(
    *, login: str, directory: str, password: str, directories: Sequence[LoginDirectory]
) -> bool:
    """Re-authentication of a directory account (`User.login`, `User.directory`): its own directory, asked
    again with no database lock held; False when that directory refuses or cannot answer."""
    own = [d for d in directories if d.label == directory]
    account_name = login.removesuffix(f"@{directory}")
    if not own or not password or account_name == login:
        return False
    try:
        _check(own, account_name, password)
    except (
        BadCredentials,
        AccountDisabled,
        LdapUnavailable,
        LdapTlsError,
        LdapEncryptionRequired,
        ServiceAccountRefused,
    ):
        return False
    return True


def _locked_until(session: Session, name: str, client_address: str, now: datetime) -> datetime | None:
    """The lock on this login or address, read without creating counters (this step writes nothing)."""
    keys = (f"login:{name}"[:200], f"ip:{client_address}"[:200])
    locks = [
        c.locked_until
        for c in (session.get(LoginThrottle, key) for key in keys)
        if c is not None and c.locked_until is not None and c.locked_until > now
    ]
    return max(locks) if locks else None


def _route(
    session: Session, name: str, directories: Sequence[LoginDirectory]
) -> tuple[list[LoginDirectory], str] | None:
    """The directories to ask and the account name to look for; None: the local check alone."""
    if not directories or not name:
        return None
    local = session.scalars(select(User).where(User.login == name)).one_or_none()
    if local is not None and local.password_hash is not None:
        return None
    if "\\" in name:
        domain, _, user = name.partition("\\")
        chosen = [d for d in directories if domain in d.domains]
        return (chosen, user) if chosen and user else None
    if "@" in name:
        user, _, domain = name.rpartition("@")
        chosen = [d for d in directories if domain in d.domains]
        if chosen:
            return (chosen, user) if user else None
    return list(directories), name  # a bare name, or a userPrincipalName of a domain not listed


def _check(
    candidates: Sequence[LoginDirectory], account_name: str, password: str
) -> tuple[LoginDirectory, DirectoryIdentity]:
    """Find the one directory holding `account_name`, and let it check the password."""
    found = []
    unreachable: LdapUnavailable | LdapTlsError | LdapEncryptionRequired | ServiceAccountRefused | None = None
    for directory in candidates:
        try:
            account = find_account(directory.settings, account_name)
        except (LdapUnavailable, LdapTlsError, LdapEncryptionRequired, ServiceAccountRefused) as failure:
            # One establishment's directory down must not stop the others' people from logging in.
            log.warning("directory %s skipped for a login: %s", directory.label, failure)
            unreachable = failure
            continue
        if account is not None:
            found.append((directory, account))
    if not found and unreachable is not None:
        raise unreachable
    if len(found) != 1:  # nobody, or one name in two directories: the password goes to neither
        raise BadCredentials("aucun compte, ou plusieurs annuaires")
    directory, account = found[0]
    return directory, verify(directory.settings, account, password)
