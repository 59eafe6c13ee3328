"""The audit log: every security-relevant action, append-only and hash-chained.

Each row stores `hash = SHA-256(previous_hash + canonical JSON of its own fields)`, the first row chaining
on `GENESIS_HASH`; the chain head (one row) holds the last hash. `verify` walks the rows in id order and
names the first one that was edited, deleted before, or inserted; a deleted tail shows against the head.

Writers are serialised on the head row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite has one writer at a
time anyway), so two transactions can never chain on the same previous hash. The lock is held until the
unit of work commits: call `record` last in it, after the rows the action changes.

Limits, said plainly: someone who can write to the database can rewrite the whole chain and its head; the
head hash printed by `ght-soc audit verify`, kept elsewhere, is what proves a past state.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.models.audit import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
HEAD_ID = 1
# Keys whose values are secrets by nature: refused in `details`, so that a careless caller fails in tests.
_SECRET_WORDS = ("password", "passwd", "secret", "otp", "recovery", "private_key", "api_key", "clear")
_SECRET_KEYS = frozenset({"token", "code", "key"})
# How far back `verify` remembers hashes to tell an inserted row from a deleted one.
_RECENT_HASHES = 1024


class AuditAction(StrEnum):
    LOGIN_SUCCESS = "login.success"
    LOGIN_FAILURE = "login.failure"
    LOGIN_LOCKOUT = "login.lockout"  # the failure that locked a login or an address
    LOGIN_THROTTLED = "login.throttled"  # an attempt refused while locked
    TOTP_FAILURE = "login.totp_failure"
    RECOVERY_CODE_USED = "login.recovery_code_used"
    LOGOUT = "logout"
    REAUTHENTICATED = "reauth.success"
    REAUTH_FAILURE = "reauth.failure"
    TOTP_ENROLLED = "totp.enrolled"
    USER_CREATED = "user.created"
    ROLE_GRANTED = "user.role_granted"
    ROLE_REVOKED = "user.role_revoked"  # e.g. a directory login whose groups no longer give the role
    TOKEN_ISSUED = "token.issued"
    TOKEN_REVOKED = "token.revoked"
    RUN_STARTED = "run.started"
    RUN_CANCELLED = "run.cancelled"
    APPROVAL_ANSWERED = "run.approval_answered"
    MEMBER_ACTION = "member_action"
    DECLARATION_APPROVED = "declaration.approved"
    DECLARATION_SENT = "declaration.sent"
    BREACH_RECORDED = "breach.recorded"  # an entry of the GDPR art. 33(5) breach register
    BREACH_EDITED = "breach.edited"
    MANDATE_RECORDED = "mandate.recorded"
    MANDATE_REVOKED = "mandate.revoked"


class SecretInAuditError(ValueError):
    """`details` has a key that names a secret; secrets never enter the audit log."""


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: AuditAction,
    target: str,
    details: Mapping[str, Any] | None = None,
    now: datetime,
) -> AuditEvent:
    """Append one event at the end of the chain; `actor` None means the hub itself. Flushes, never commits."""
    clean = _canonical_details(details or {})
    head = _locked_head(session)
    event = AuditEvent(
        at=now.astimezone(UTC),
        actor_name=(actor.display_name if actor else "ght-soc")[:200],
        actor_user_id=actor.user_id if actor else None,
        actor_token_id=actor.token_id if actor else None,
        action=str(action),
        target=target[:200],
        details=clean,
        previous_hash=head.last_hash,
    )
    event.hash = chain_hash(head.last_hash, event)
    session.add(event)
    session.flush()
    head.last_event_id, head.last_hash, head.length = event.id, event.hash, head.length + 1
    session.flush()
    return event


def _locked_head(session: Session) -> AuditChainHead:
    # populate_existing: a head already in this session's identity map may be older than the locked row.
    statement = (
        select(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    head = session.scalars(statement).one_or_none()
    if head is None:  # a schema made by create_all instead of the migration, which inserts the head
        head = AuditChainHead(id=HEAD_ID, last_event_id=None, last_hash=GENESIS_HASH, length=0)
        session.add(head)
        session.flush()
    return head


def _canonical_details(details: Mapping[str, Any]) -> dict[str, Any]:
    _refuse_secrets(details)
    # Stored as read back from canonical JSON: what the database keeps is exactly what was hashed.
    value: dict[str, Any] = json.loads(_canonical_json(dict(details)))
    return value


def _refuse_secrets(value: object) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            name = str(key).lower()
            if name in _SECRET_KEYS or any(word in name for word in _SECRET_WORDS):
                raise SecretInAuditError(f"audit details may not carry {key!r}")
            _refuse_secrets(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            _refuse_secrets(inner)


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def chain_hash(previous_hash: str, event: AuditEvent) -> str:
    """SHA-256 of the previous hash followed by the canonical JSON of the event's own fields (not its id)."""
    fields = {
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_name": event.actor_name,
        "actor_user_id": event.actor_user_id,
        "actor_token_id": event.actor_token_id,
        "action": event.action,
        "target": event.target,
        "details": event.details,
    }
    return hashlib.sha256((previous_hash + _canonical_json(fields)).encode()).hexdigest()


