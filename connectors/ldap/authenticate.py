"""Checking a person's password against their directory, and reading the groups they belong to.

The service account finds the person's entry; the password is then checked by a bind as that entry on a
connection of its own, never on the service account's. An empty password is refused before anything is
sent: LDAP takes a bind with a DN and no password for an anonymous ("unauthenticated") bind, which some
servers accept, so it would "succeed" for anyone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import ldap
import ldap.dn
import ldap.filter

from connectors.base import ConnectorError
from connectors.ldap.connector import LdapAuthenticationFailed, LdapTlsError, LdapUnavailable, connect
from connectors.ldap.decode import UserAccountControl, account_control, sid_to_string, text
from connectors.ldap.settings import LdapSettings

ENTRY_ATTRIBUTES = [
    "sAMAccountName",
    "uid",
    "userPrincipalName",
    "displayName",
    "cn",
    "mail",
    "objectSid",
    "userAccountControl",
    "memberOf",
]
PERSONS = {
    "active_directory": "(&(objectClass=user)(!(objectClass=computer)))",
    "openldap": "(|(objectClass=inetOrgPerson)(objectClass=posixAccount))",
}
GROUPS = {
    "active_directory": "(objectClass=group)",
    "openldap": "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
}
IN_CHAIN = "1.2.840.113556.1.4.1941"  # LDAP_MATCHING_RULE_IN_CHAIN: nested membership in one search
AD_CAPABILITY = "1.2.840.113556.1.4.800"  # rootDSE supportedCapabilities of a real Active Directory
# Bounds on the nested-group walk of directories without the in-chain rule: a cycle or a huge tree ends.
MAX_GROUP_DEPTH = 10
MAX_GROUPS = 1000
MAX_LOGIN_LENGTH = 256

__all__ = [
    "AccountDisabled",
    "BadCredentials",
    "DirectoryIdentity",
    "LdapTlsError",
    "LdapUnavailable",
    "ServiceAccountRefused",
    "authenticate",
    "find_account",
    "normalise_dn",
    "verify",
]


class BadCredentials(ConnectorError):
    """Unknown login, several entries for it, empty or wrong password: the same answer for all of them."""


class AccountDisabled(ConnectorError):
    """The password is right but the account is disabled (Active Directory userAccountControl bit 2)."""


class ServiceAccountRefused(ConnectorError):
    """The hub's own service account was refused: the configuration is wrong, not the person's password."""


@dataclass(frozen=True)
class AccountEntry:
    """A person's entry as the service account found it, before any password was checked."""

    dn: str
    login: str
    display_name: str | None
    mail: str | None
    sid: str | None
    disabled: bool
    member_of: tuple[str, ...]


@dataclass(frozen=True)
class DirectoryIdentity:
    """A person whose password the directory accepted, with every group they belong to (nested too)."""

    dn: str
    login: str
    display_name: str | None
    mail: str | None
    group_dns: frozenset[str]  # normalised with `normalise_dn`
    group_sids: frozenset[str]  # "S-1-5-21-…-512"; Active Directory only


def authenticate(settings: LdapSettings, login: str, password: str) -> DirectoryIdentity:
    """Find `login`, bind as it with `password`, read its groups; typed errors for every refusal."""
    if not password:
        raise BadCredentials("mot de passe vide")
    account = find_account(settings, login)
    if account is None:
        raise BadCredentials("compte inconnu")
    return verify(settings, account, password)


def find_account(settings: LdapSettings, login: str) -> AccountEntry | None:
    """The entry of `login` (see `account_filter`); None unless exactly one entry answers to it."""
    search_filter = account_filter(settings, login)
    if search_filter is None:
        return None
    connection = _service_connection(settings)
    try:
        found: list[tuple[str, dict[str, list[bytes]]]] = []
        for base in settings.base_dns:
            try:
                found += _entries(
                    connection.search_ext_s(
                        base, ldap.SCOPE_SUBTREE, search_filter, ENTRY_ATTRIBUTES, sizelimit=2
                    )
                )
            except ldap.SIZELIMIT_EXCEEDED:
                return None  # two entries answer to this login: which person it is cannot be told
            except ldap.NO_SUCH_OBJECT:
                continue
    except ldap.LDAPError as failure:  # down, timed out, or the search itself refused: no answer to rely on
        raise LdapUnavailable(
            f"{settings.uri} : recherche impossible : {failure.__class__.__name__}"
        ) from None
    finally:
        connection.unbind_s()
    if len(found) != 1:
        return None
    dn, entry = found[0]
    return AccountEntry(
        dn=dn,
        login=_text(entry, "sAMAccountName") or _text(entry, "uid") or login,
        display_name=_text(entry, "displayName") or _text(entry, "cn"),
        mail=_text(entry, "mail"),
        sid=sid_to_string(_first(entry, "objectSid")),
        disabled=UserAccountControl.ACCOUNTDISABLE in account_control(_first(entry, "userAccountControl")),
        member_of=tuple(text(v) or "" for v in entry.get("memberOf", [])),
    )


