"""The configuration rules that span several entries (unique keys and FINESS numbers, one support
establishment, listeners' ports, directory login groups) and the warnings a hub starts with."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import ldap.dn

from ght_soc.domain import GHT_WIDE_ONLY_ROLES, PERSON_ROLES, Role
from ght_soc.finess import check_finess
from ght_soc.yaml_locations import dotted

if TYPE_CHECKING:
    from ght_soc.settings import Settings
    from ght_soc.settings_secrets import Secrets

Loc = tuple[str | int, ...]  # where a value stands in the file: keys and list indexes
_GROUP_SID = re.compile(r"^S-1-\d+(-\d+)+$")


def cross_checks(settings: Settings) -> list[tuple[Loc, str]]:
    """Rules that span several entries: unique keys and FINESS numbers, one support establishment."""
    found: list[tuple[Loc, str]] = []
    seen_keys: dict[str, int] = {}
    seen_finess: dict[str, str] = {}
    for index, establishment in enumerate(settings.establishments):
        if establishment.key in seen_keys:
            found.append((("establishments", index, "key"), f"clé en double : {establishment.key!r}"))
        seen_keys.setdefault(establishment.key, index)
    for loc, number in finess_numbers(settings):
        if number in seen_finess:
            found.append((loc, f"FINESS en double : {number} déjà utilisé par {seen_finess[number]}"))
        seen_finess.setdefault(number, dotted(loc))
    keys = {e.key for e in settings.establishments}
    seen_ports: set[tuple[str, int]] = set()
    for index, listener in enumerate(settings.logs.listeners):
        here: Loc = ("logs", "listeners", index)
        if listener.establishment is not None and listener.establishment not in keys:
            found.append(((*here, "establishment"), f"établissement inconnu : {listener.establishment!r}"))
        if listener.protocol == "tls" and not (listener.certificate and listener.key):
            found.append((here, "un écouteur TLS demande certificate et key"))
        transport = "udp" if listener.protocol == "udp" else "tcp"
        if listener.port and (transport, listener.port) in seen_ports:
            found.append(((*here, "port"), f"port {transport} {listener.port} déjà utilisé"))
        seen_ports.add((transport, listener.port))
    for index, establishment in enumerate(settings.establishments):
        names = [d.name for d in establishment.directories] + [s.name for s in establishment.snmp]
        for position, item in enumerate(establishment.snmp):
            if names.count(item.name) > 1:  # `connectors run KEY/NAME` must name one connector
                found.append(
                    (("establishments", index, "snmp", position, "name"), f"nom en double : {item.name!r}")
                )
    found += _directory_login_checks(settings)
    if settings.logs.store.backend == "elasticsearch" and not settings.logs.store.url:
        found.append((("logs", "store", "url"), "l'adresse du serveur Elasticsearch est obligatoire"))
    supports = [i for i, e in enumerate(settings.establishments) if e.support]
    if len(supports) != 1:
        found.append(
            (("establishments",), f"un et un seul établissement support attendu, {len(supports)} trouvé(s)")
        )
    return found


def _directory_login_checks(settings: Settings) -> list[tuple[Loc, str]]:
    """`login:` sections: group keys that are DNs or SIDs, roles a person may hold from that directory."""
    found: list[tuple[Loc, str]] = []
    domains: dict[str, str] = {}
    for index, establishment in enumerate(settings.establishments):
        for position, item in enumerate(establishment.directories):
            if item.login is None:
                continue
            here: Loc = ("establishments", index, "directories", position, "login")
            if item.login.enabled and not item.login.role_groups:
                found.append(((*here, "role_groups"), "aucun groupe ne donne de rôle : personne n'entrerait"))
            for group, role in item.login.role_groups.items():
                reason = _login_group_problem(group, role, item.profile, establishment.support)
                if reason is not None:
                    found.append(((*here, "role_groups", group), reason))
            for domain in item.login.domains:
                label = f"{establishment.key}/{item.name}"
                other = domains.setdefault(domain.lower(), label)
                if other != label:
                    found.append(
                        ((*here, "domains"), f"domaine {domain!r} déjà rattaché à l'annuaire {other}")
                    )
    return found


def _login_group_problem(group: str, role: Role, profile: str, support: bool) -> str | None:
    if _GROUP_SID.match(group):
        if profile != "active_directory":
            return "un SID de groupe n'existe que dans Active Directory : donnez le DN du groupe"
    elif not group.strip() or not ldap.dn.is_dn(group):
        return f"DN de groupe ou SID (S-1-5-21-…) attendu, reçu {group!r}"
    if role not in PERSON_ROLES:
        return f"le rôle {role} est réservé aux jetons machine"
    if role in GHT_WIDE_ONLY_ROLES and not support:
        return f"le rôle {role} couvre tout le GHT : seul l'annuaire de l'établissement support le donne"
    return None


def finess_numbers(settings: Settings) -> list[tuple[Loc, str]]:
    """Every FINESS of the file (EJ, then the sites' ET) with where it stands."""
    numbered: list[tuple[Loc, str]] = []
    for index, establishment in enumerate(settings.establishments):
        numbered.append((("establishments", index, "finess_ej"), establishment.finess_ej))
        numbered += [
            (("establishments", index, "sites", site_index, "finess_et"), site.finess_et)
            for site_index, site in enumerate(establishment.sites)
        ]
    return numbered


def warnings(settings: Settings, secrets: Secrets) -> list[tuple[Loc, str]]:
    """What the hub starts with but should be corrected: odd FINESS numbers, trap communities not set."""
    found = []
    for loc, number in finess_numbers(settings):
        warning = check_finess(number).warning
        if warning:
            found.append((loc, warning))
    return found + _trap_warnings(settings, secrets)


def _trap_warnings(settings: Settings, secrets: Secrets) -> list[tuple[Loc, str]]:
    """A trap community named but not set refuses those traps; the hub still starts (traps are optional)."""
    return [
        (
            ("establishments", index, "trap_community_env"),
            f"{e.trap_community_env} n'est pas définie : les traps v1/v2c de cette communauté seront refusés",
        )
        for index, e in enumerate(settings.establishments)
        if e.trap_community_env and e.key not in secrets.trap_communities
    ]
