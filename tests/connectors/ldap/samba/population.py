"""What the test domain holds, written over LDAPS as Administrator once the DC is up.

Only `member` links, `primaryGroupID` and the account flags are written: `memberOf`, `objectSid`, `uSNChanged`
and `tokenGroups` are the DC's to compute, and the tests check what it computed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import ldap
import ldap.modlist

from connectors.base import CollectingSink
from connectors.ldap.connector import LdapConnector
from connectors.ldap.records import DirectoryRecord, SyncSummary
from connectors.ldap.settings import LdapSettings
from tests.connectors.ldap.samba.dc import ADMIN_PASSWORD, BASE_DN, DNS_DOMAIN, SambaDc

T = TypeVar("T")
USERS_OU = f"OU=Utilisateurs CHU,{BASE_DN}"
COMPUTERS_OU = f"OU=Ordinateurs CHU,{BASE_DN}"
BUILTIN_USERS = f"CN=Users,{BASE_DN}"
DOMAIN_ADMINS = f"CN=Domain Admins,{BUILTIN_USERS}"
DOMAIN_USERS = f"CN=Domain Users,{BUILTIN_USERS}"
ADMINISTRATOR = f"CN=Administrator,{BUILTIN_USERS}"
KRBTGT = f"CN=krbtgt,{BUILTIN_USERS}"
SERVICE_LOGIN = "svc-ghtsoc"
SERVICE_UPN = f"svc-ghtsoc@{DNS_DOMAIN}"
SERVICE_PASSWORD = "Lecture-Seule-2026!"  # an ordinary domain user: what the hub binds as in production
AGENTS = 24
HELENE = f"CN=Hélène Dupré,{USERS_OU}"  # a direct Domain Admin, password never expires, with an SPN
NESTED_GROUP = f"CN=Admins délégués,{USERS_OU}"  # a global group nested in Domain Admins
NESTED_ADMIN = f"CN=Agent 07,{USERS_OU}"  # privileged only through NESTED_GROUP
HIDDEN_ADMIN = f"CN=svc-sauvegarde,{USERS_OU}"  # Domain Admins as primary group: absent from `member`
NO_PREAUTH = f"CN=resa.web,{USERS_OU}"  # DONT_REQ_PREAUTH: AS-REP roastable
FORMER_ADMIN = f"CN=Ancien Admin,{USERS_OU}"  # adminCount=1 left behind
OLD_PC = f"CN=PC-URG-01,{COMPUTERS_OU}"  # Windows 7
NEW_PC = f"CN=PC-ADM-02,{COMPUTERS_OU}"  # Windows 11
# userAccountControl bits written here (MS-ADTS 2.2.16).
NORMAL, DISABLED, NEVER_EXPIRES, NO_PREAUTH_BIT, WORKSTATION = 0x200, 0x2, 0x10000, 0x400000, 0x1000
STALE_LOGON = 130_000_000_000_000_000  # a FILETIME in 2012
PASSWORD = "Agent-Passe-2026!"


@dataclass(frozen=True)
class Population:
    users: tuple[str, ...]  # DNs of the user accounts written here
    computers: tuple[str, ...]


@dataclass(frozen=True)
class SambaDomain:
    """The session's DC and what was written into it."""

    dc: SambaDc
    population: Population


def admin_connection(dc: SambaDc) -> Any:
    """A connection bound as the domain's Administrator over LDAPS; call it on the DC's thread."""
    connection = ldap.initialize(dc.uri)
    connection.set_option(ldap.OPT_REFERRALS, 0)
    connection.set_option(ldap.OPT_X_TLS_CACERTFILE, str(dc.ca_file))
    connection.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    connection.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
    connection.simple_bind_s(f"Administrator@{DNS_DOMAIN}", ADMIN_PASSWORD)
    return connection


def as_admin(dc: SambaDc, function: Callable[[Any], T]) -> T:
    """`function(connection)` with a fresh Administrator connection, on the DC's thread."""

    def work() -> T:
        connection = admin_connection(dc)
        try:
            return function(connection)
        finally:
            connection.unbind_s()

    return dc.call(work)


def _values(attributes: Mapping[str, object]) -> dict[str, list[bytes]]:
    result: dict[str, list[bytes]] = {}
    for name, value in attributes.items():
        items = value if isinstance(value, list) else [value]
        result[name] = [i if isinstance(i, bytes) else str(i).encode() for i in items]
    return result


def _password(value: str) -> bytes:
    return f'"{value}"'.encode("utf-16-le")  # AD's unicodePwd: the quoted password in UTF-16LE


