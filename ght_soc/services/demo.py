"""Demo data for `ght-soc demo`: one account per role and a few realistic alerts per establishment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.domain import AlertSeverity, Role
from ght_soc.governance.catalogue import cached_catalogue
from ght_soc.models import Establishment, User
from ght_soc.models.oncall import EscalationLevel, OnCallShift
from ght_soc.passwords import hash_password
from ght_soc.resources import bundled_config_path
from ght_soc.services.alerts import NewAlert, ingest_alert
from ght_soc.services.breach_demo import load_demo_breaches
from ght_soc.services.governance_demo import seed_governance
from ght_soc.services.mandates_demo import load_demo_mandates
from ght_soc.services.oncall import generate_weekly_rota
from ght_soc.services.users import create_user


@dataclass(frozen=True)
class DemoAccount:
    login: str
    display_name: str
    role: Role
    establishment_key: str | None  # None: the whole GHT


def demo_accounts(establishments: list[Establishment]) -> list[DemoAccount]:
    support = next(e for e in establishments if e.is_support)
    accounts = [
        DemoAccount("rssi", "Claire Martin (RSSI du GHT)", Role.GHT_RSSI, None),
        DemoAccount("astreinte", "Julien Petit (ingénieur d'astreinte)", Role.ON_CALL_ENGINEER, None),
        DemoAccount("dpo", "Sophie Bernard (DPO mutualisé)", Role.DPO, None),
        DemoAccount("auditeur", "Paul Leroy (auditeur)", Role.AUDITOR, None),
        DemoAccount("admin", "Administrateur ght-soc", Role.ADMINISTRATOR, None),
        DemoAccount("directeur", f"Direction de {support.short_name}", Role.DECLARANT, support.key),
    ]
    accounts += [
        DemoAccount(
            f"correspondant-{e.key}", f"Correspondant sécurité {e.short_name}", Role.SITE_CORRESPONDENT, e.key
        )
        for e in establishments
    ]
    return accounts


_ALERTS = (
    ("winlogbeat", "Échecs d'authentification répétés sur le compte administrateur", AlertSeverity.HIGH),
    ("fortigate", "Connexion VPN depuis un pays inhabituel", AlertSeverity.MEDIUM),
    ("ldap", "Nouveau membre du groupe Admins du domaine", AlertSeverity.CRITICAL),
    ("snmp", "Lien montant du cœur de réseau tombé", AlertSeverity.MEDIUM),
)


def load_demo(*, session: Session, password: str, now: datetime) -> list[DemoAccount]:
    """Create (or reset the password of) every demo account, and add demo alerts once."""
    establishments = list(session.scalars(select(Establishment).order_by(Establishment.id)))
    by_key = {e.key: e for e in establishments}
    accounts = demo_accounts(establishments)
    for account in accounts:
        user = session.scalars(select(User).where(User.login == account.login)).one_or_none()
        if user is None:
            establishment = by_key[account.establishment_key] if account.establishment_key else None
            create_user(
                session=session,
                login=account.login,
                display_name=account.display_name,
                password=password,
                grants=[(account.role, establishment)],
            )
        else:
            user.password_hash = hash_password(password)
    for index, establishment in enumerate(establishments):
        for number, (source, title, severity) in enumerate(_ALERTS[: 1 + index % len(_ALERTS)]):
            ingest_alert(
                session=session,
                establishment_id=establishment.id,
                alert=NewAlert(
                    source=source,
                    source_ref=f"demo-{establishment.key}-{number}",
                    title=title,
                    severity=severity,
                    occurred_at=now - timedelta(hours=3 * number + index),
                    description="Alerte de démonstration.",
                    raw={"demo": True, "establishment": establishment.finess_ej},
                ),
            )
    load_demo_rota(session=session, now=now)
    load_demo_mandates(session=session, now=now)  # before the declarations: their drafts name the directors
    load_demo_declarations(session=session, now=now)
    load_demo_breaches(session=session, now=now)  # after: the demo incident opens its own entries
    seed_governance(session=session, catalogue=cached_catalogue(bundled_config_path("governance")), now=now)
    session.flush()
    return accounts


# --- on-call rota of the demo -----------------------------------------------------------------------------
# Weekly turns per escalation level (logins of demo_accounts); the RSSI and direction levels are left to
# the role fallback, as most GHTs do.
_DEMO_ROTA: dict[EscalationLevel, tuple[str, ...]] = {
    EscalationLevel.ON_CALL_ENGINEER: ("astreinte", "admin"),
    EscalationLevel.ADMINISTRATOR_ON_DUTY: ("directeur",),
}


def load_demo_rota(*, session: Session, now: datetime, weeks: int = 8) -> None:
    """Give the demo accounts mail addresses and, once, a weekly rota from this week's Monday 09:00 (Paris)."""
    users = {u.login: u for u in session.scalars(select(User))}
    for user in users.values():
        user.email = user.email or f"{user.login}@chu-demo.invalid"
    if session.scalars(select(OnCallShift.id).limit(1)).first() is not None:
        return
    monday = now.astimezone(ZoneInfo("Europe/Paris")).date()
    monday -= timedelta(days=monday.weekday())
    for level, logins in _DEMO_ROTA.items():
        generate_weekly_rota(
            session,
            level=level,
            user_ids=[users[login].id for login in logins if login in users],
            first_day=monday,
            weeks=weeks,
            now=now,
        )


