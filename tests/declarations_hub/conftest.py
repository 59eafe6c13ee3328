"""Fixtures for the hub side of the declarations: a shared-IS incident on three members, people with roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from ght_soc.access import SYSTEM, Principal
from ght_soc.database import db
from ght_soc.declarations.facts import CareImpact, GdprRisk, QualificationAnswers
from ght_soc.declarations.mandates import MandateKind
from ght_soc.declarations_runtime import declaration_context
from ght_soc.domain import IncidentCategory, Malice, Role, Severity
from ght_soc.models import Establishment, User
from ght_soc.services import declarant_mandates, incidents
from ght_soc.services.authentication import principal_for_user
from ght_soc.services.declarations import DeclarationContext
from tests.conftest import Establishments

# Saturday 26 October 2024, 09:40 in Paris: the eve of the change back to winter time.
DISCOVERED = datetime(2024, 10, 26, 7, 40, tzinfo=UTC)
AFFECTED = ("chu-tours-demo", "ch-amboise-demo", "epsm-loches-demo")  # the first is the OSE support

RANSOMWARE = QualificationAnswers(
    care_impact=CareImpact.DEGRADED_MODE,
    data_availability=True,
    data_confidentiality=True,
    health_data=True,
    persons_concerned=12_000,
    gdpr_risk=GdprRisk.HIGH,
    operations_impact=True,
    spread_risk=True,
    malicious=Malice.MALICIOUS,
    shared_is=True,
    ose_service_affected=True,
)


@dataclass(frozen=True)
class Hub:
    app: Flask
    context: DeclarationContext
    incident_id: int
    ids: dict[str, int]  # establishment key → id

    def principal(self, login: str) -> Principal:
        with db.session_for(SYSTEM, self.app) as session:
            user = session.scalars(select(User).where(User.login == login)).one()
            found = principal_for_user(session=session, user_id=user.id)
        assert found is not None
        return found


@pytest.fixture()
def hub(app: Flask, establishments: Establishments) -> Hub:
    """An open ransomware incident on the shared IS of three members, discovered at DISCOVERED."""
    with db.session_for(SYSTEM, app) as session:
        incident = incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                title="Rançongiciel sur le SI partagé",
                category=IncidentCategory.RANSOMWARE,
                severity=Severity.CRITICAL,
                establishment_ids=tuple(establishments[k].id for k in AFFECTED),
                description="Chiffrement des serveurs du DPI partagé.",
                detected_at=DISCOVERED,
                malice=Malice.MALICIOUS,
            ),
            actor=SYSTEM,
            now=DISCOVERED,
        )
        ids = {e.key: e.id for e in session.scalars(select(Establishment))}
        incident_id = incident.id
    return Hub(app, declaration_context(app), incident_id, ids)


@pytest.fixture()
def people(app: Flask, make_user: Callable[..., str]) -> dict[str, str]:
    """One account per role that declarations care about, with the mandates that let them file: the CHU's
    director; the pooled RSSI delegated by each affected member; the DPO delegated for the GDPR regimes."""
    logins = {
        "rssi": make_user("rssi", Role.GHT_RSSI),
        "dpo": make_user("dpo", Role.DPO),
        "director": make_user("directeur-chu", Role.DECLARANT, "chu-tours-demo"),
        "oncall": make_user("astreinte", Role.ON_CALL_ENGINEER),
        "site": make_user("correspondant-amboise", Role.SITE_CORRESPONDENT, "ch-amboise-demo"),
    }
    grant_mandate(app, logins["director"], "chu-tours-demo", MandateKind.DIRECTOR)
    for key in AFFECTED:
        grant_mandate(app, logins["rssi"], key, MandateKind.DELEGATION)
        grant_mandate(app, logins["dpo"], key, MandateKind.DELEGATION, regimes=GDPR_REGIMES)
    return logins


GDPR_REGIMES = ("gdpr_art33", "gdpr_art34")


def grant_mandate(
    app: Flask,
    login: str,
    establishment_key: str,
    kind: MandateKind,
    *,
    regimes: tuple[str, ...] = (),
    valid_from: date = date(2024, 1, 1),
    valid_until: date | None = date(2099, 12, 31),
) -> int:
    """Record a mandate the way the hub does (checks and audit included), as the administrator."""
    with db.session_for(SYSTEM, app) as session:
        user = session.scalars(select(User).where(User.login == login)).one()
        establishment = session.scalars(
            select(Establishment).where(Establishment.key == establishment_key)
        ).one()
        row = declarant_mandates.record(
            session=session,
            new=declarant_mandates.NewMandate(
                establishment_id=establishment.id,
                kind=kind,
                user_id=user.id,
                person_name=user.display_name,
                function="Directeur" if kind == MandateKind.DIRECTOR else "RSSI mutualisé",
                email=user.email or "",
                regimes=regimes,
                valid_from=valid_from,
                valid_until=valid_until,
                granted_by="" if kind == MandateKind.DIRECTOR else "Le directeur général",
                act_reference="" if kind == MandateKind.DIRECTOR else f"DG-2024-{user.id:02d}",
            ),
            known_regimes=frozenset(declaration_context(app).regimes),
            actor=SYSTEM,
            now=datetime.now(UTC),
        )
        return row.id


def with_emails(app: Flask) -> None:
    with db.session_for(SYSTEM, app) as session:
        for user in session.scalars(select(User)):
            user.email = f"{user.login}@ght.invalid"
