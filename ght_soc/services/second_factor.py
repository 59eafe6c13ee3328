"""The second factor: TOTP enrolment (RFC 6238, pyotp), code checks with replay refusal, recovery codes.

A code is accepted one step (30 s) either side of now, and only if its step is later than the last one
accepted: a code seen once, or an older one, is refused (RFC 6238 §5.2). Ten recovery codes, each good once,
are kept as argon2 hashes like passwords. Nothing here calls out: the QR code is drawn here, as SVG.
"""

from __future__ import annotations

import base64
import hmac
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import pyotp
import segno
from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import GHT_WIDE_ONLY_ROLES
from ght_soc.models import RecoveryCode, TotpCredential, User
from ght_soc.passwords import hash_password, verify_password
from ght_soc.services.authentication import LoginOutcome, check_throttle, complete_login, record_failure
from ght_soc.settings import LoginThrottleConfig

STEP_SECONDS = 30
WINDOW_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper
_RECOVERY_GROUPS, _RECOVERY_GROUP_LENGTH = 4, 4  # 16 characters, about 79 bits


class Factor(StrEnum):
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


class SecondFactorError(ValueError):
    """An enrolment request that cannot be carried out (already enrolled, nothing pending)."""


@dataclass(frozen=True)
class Provisioning:
    """What the enrolment page shows: the secret as text, the otpauth URI, and the QR code as SVG."""

    secret: str
    uri: str
    qr_svg_data_uri: str


def must_enrol(principal: Principal) -> bool:
    """GHT-wide accounts need a second factor: a role only the group holds, or any grant over the whole GHT."""
    return any(g.role in GHT_WIDE_ONLY_ROLES or g.establishment_id is None for g in principal.grants)


def is_enrolled(*, session: Session, user_id: int) -> bool:
    credential = session.get(TotpCredential, user_id)
    return credential is not None and credential.confirmed_at is not None


def begin_enrolment(*, session: Session, user: User, now: datetime) -> TotpCredential:
    """A new secret waiting for its first code; an earlier unconfirmed one is replaced."""
    credential = session.get(TotpCredential, user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise SecondFactorError("an authenticator is already set up for this account")
    if credential is None:
        credential = TotpCredential(user_id=user.id, secret="", created_at=now)
        session.add(credential)
    credential.secret, credential.created_at, credential.last_used_step = pyotp.random_base32(), now, None
    session.flush()
    return credential


def pending_secret(*, session: Session, user_id: int) -> str | None:
    credential = session.get(TotpCredential, user_id)
    return credential.secret if credential is not None and credential.confirmed_at is None else None


def provisioning(secret: str, *, account: str, issuer: str) -> Provisioning:
    """The otpauth:// URI an authenticator app reads, and its QR code drawn here as an SVG data URI."""
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=4, xmldecl=False)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return Provisioning(secret=secret, uri=uri, qr_svg_data_uri=f"data:image/svg+xml;base64,{encoded}")


def confirm_enrolment(*, session: Session, user_id: int, code: str, now: datetime) -> list[str] | None:
    """Check the first code against the pending secret; on success, confirm it and return new recovery codes."""
    credential = _locked(session, user_id)
    if credential is None or credential.confirmed_at is not None:
        raise SecondFactorError("no authenticator set-up is waiting for this account")
    if not _accept_totp(credential, code, now):
        session.flush()
        return None
    credential.confirmed_at = now
    return replace_recovery_codes(session=session, user_id=user_id, now=now)


def replace_recovery_codes(*, session: Session, user_id: int, now: datetime) -> list[str]:
    """Ten new single-use codes, shown once; the earlier ones stop working."""
    for old in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id)):
        session.delete(old)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        session.add(RecoveryCode(user_id=user_id, code_hash=hash_password(code), created_at=now))
    session.flush()
    return codes


def remaining_recovery_codes(*, session: Session, user_id: int) -> int:
    return len(_unused_codes(session, user_id))


