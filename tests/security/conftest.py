"""Helpers of the security tests: set up an authenticator for an account, compute its codes, read the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from ght_soc import clock
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import AuditEvent, User
from ght_soc.services import second_factor
from ght_soc.services.second_factor import STEP_SECONDS
from ght_soc.web.auth import ENROLMENT_OVERRIDE_KEY


@dataclass(frozen=True)
class Authenticator:
    """What the person's phone holds, and the recovery codes printed at set-up."""

    secret: str
    recovery_codes: tuple[str, ...]

    def code(self, at: datetime | None = None) -> str:
        return pyotp.TOTP(self.secret, interval=STEP_SECONDS).at(at or clock.now())

    def wrong_code(self, at: datetime | None = None) -> str:
        """Six digits that no step of the ±1 window gives."""
        moment = at or clock.now()
        valid = {self.code(moment + timedelta(seconds=STEP_SECONDS * k)) for k in (-1, 0, 1)}
        return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


@pytest.fixture()
def enrol(app: Flask) -> Callable[[str], Authenticator]:
    """Set up an authenticator for `login`, confirmed with the previous step's code (the current one stays usable)."""

    def make(login: str) -> Authenticator:
        with db.session_for(SYSTEM, app) as session:
            user = session.scalars(select(User).where(User.login == login)).one()
            secret = second_factor.begin_enrolment(session=session, user=user, now=clock.now()).secret
            earlier = clock.now() - timedelta(seconds=STEP_SECONDS)
            code = pyotp.TOTP(secret, interval=STEP_SECONDS).at(earlier)
            codes = second_factor.confirm_enrolment(
                session=session, user_id=user.id, code=code, now=clock.now()
            )
        assert codes is not None
        return Authenticator(secret, tuple(codes))

    return make


@pytest.fixture()
def enforce_enrolment(app: Flask) -> Flask:
    """Production behaviour: GHT-wide accounts set up an authenticator at their first login."""
    app.config[ENROLMENT_OVERRIDE_KEY] = True
    return app


@pytest.fixture()
def audit_rows(app: Flask) -> Callable[[], list[AuditEvent]]:
    def read() -> list[AuditEvent]:
        with db.session_for(SYSTEM, app) as session:
            return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))

    return read
