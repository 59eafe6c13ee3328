"""Logging in: password check, throttling of repeated failures, and the principal of a user.

Throttling counts failures per attempted login and per client address, whether the account exists or not,
and answers the same way in both cases: nothing tells an attacker which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import Principal, grants_from
from ght_soc.models import LoginThrottle, TotpCredential, User
from ght_soc.passwords import hash_password, needs_rehash, verify_password
from ght_soc.settings import LoginThrottleConfig

# An address gets more room than one login: a hospital's NAT hides many people behind one address.
ADDRESS_FAILURE_FACTOR = 4


class LoginOutcome(StrEnum):
    SUCCESS = "success"
    SECOND_FACTOR = "second_factor"  # the password is right; a code from the authenticator must follow
    REFUSED = "refused"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user_id: int | None = None
    retry_after: timedelta | None = None
    locked: bool = False  # this failure locked the login or the address (the audit log says so)


def normalise_login(login: str) -> str:
    return login.strip().lower()


def authenticate(
    *,
    session: Session,
    login: str,
    password: str,
    client_address: str,
    now: datetime,
    policy: LoginThrottleConfig,
) -> LoginResult:
    """Check a login attempt; record the failure or clear the counters on success.

    An account with a confirmed authenticator gets SECOND_FACTOR: its counters stay until the code is
    right too, so that a known password does not reset the count of wrong codes.
    """
    name = normalise_login(login)
    counters = _counters(session, name, client_address, now, policy)
    retry_after = _retry_after(counters, now)
    if retry_after is not None:
        return LoginResult(LoginOutcome.THROTTLED, retry_after=retry_after)

    user = session.scalars(select(User).where(User.login == name)).one_or_none()
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        return LoginResult(LoginOutcome.REFUSED, locked=_count_failure(session, counters, now, policy))

    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    credential = session.get(TotpCredential, user.id)
    if credential is not None and credential.confirmed_at is not None:
        session.flush()
        return LoginResult(LoginOutcome.SECOND_FACTOR, user_id=user.id)
    complete_login(session=session, user=user, now=now)
    return LoginResult(LoginOutcome.SUCCESS, user_id=user.id)


def check_throttle(
    *, session: Session, login: str, client_address: str, now: datetime, policy: LoginThrottleConfig
) -> timedelta | None:
    """How long this login or this address must still wait; None when neither is locked."""
    return _retry_after(_counters(session, normalise_login(login), client_address, now, policy), now)


def record_failure(
    *, session: Session, login: str, client_address: str, now: datetime, policy: LoginThrottleConfig
) -> bool:
    """Count one failed attempt (a wrong password or a wrong code); True when it locked the login or address."""
    counters = _counters(session, normalise_login(login), client_address, now, policy)
    return _count_failure(session, counters, now, policy)


def complete_login(*, session: Session, user: User, now: datetime) -> None:
    """Every factor was right: clear the login's failure counter and note the time."""
    counter = session.get(LoginThrottle, f"login:{user.login}"[:200])
    if counter is not None:
        session.delete(counter)
    user.last_login_at = now
    session.flush()


def _counters(
    session: Session, name: str, client_address: str, now: datetime, policy: LoginThrottleConfig
) -> list[LoginThrottle]:
    keys = (f"login:{name}"[:200], f"ip:{client_address}"[:200])
    return [_counter(session, key, now, policy) for key in keys]


def _retry_after(counters: list[LoginThrottle], now: datetime) -> timedelta | None:
    locked = [c.locked_until for c in counters if c.locked_until is not None and c.locked_until > now]
    return max(locked) - now if locked else None


def _count_failure(
    session: Session, counters: list[LoginThrottle], now: datetime, policy: LoginThrottleConfig
) -> bool:
    limits = (policy.max_failures, policy.max_failures * ADDRESS_FAILURE_FACTOR)
    locked = False
    for counter, limit in zip(counters, limits, strict=True):
        counter.failures += 1
        already_locked = counter.locked_until is not None and counter.locked_until > now
        if counter.failures >= limit and not already_locked:
            counter.locked_until = now + timedelta(minutes=policy.lockout_minutes)
            locked = True
    session.flush()
    return locked


def _counter(session: Session, key: str, now: datetime, policy: LoginThrottleConfig) -> LoginThrottle:
    counter = session.get(LoginThrottle, key)
    if counter is None:
        counter = LoginThrottle(key=key, failures=0, window_started_at=now)
        session.add(counter)
        session.flush()  # a second look-up in this unit of work finds it
    elif now - counter.window_started_at > timedelta(minutes=policy.window_minutes) and not (
        counter.locked_until and counter.locked_until > now
    ):
        counter.failures, counter.window_started_at, counter.locked_until = 0, now, None
    return counter


def principal_for_user(*, session: Session, user_id: int) -> Principal | None:
    """The principal of an active user, with its role grants; None for an unknown or disabled account."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return Principal(
        display_name=user.display_name,
        grants=grants_from((a.role, a.establishment_id) for a in user.role_assignments),
        user_id=user.id,
        locale=user.locale,
    )
