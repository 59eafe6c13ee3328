"""Directory hygiene findings, from the records of one complete sync (pure functions).

Privileged groups are recognised by their well-known RID, never by their name: French domains call them
"Admins du domaine", "Administrateurs de l'entreprise"… Membership is resolved through nested groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from connectors.ldap.decode import rid
from connectors.ldap.records import DirectoryAccount, DirectoryGroup, DirectoryRecord

# Domain Admins, Schema Admins, Enterprise Admins, Administrators, Account/Server/Print/Backup Operators.
PRIVILEGED_RIDS = frozenset({512, 518, 519, 544, 548, 549, 550, 551})
KRBTGT_RID = 502
# Windows versions Microsoft no longer supports (operatingSystem as AD writes it, lower case prefixes).
UNSUPPORTED_SYSTEMS = (
    "windows xp",
    "windows vista",
    "windows 7",
    "windows 8",
    "windows server 2003",
    "windows server 2008",
    "windows server 2012",
)
MAX_NESTING = 32

Severity = Literal["low", "medium", "high", "critical"]


@dataclass(frozen=True)
class HygieneThresholds:
    inactive_days: int = 90
    privileged_password_max_days: int = 365
    krbtgt_password_max_days: int = 180


@dataclass(frozen=True)
class Finding:
    id: str  # stable: the same problem gets the same id at every sync
    severity: Severity
    title: str
    explanation: str  # short, in French, for the site correspondent
    objects: tuple[str, ...]  # DNs concerned


def privileged_members(records: Iterable[DirectoryRecord]) -> dict[str, set[str]]:
    """Account DN (lower case) → the privileged groups (DN) it belongs to, directly or through nesting.

    Primary group membership counts (AD keeps it in the account's primaryGroupID, not in the group's `member`).
    """
    records = list(records)
    groups = {r.dn.lower(): r for r in records if isinstance(r, DirectoryGroup)}
    by_primary: dict[str, list[str]] = {}
    for account in records:
        if isinstance(account, DirectoryAccount) and account.primary_group_sid:
            by_primary.setdefault(account.primary_group_sid, []).append(account.dn)
    found: dict[str, set[str]] = {}
    for group in groups.values():
        if rid(group.sid) not in PRIVILEGED_RIDS:
            continue
        for member in _expand(group, groups, by_primary):
            found.setdefault(member, set()).add(group.dn)
    return found


def _expand(
    group: DirectoryGroup, groups: dict[str, DirectoryGroup], by_primary: dict[str, list[str]]
) -> set[str]:
    members: set[str] = set()
    pending, seen = [group], {group.dn.lower()}
    for _ in range(MAX_NESTING * max(1, len(groups))):  # bounded, cycles included
        if not pending:
            break
        current = pending.pop()
        for member in (*current.members, *(by_primary.get(current.sid, ()) if current.sid else ())):
            key = member.lower()
            nested = groups.get(key)
            if nested is not None:
                if key not in seen:
                    seen.add(key)
                    pending.append(nested)
            else:
                members.add(key)
    return members


def findings(
    records: Sequence[DirectoryRecord], now: datetime, thresholds: HygieneThresholds
) -> list[Finding]:
    """Every finding of one establishment's directory."""
    accounts = [r for r in records if isinstance(r, DirectoryAccount)]
    privileged = privileged_members(records)
    is_privileged = [a for a in accounts if a.dn.lower() in privileged]
    result: list[Finding] = []

    def add(
        identifier: str, severity: Severity, title: str, explanation: str, objects: Iterable[str]
    ) -> None:
        concerned = tuple(sorted(objects))
        if concerned:
            result.append(Finding(identifier, severity, title, explanation, concerned))

    add(
        "ldap.privileged_members",
        "medium",
        "Membres des groupes privilégiés",
        "Comptes membres (directs ou imbriqués) des groupes d'administration du domaine : à revoir "
        "régulièrement, chacun doit être nominatif et justifié.",
        (a.dn for a in is_privileged),
    )
    inactive_before = now - timedelta(days=thresholds.inactive_days)
    add(
        "ldap.inactive_enabled_accounts",
        "medium",
        f"Comptes actifs inutilisés depuis {thresholds.inactive_days} jours",
        "Comptes activés sans connexion récente : à désactiver s'ils ne servent plus.",
        (
            a.dn
            for a in accounts
            if a.kind == "user" and a.enabled and (a.last_logon is None or a.last_logon < inactive_before)
        ),
    )
    add(
        "ldap.privileged_password_never_expires",
        "high",
        "Comptes privilégiés dont le mot de passe n'expire jamais",
        "Un compte d'administration doit changer de mot de passe : retirer l'option « le mot de passe n'expire "
        "jamais ».",
        (a.dn for a in is_privileged if a.password_never_expires),
    )
    old_before = now - timedelta(days=thresholds.privileged_password_max_days)
    add(
        "ldap.privileged_password_old",
        "high",
        f"Comptes privilégiés au mot de passe de plus de {thresholds.privileged_password_max_days} jours",
        "Mot de passe d'administration ancien : le renouveler.",
        (a.dn for a in is_privileged if a.password_last_set is not None and a.password_last_set < old_before),
    )
    krbtgt_before = now - timedelta(days=thresholds.krbtgt_password_max_days)
    add(
        "ldap.krbtgt_password_old",
        "high",
        "Mot de passe du compte krbtgt ancien",
        "Le compte krbtgt signe les tickets Kerberos : son mot de passe se renouvelle (deux fois) au moins "
        "tous les 180 jours, et après toute compromission.",
        (
            a.dn
            for a in accounts
            if rid(a.sid) == KRBTGT_RID
            and (a.password_last_set is None or a.password_last_set < krbtgt_before)
        ),
    )
    add(
        "ldap.privileged_kerberoastable",
        "critical",
        "Comptes privilégiés avec un SPN (kerberoasting)",
        "Un compte privilégié portant un servicePrincipalName expose un ticket déchiffrable hors ligne : "
        "séparer le compte de service du compte d'administration.",
        (a.dn for a in is_privileged if a.service_principal_names),
    )
    add(
        "ldap.preauth_not_required",
        "high",
        "Comptes sans pré-authentification Kerberos (AS-REP roasting)",
        "L'option « ne pas exiger la pré-authentification » permet d'attaquer le mot de passe hors ligne : la "
        "retirer.",
        (a.dn for a in accounts if a.preauth_not_required and a.enabled),
    )
    add(
        "ldap.unsupported_windows",
        "high",
        "Ordinateurs sous une version de Windows non maintenue",
        "Systèmes sans correctifs de sécurité : isoler, migrer ou documenter la dérogation.",
        (
            a.dn
            for a in accounts
            if a.kind == "computer"
            and a.enabled
            and a.operating_system
            and a.operating_system.lower().startswith(UNSUPPORTED_SYSTEMS)
        ),
    )
    add(
        "ldap.admincount_orphans",
        "low",
        "Comptes marqués adminCount=1 qui ne sont plus privilégiés",
        "Ces comptes gardent des protections d'administrateur (AdminSDHolder) : remettre adminCount à 0 et "
        "l'héritage des droits.",
        # krbtgt carries adminCount=1 by design on every AD (a protected account): not an orphan.
        (
            a.dn
            for a in accounts
            if a.admin_count == 1 and a.dn.lower() not in privileged and rid(a.sid) != KRBTGT_RID
        ),
    )
    return result
