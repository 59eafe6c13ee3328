"""Disabling one account in an establishment's directory: the playbook action `ldap.disable_account`.

Active Directory: read `userAccountControl` and write it back with the ACCOUNTDISABLE bit (0x2) set.
OpenLDAP: set `pwdAccountLockedTime` to `000001010000Z`, which the ppolicy overlay reads as "locked until an
administrator unlocks". The account name is matched exactly (LDAP-filter-escaped): a name that matches
nothing or several entries changes nothing. An account already disabled is left as it is and reported so.
What was there before is returned, so that a person can undo the action by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ldap
import ldap.filter

from connectors.base import ConnectorError
from connectors.ldap.connector import LdapUnavailable, connect
from connectors.ldap.decode import UserAccountControl
from connectors.ldap.settings import LdapSettings, Profile

# ppolicy: a lock time of 00:00 on 1 January 0000 means "locked until unlocked by an administrator".
PERMANENT_LOCK = "000001010000Z"
ACCOUNT_FILTERS: dict[Profile, str] = {
    "active_directory": "(&(objectClass=user)(sAMAccountName={name}))",  # users and computer accounts
    "openldap": "(&(|(objectClass=inetOrgPerson)(objectClass=posixAccount))(uid={name}))",
}
STATE_ATTRIBUTE: dict[Profile, str] = {
    "active_directory": "userAccountControl",
    "openldap": "pwdAccountLockedTime",  # operational: returned only when asked for by name
}


class AccountNotFound(ConnectorError):
    """No entry has this account name under the configured base DNs."""


class AccountAmbiguous(ConnectorError):
    """Several entries have this account name: none is touched."""

    def __init__(self, account: str, dns: tuple[str, ...]) -> None:
        super().__init__(f"{account!r} : plusieurs entrées ({', '.join(dns)}), aucune n'est modifiée")
        self.dns = dns


class DisableRefused(ConnectorError):
    """The directory refused the change (the bind account lacks the right to write this attribute)."""


class DisableUnsupported(ConnectorError):
    """The directory cannot hold the disabled state (OpenLDAP without the ppolicy schema, odd values)."""


@dataclass(frozen=True)
class AccountDisabled:
    """What the action did: the entry, the state before (attribute value, None if absent) and after."""

    establishment: str
    account: str
    dn: str
    attribute: str
    previous: str | None
    current: str
    already_disabled: bool


def disable_account(settings: LdapSettings, account: str) -> AccountDisabled:
    """Disable `account` (sAMAccountName or uid) in the directory `settings` describes; typed errors."""
    connection = connect(settings)
    try:
        dn, previous = _find(connection, settings, account)
        attribute = STATE_ATTRIBUTE[settings.profile]
        current = _disabled_value(settings.profile, account, previous)
        done = AccountDisabled(
            establishment=settings.establishment,
            account=account,
            dn=dn,
            attribute=attribute,
            previous=previous,
            current=current,
            already_disabled=current == previous,
        )
        if not done.already_disabled:
            _replace(connection, settings, dn, attribute, current)
        return done
    finally:
        connection.unbind_s()


def _find(connection: Any, settings: LdapSettings, account: str) -> tuple[str, str | None]:
    """The one entry named `account`, with the current value of its state attribute."""
    search_filter = ACCOUNT_FILTERS[settings.profile].format(name=ldap.filter.escape_filter_chars(account))
    attribute = STATE_ATTRIBUTE[settings.profile]
    found: dict[str, str | None] = {}
    for base in settings.base_dns:
        try:
            # Two entries are enough to know the name is ambiguous: never read more.
            entries = connection.search_ext_s(
                base, ldap.SCOPE_SUBTREE, search_filter, [attribute], timeout=settings.timeout, sizelimit=2
            )
        except ldap.SIZELIMIT_EXCEEDED:
            raise AccountAmbiguous(account, (base,)) from None
        except ldap.NO_SUCH_OBJECT:
            continue  # this base DN does not exist on this server: nothing there
        except (ldap.SERVER_DOWN, ldap.TIMEOUT) as failure:
            raise LdapUnavailable(f"{settings.uri} : injoignable : {_message(failure)}") from None
        for dn, entry in entries:
            if dn is not None:  # search references carry no DN
                values = entry.get(attribute) or []
                found[dn] = values[0].decode("utf-8", errors="replace") if values else None
    if not found:
        raise AccountNotFound(f"{account!r} : aucun compte de ce nom dans {', '.join(settings.base_dns)}")
    if len(found) > 1:
        raise AccountAmbiguous(account, tuple(sorted(found)))
    ((dn, value),) = found.items()
    return dn, value


def _disabled_value(profile: Profile, account: str, previous: str | None) -> str:
    """The attribute value that means "disabled", from the value read (AD keeps every other bit)."""
    if profile == "openldap":
        return PERMANENT_LOCK
    if previous is None or not previous.lstrip("-").isdigit():
        raise DisableUnsupported(f"{account!r} : userAccountControl illisible ({previous!r})")
    # userAccountControl is a signed 32-bit integer on the wire; the OR keeps its sign.
    return str(int(previous) | int(UserAccountControl.ACCOUNTDISABLE))


def _replace(connection: Any, settings: LdapSettings, dn: str, attribute: str, value: str) -> None:
    try:
        connection.modify_s(dn, [(ldap.MOD_REPLACE, attribute, [value.encode()])])
    except (ldap.INSUFFICIENT_ACCESS, ldap.UNWILLING_TO_PERFORM, ldap.STRONG_AUTH_REQUIRED) as failure:
        raise DisableRefused(f"{dn} : modification refusée : {_message(failure)}") from None
    except (ldap.UNDEFINED_TYPE, ldap.OBJECT_CLASS_VIOLATION, ldap.INVALID_SYNTAX) as failure:
        raise DisableUnsupported(f"{dn} : {attribute} non pris en charge : {_message(failure)}") from None
    except (ldap.SERVER_DOWN, ldap.TIMEOUT) as failure:
        raise LdapUnavailable(f"{settings.uri} : injoignable : {_message(failure)}") from None


def _message(failure: Exception) -> str:
    details = failure.args[0] if failure.args and isinstance(failure.args[0], dict) else {}
    return str(details.get("info") or details.get("desc") or failure)