def _user(
    connection: Any, dn: str, login: str, control: int = NORMAL, password: str = PASSWORD, **extra: object
) -> str:
    cn = dn.split(",", 1)[0][3:]
    attributes: dict[str, object] = {
        "objectClass": "user",
        "sAMAccountName": login,
        "userPrincipalName": f"{login}@{DNS_DOMAIN}",
        "displayName": cn,
        "unicodePwd": _password(password),
        "userAccountControl": control,
        **extra,
    }
    connection.add_s(dn, ldap.modlist.addModlist(_values(attributes)))
    return dn


def populate(connection: Any) -> Population:
    """Write the test domain. Run on the DC's thread with `admin_connection`."""
    for ou in (USERS_OU, COMPUTERS_OU):
        connection.add_s(ou, ldap.modlist.addModlist(_values({"objectClass": "organizationalUnit"})))
    users = [
        _user(
            connection,
            f"CN={SERVICE_LOGIN},{USERS_OU}",
            SERVICE_LOGIN,
            NORMAL | NEVER_EXPIRES,
            password=SERVICE_PASSWORD,
        )
    ]
    for n in range(AGENTS):
        control = NORMAL | (DISABLED if n % 10 == 0 else 0)
        users.append(_user(connection, f"CN=Agent {n:02},{USERS_OU}", f"agent{n:02}", control))
    users.append(
        _user(
            connection,
            HELENE,
            "hdupre",
            NORMAL | NEVER_EXPIRES,
            servicePrincipalName="MSSQLSvc/srv-dpi.chu-demo.local:1433",
        )
    )
    users.append(_user(connection, HIDDEN_ADMIN, "svc-sauvegarde"))
    users.append(_user(connection, NO_PREAUTH, "resa.web", NORMAL | NO_PREAUTH_BIT))
    users.append(_user(connection, FORMER_ADMIN, "ancien.admin", adminCount=1))
    # Stale on purpose; the administrator may write it (a DC updates it at logon, at most every ~14 days).
    connection.modify_s(HIDDEN_ADMIN, [(ldap.MOD_REPLACE, "lastLogonTimestamp", [str(STALE_LOGON).encode()])])
    group = {"objectClass": "group", "sAMAccountName": "Admins délégués", "member": NESTED_ADMIN}
    connection.add_s(NESTED_GROUP, ldap.modlist.addModlist(_values(group)))
    for member in (HELENE, NESTED_GROUP, HIDDEN_ADMIN):
        connection.modify_s(DOMAIN_ADMINS, [(ldap.MOD_ADD, "member", [member.encode()])])
    # AD only accepts a primary group the account is already a member of; it then drops the `member` link.
    connection.modify_s(HIDDEN_ADMIN, [(ldap.MOD_REPLACE, "primaryGroupID", [b"512"])])
    computers = []
    for dn, system, version in (
        (OLD_PC, "Windows 7 Professionnel", "6.1 (7601)"),
        (NEW_PC, "Windows 11 Entreprise", "10.0 (22631)"),
    ):
        name = dn.split(",", 1)[0][3:]
        attributes = {
            "objectClass": "computer",
            "sAMAccountName": f"{name}$",
            "dNSHostName": f"{name.lower()}.chu-demo.local",
            "operatingSystem": system,
            "operatingSystemVersion": version,
            "unicodePwd": _password(PASSWORD),
            "userAccountControl": WORKSTATION,
        }
        connection.add_s(dn, ldap.modlist.addModlist(_values(attributes)))
        computers.append(dn)
    return Population(tuple(users), tuple(computers))


def service_settings(dc: SambaDc, **overrides: object) -> LdapSettings:
    """The connector as the hub configures it: LDAPS, the DC's CA, the service account's UPN, small pages."""
    values: dict[str, object] = {
        "establishment": "chu-demo",
        "uri": dc.uri,
        "bind_dn": SERVICE_UPN,
        "password": SERVICE_PASSWORD,
        "base_dns": (BASE_DN,),
        "start_tls": False,
        "ca_file": dc.ca_file,
        "page_size": 10,  # several pages even on this small domain
        "timeout": 20,
    }
    values.update(overrides)
    return LdapSettings(**values)  # type: ignore[arg-type]


def sync(
    dc: SambaDc, since: str | None = None, **overrides: object
) -> tuple[SyncSummary, list[DirectoryRecord]]:
    """One sync by the real connector, run inside the DC's namespace: its summary and what it emitted."""
    sink: CollectingSink[DirectoryRecord] = CollectingSink()
    summary = dc.call(LdapConnector(service_settings(dc, **overrides), sink).sync, since)
    return summary, sink.records