def verify(settings: LdapSettings, account: AccountEntry, password: str) -> DirectoryIdentity:
    """Bind as `account` with `password` on a fresh connection, then read its groups with the service account."""
    if not password:
        raise BadCredentials("mot de passe vide")  # never sent: it would be an unauthenticated bind
    try:
        person = connect(dataclasses.replace(settings, bind_dn=account.dn, password=password))
    except LdapAuthenticationFailed:
        raise BadCredentials("mot de passe refusé") from None
    except ldap.UNWILLING_TO_PERFORM:
        raise BadCredentials("liaison refusée par le serveur") from None
    except ldap.LDAPError as failure:
        raise LdapUnavailable(f"{settings.uri} : liaison impossible : {failure.__class__.__name__}") from None
    person.unbind_s()
    # Checked after the bind, so that "disabled" is only ever said to someone who knew the password.
    if account.disabled:
        raise AccountDisabled(f"{account.dn} : compte désactivé")
    group_dns, group_sids = _groups(settings, account)
    return DirectoryIdentity(
        dn=account.dn,
        login=account.login,
        display_name=account.display_name,
        mail=account.mail,
        group_dns=group_dns,
        group_sids=group_sids,
    )


def account_filter(settings: LdapSettings, login: str) -> str | None:
    """The search filter for `login`, every value escaped; None for a login that cannot be one.

    Active Directory: a name with "@" is a userPrincipalName, any other a sAMAccountName; OpenLDAP: a uid.
    """
    login = login.strip()
    if not login or len(login) > MAX_LOGIN_LENGTH or any(ord(c) < 32 for c in login):
        return None
    value = ldap.filter.escape_filter_chars(login)
    if settings.profile == "active_directory":
        match = f"(userPrincipalName={value})" if "@" in login else f"(sAMAccountName={value})"
    else:
        match = f"(uid={value})"
    return f"(&{PERSONS[settings.profile]}{match})"


def normalise_dn(dn: str) -> str:
    """A DN in one spelling (case, spaces, escaping), so that two spellings of one group compare equal."""
    try:
        return str(ldap.dn.dn2str(ldap.dn.str2dn(dn.strip()))).lower()
    except ldap.DECODING_ERROR:
        return dn.strip().lower()


def _groups(settings: LdapSettings, account: AccountEntry) -> tuple[frozenset[str], frozenset[str]]:
    connection = _service_connection(settings)
    try:
        if settings.profile == "active_directory" and _is_active_directory(connection):
            found = _in_chain_groups(connection, settings, account.dn)
            sids = _token_groups(connection, account.dn)
        else:
            found, sids = _walked_groups(connection, settings, account), set()
    except ldap.LDAPError as failure:
        raise LdapUnavailable(f"{settings.uri} : groupes illisibles : {failure.__class__.__name__}") from None
    finally:
        connection.unbind_s()
    dns = frozenset(normalise_dn(dn) for dn in found) | {normalise_dn(dn) for dn in account.member_of}
    return dns, frozenset(sids | {sid for sid in found.values() if sid})


def _in_chain_groups(connection: Any, settings: LdapSettings, dn: str) -> dict[str, str | None]:
    search_filter = (
        f"(&{GROUPS['active_directory']}(member:{IN_CHAIN}:={ldap.filter.escape_filter_chars(dn)}))"
    )
    found: dict[str, str | None] = {}
    for base in settings.base_dns:
        for group_dn, entry in _entries(
            connection.search_s(base, ldap.SCOPE_SUBTREE, search_filter, ["objectSid"])
        ):
            found[group_dn] = sid_to_string(_first(entry, "objectSid"))
    return found


def _token_groups(connection: Any, dn: str) -> set[str]:
    """Every group SID of the account, the primary group included (computed by AD on a base search)."""
    entries = _entries(connection.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", ["tokenGroups"]))
    values = entries[0][1].get("tokenGroups", []) if entries else []
    return {sid for sid in (sid_to_string(v) for v in values) if sid}


def _walked_groups(connection: Any, settings: LdapSettings, account: AccountEntry) -> dict[str, str | None]:
    """Groups naming the account as a member, then the groups naming those, level by level (bounded)."""
    found: dict[str, str | None] = {}
    seen: set[str] = set()
    frontier = {account.dn}
    for _level in range(MAX_GROUP_DEPTH):
        if not frontier or len(found) >= MAX_GROUPS:
            break
        members = "".join(
            f"(member={escaped})(uniqueMember={escaped})"
            for escaped in (ldap.filter.escape_filter_chars(dn) for dn in sorted(frontier))
        )
        search_filter = f"(&{GROUPS[settings.profile]}(|{members}))"
        discovered: set[str] = set()
        for base in settings.base_dns:
            entries = connection.search_s(base, ldap.SCOPE_SUBTREE, search_filter, ["objectSid"])
            for group_dn, entry in _entries(entries):
                key = normalise_dn(group_dn)
                if key not in seen:
                    seen.add(key)
                    found[group_dn] = sid_to_string(_first(entry, "objectSid"))
                    discovered.add(group_dn)
        frontier = discovered
    return found


def _is_active_directory(connection: Any) -> bool:
    try:
        entries = connection.search_s("", ldap.SCOPE_BASE, "(objectClass=*)", ["supportedCapabilities"])
    except ldap.LDAPError:
        return False
    values = entries[0][1].get("supportedCapabilities", []) if entries else []
    return AD_CAPABILITY.encode() in values


def _service_connection(settings: LdapSettings) -> Any:
    try:
        return connect(settings)
    except LdapAuthenticationFailed as failure:
        raise ServiceAccountRefused(str(failure)) from None


def _entries(results: Any) -> list[tuple[str, dict[str, list[bytes]]]]:
    return [(dn, entry) for dn, entry in results if dn is not None]  # search references carry no DN


def _first(entry: dict[str, list[bytes]], name: str) -> bytes | None:
    values = entry.get(name)
    return values[0] if values else None


def _text(entry: dict[str, list[bytes]], name: str) -> str | None:
    return text(_first(entry, name))