# --- national declarations of the demo --------------------------------------------------------------------
DEMO_INCIDENT_TITLE = "Rançongiciel sur le SI partagé (démonstration)"


def load_demo_declarations(*, session: Session, now: datetime) -> None:
    """Once: a ransomware incident on the shared IS of three members, the support one included, with personal
    data involved, qualified so that the OSE view shows running clocks."""
    from ght_soc.access import SYSTEM
    from ght_soc.declarations.facts import CareImpact, GdprRisk, QualificationAnswers
    from ght_soc.declarations.regimes import load_regimes
    from ght_soc.domain import IncidentCategory, Malice, Severity
    from ght_soc.models import Incident
    from ght_soc.services import declaration_changes, declarations, incidents

    if session.scalars(select(Incident.id).where(Incident.title == DEMO_INCIDENT_TITLE)).first() is not None:
        return
    establishments = list(session.scalars(select(Establishment).order_by(Establishment.id)))
    support = next(e for e in establishments if e.is_support)
    affected = [support, *[e for e in establishments if not e.is_support][:2]]
    discovered = now - timedelta(hours=5)
    incident = incidents.open_incident(
        session=session,
        new=incidents.NewIncident(
            title=DEMO_INCIDENT_TITLE,
            category=IncidentCategory.RANSOMWARE,
            severity=Severity.CRITICAL,
            establishment_ids=tuple(e.id for e in affected),
            description="Chiffrement des serveurs du dossier patient informatisé partagé ; passage en mode dégradé.",
            detected_at=discovered - timedelta(minutes=20),
            malice=Malice.MALICIOUS,
        ),
        actor=SYSTEM,
        now=discovered,
    )
    declaration_changes.qualify(
        session=session,
        incident=incident,
        answers=QualificationAnswers(
            care_impact=CareImpact.DEGRADED_MODE,
            data_availability=True,
            data_confidentiality=True,
            health_data=True,
            persons_concerned=25_000,
            gdpr_risk=GdprRisk.HIGH,
            operations_impact=True,
            spread_risk=True,
            malicious=Malice.MALICIOUS,
            shared_is=True,
            ose_service_affected=True,
        ),
        affected=[e.key for e in affected],
        establishment_ids={e.key: e.id for e in establishments},
        context=declarations.context_from_establishments(establishments, load_regimes()),
        actor=SYSTEM,
        now=now,
    )