def check_code(*, session: Session, user_id: int, code: str, now: datetime) -> Factor | None:
    """The factor the code proved (a TOTP code or a recovery code, each used up), or None when wrong."""
    credential = _locked(session, user_id)
    if credential is None or credential.confirmed_at is None:
        return None
    text = "".join(code.split())
    if text.isdigit():
        accepted = _accept_totp(credential, text, now)
        session.flush()
        return Factor.TOTP if accepted else None
    wanted = _normalise_recovery_code(text)
    for row in _unused_codes(session, user_id):
        if verify_password(row.code_hash, wanted):
            row.used_at = now
            session.flush()
            return Factor.RECOVERY_CODE
    return None


@dataclass(frozen=True)
class StepResult:
    """The answer to a second login step or a re-authentication: SUCCESS, REFUSED or THROTTLED."""

    outcome: LoginOutcome
    factor: Factor | None = None
    retry_after: timedelta | None = None
    locked: bool = False


def login_second_step(
    *,
    session: Session,
    user_id: int,
    code: str,
    client_address: str,
    now: datetime,
    policy: LoginThrottleConfig,
) -> StepResult:
    """The code after a right password; a wrong code counts in the same throttle as a wrong password."""
    return _verify(session, user_id, None, code, client_address, now, policy)


def reauthenticate(
    *,
    session: Session,
    user_id: int,
    password: str,
    code: str,
    client_address: str,
    now: datetime,
    policy: LoginThrottleConfig,
    directory_says: bool | None = None,
) -> StepResult:
    """Password again, and a code when an authenticator is set up (before approvals and declarations).

    A directory account has no local password: `directory_says` is its directory's answer, asked beforehand
    with no database lock held (ght_soc/services/directory_login.py `password_still_right`)."""
    return _verify(session, user_id, password, code, client_address, now, policy, directory_says)


def _verify(
    session: Session,
    user_id: int,
    password: str | None,
    code: str,
    client_address: str,
    now: datetime,
    policy: LoginThrottleConfig,
    directory_says: bool | None = None,
) -> StepResult:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return StepResult(LoginOutcome.REFUSED)
    retry_after = check_throttle(
        session=session, login=user.login, client_address=client_address, now=now, policy=policy
    )
    if retry_after is not None:
        return StepResult(LoginOutcome.THROTTLED, retry_after=retry_after)
    factor: Factor | None = None
    if password is None:
        right = True
    elif user.directory is not None:
        right = bool(directory_says)
    else:
        right = verify_password(user.password_hash, password)
    if right and (password is None or is_enrolled(session=session, user_id=user_id)):
        factor = check_code(session=session, user_id=user_id, code=code, now=now)
        right = factor is not None
    if not right:
        locked = record_failure(
            session=session, login=user.login, client_address=client_address, now=now, policy=policy
        )
        return StepResult(LoginOutcome.REFUSED, locked=locked)
    complete_login(session=session, user=user, now=now)
    return StepResult(LoginOutcome.SUCCESS, factor=factor)


def _locked(session: Session, user_id: int) -> TotpCredential | None:
    # Locked so that two requests carrying the same code cannot both see it unused (SQLite: one writer).
    statement = (
        select(TotpCredential)
        .where(TotpCredential.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(statement).one_or_none()


def _accept_totp(credential: TotpCredential, code: str, now: datetime) -> bool:
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(credential.secret, interval=STEP_SECONDS)
    current = totp.timecode(now)
    for step in range(current - WINDOW_STEPS, current + WINDOW_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if credential.last_used_step is not None and step <= credential.last_used_step:
                return False  # a replay, or a code older than one already used
            credential.last_used_step = step
            return True
    return False


def _unused_codes(session: Session, user_id: int) -> Sequence[RecoveryCode]:
    return session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    ).all()


def _new_recovery_code() -> str:
    characters = "".join(
        secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUPS * _RECOVERY_GROUP_LENGTH)
    )
    size = _RECOVERY_GROUP_LENGTH
    return "-".join(characters[i : i + size] for i in range(0, len(characters), size))


def _normalise_recovery_code(text: str) -> str:
    """People type them with or without dashes, in capitals or not."""
    characters = "".join(c for c in text.lower() if c.isalnum())
    size = _RECOVERY_GROUP_LENGTH
    return "-".join(characters[i : i + size] for i in range(0, len(characters), size))
