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
from ght_soc.models import LoginThrottle, User
from ght_soc.passwords import hash_password, needs_rehash, verify_password
from ght_soc.settings import LoginThrottleConfig

# An address gets more room than one login: a hospital's NAT hides many people behind one address.
ADDRESS_FAILURE_FACTOR = 4


class LoginOutcome(StrEnum):
    SUCCESS = "success"
    REFUSED = "refused"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user_id: int | None = None
    retry_after: timedelta | None = None


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
    """Check a login attempt; record the failure or clear the counters on success."""
    name = normalise_login(login)
    keys = (f"login:{name}"[:200], f"ip:{client_address}"[:200])
    counters = [_counter(session, key, now, policy) for key in keys]
    locked = [c.locked_until for c in counters if c.locked_until is not None and c.locked_until > now]
    if locked:
        return LoginResult(LoginOutcome.THROTTLED, retry_after=max(locked) - now)

    user = session.scalars(select(User).where(User.login == name)).one_or_none()
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        limits = (policy.max_failures, policy.max_failures * ADDRESS_FAILURE_FACTOR)
        for counter, limit in zip(counters, limits, strict=True):
            counter.failures += 1
            if counter.failures >= limit:
                counter.locked_until = now + timedelta(minutes=policy.lockout_minutes)
        session.flush()
        return LoginResult(LoginOutcome.REFUSED)

    session.delete(counters[0])
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return LoginResult(LoginOutcome.SUCCESS, user_id=user.id)


def _counter(session: Session, key: str, now: datetime, policy: LoginThrottleConfig) -> LoginThrottle:
    counter = session.get(LoginThrottle, key)
    if counter is None:
        counter = LoginThrottle(key=key, failures=0, window_started_at=now)
        session.add(counter)
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
