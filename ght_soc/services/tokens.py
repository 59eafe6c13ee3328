"""Machine tokens for collectors: issued per establishment, stored as SHA-256, shown once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import Grant, Principal
from ght_soc.domain import Role
from ght_soc.models import ApiToken
from ght_soc.services import audit

TOKEN_MARK = "ghtsoc"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    *,
    session: Session,
    establishment_id: int,
    name: str,
    created_by_id: int | None,
    now: datetime,
    actor: Principal | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the clear token, which is never stored."""
    prefix = secrets.token_hex(4)
    clear = f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        establishment_id=establishment_id,
        name=name.strip() or "collecteur",
        prefix=prefix,
        secret_hash=_digest(clear),
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(token)
    session.flush()
    about = {"establishment_id": establishment_id, "name": token.name, "prefix": prefix}  # never the token
    audit.record(
        session,
        actor=actor,
        action=audit.AuditAction.TOKEN_ISSUED,
        target=f"api_token:{token.id}",
        details=about,
        now=now,
    )
    return token, clear


def list_tokens(*, session: Session, establishment_id: int) -> Sequence[ApiToken]:
    return session.scalars(
        select(ApiToken).where(ApiToken.establishment_id == establishment_id).order_by(ApiToken.created_at)
    ).all()


def get_token(*, session: Session, token_id: int) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.id == token_id)).one_or_none()


def revoke_token(*, session: Session, token: ApiToken, now: datetime, actor: Principal | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
        about = {"establishment_id": token.establishment_id, "prefix": token.prefix}
        target = f"api_token:{token.id}"
        audit.record(
            session,
            actor=actor,
            action=audit.AuditAction.TOKEN_REVOKED,
            target=target,
            details=about,
            now=now,
        )


def principal_for_token(*, session: Session, clear: str, now: datetime) -> Principal | None:
    """The collector principal of a valid, unrevoked token; None otherwise. `session` must be unscoped."""
    parts = clear.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_MARK:
        return None
    candidates = session.scalars(select(ApiToken).where(ApiToken.prefix == parts[1])).all()
    digest = _digest(clear)
    token = next((t for t in candidates if hmac.compare_digest(t.secret_hash, digest)), None)
    if token is None or token.revoked_at is not None:
        return None
    token.last_used_at = now
    session.flush()
    return Principal(
        display_name=f"jeton {token.name} ({token.prefix})",
        grants=(Grant(Role.COLLECTOR, token.establishment_id),),
        token_id=token.id,
    )