class Breach(StrEnum):
    EDITED = "edited"  # the row's fields no longer give its hash
    INSERTED = "inserted"  # the row was slipped in between two chained rows
    DELETED = "deleted"  # rows are missing just before this one
    TRUNCATED = "truncated"  # rows are missing at the end (the head says the chain went further)


@dataclass(frozen=True)
class ChainProblem:
    breach: Breach
    event_id: int | None  # the first broken row; for TRUNCATED, the last row still there (None: none left)
    explanation: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify(session: Session) -> ChainReport:
    """Walk the chain in id order; stop at the first row that breaks it and say how."""
    head = session.get(AuditChainHead, HEAD_ID)
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=500))
    recent: deque[tuple[int, str]] = deque(maxlen=_RECENT_HASHES)  # (id, hash) of the rows already walked
    previous = GENESIS_HASH
    checked = 0
    try:
        for event in rows.scalars():
            problem = _check(event, previous, recent)
            if problem is not None:
                return ChainReport(checked, head.last_hash if head else GENESIS_HASH, problem)
            recent.append((event.id, event.hash))
            previous = event.hash
            checked += 1
    finally:
        rows.close()  # a server-side cursor on PostgreSQL (yield_per): closed even when stopping early
    return ChainReport(checked, previous, _check_head(session, head, recent[-1] if recent else None, checked))


def _check(event: AuditEvent, previous: str, recent: deque[tuple[int, str]]) -> ChainProblem | None:
    if chain_hash(event.previous_hash, event) != event.hash:
        return ChainProblem(Breach.EDITED, event.id, f"row {event.id} no longer matches its hash: edited")
    if event.previous_hash == previous:
        return None
    walked = [row_id for row_id, _hash in recent]
    linked = next((i for i, (_id, digest) in enumerate(recent) if digest == event.previous_hash), None)
    if linked is not None or (event.previous_hash == GENESIS_HASH and walked):
        # It chains on an older row: the rows walked since that one were slipped in.
        first_inserted = walked[linked + 1] if linked is not None else walked[0]
        return ChainProblem(
            Breach.INSERTED, first_inserted, f"row {first_inserted} was inserted before row {event.id}"
        )
    after = f"after row {walked[-1]}" if walked else "at the start of the chain"
    return ChainProblem(Breach.DELETED, event.id, f"rows are missing before row {event.id} ({after})")


def _check_head(
    session: Session, head: AuditChainHead | None, last: tuple[int, str] | None, checked: int
) -> ChainProblem | None:
    if head is None:
        return None if last is None else ChainProblem(Breach.TRUNCATED, last[0], "the chain head is missing")
    last_id, last_hash = last if last is not None else (None, GENESIS_HASH)
    if head.last_hash != last_hash or head.length != checked:
        where = f"after row {last_id}" if last_id is not None else "every row"
        return ChainProblem(
            Breach.TRUNCATED,
            last_id,
            f"the head records {head.length} rows ending at row {head.last_event_id}; {where} missing",
        )
    return None


def count(session: Session) -> int:
    """How many audit rows there are (the pages and tests use it)."""
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
