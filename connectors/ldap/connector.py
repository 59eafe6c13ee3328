"""Reading one directory with paged searches, streamed to a sink page after page.

Bind failures, unreachable servers and TLS errors are typed errors before anything is read. A search that
stops early (size limit, connection dropped between pages) returns a summary with `complete=False`: what
was read is emitted, and nothing may be concluded from what was not.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import ldap
import ldap.filter
from ldap.controls import SimplePagedResultsControl

from connectors.base import ConnectorError, Sink
from connectors.ldap.decode import (
    UserAccountControl,
    account_control,
    filetime,
    generalized_time,
    sid_to_string,
    text,
)
from connectors.ldap.records import DirectoryAccount, DirectoryGroup, DirectoryRecord, SyncSummary
from connectors.ldap.settings import LdapSettings

ACCOUNT_ATTRIBUTES = [
    "sAMAccountName",
    "uid",
    "displayName",
    "cn",
    "objectSid",
    "userAccountControl",
    "lastLogonTimestamp",
    "pwdLastSet",
    "adminCount",
    "primaryGroupID",
    "servicePrincipalName",
    "memberOf",
    "dNSHostName",
    "operatingSystem",
    "operatingSystemVersion",
    "uSNChanged",
    "modifyTimestamp",
    "objectClass",
]
GROUP_ATTRIBUTES = [
    "cn",
    "sAMAccountName",
    "objectSid",
    "member",
    "uniqueMember",
    "uSNChanged",
    "modifyTimestamp",
]
SEARCHES = {
    "active_directory": {
        "user": "(&(objectClass=user)(!(objectClass=computer)))",
        "computer": "(objectClass=computer)",
        "group": "(objectClass=group)",
    },
    "openldap": {
        "user": "(objectClass=inetOrgPerson)",
        "group": "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
    },
}


class LdapUnavailable(ConnectorError):
    """The directory cannot be reached (down, refused, timed out)."""


class LdapAuthenticationFailed(ConnectorError):
    """The bind was refused: wrong account or password."""


class LdapTlsError(ConnectorError):
    """The TLS handshake failed: certificate not trusted or not for this name."""


class LdapEncryptionRequired(ConnectorError):
    """The server refuses a simple bind without TLS (AD's default `ldap server require strong auth`)."""


class LdapConnector:
    def __init__(self, settings: LdapSettings, sink: Sink[DirectoryRecord]) -> None:
        self._settings = settings
        self._sink = sink

    def sync(self, since: str | None = None) -> SyncSummary:
        """A full sync, or an incremental one from the watermark of a previous complete sync."""
        started = datetime.now(UTC)
        connection = self._connect()
        identity = _server_identity(connection)
        counts = {"user": 0, "computer": 0, "group": 0}
        highest: str | None = since
        error = None
        try:
            for kind, search_filter in SEARCHES[self._settings.profile].items():
                for base in self._settings.base_dns:
                    attributes = GROUP_ATTRIBUTES if kind == "group" else ACCOUNT_ATTRIBUTES
                    for dn, entry in self._paged(
                        connection, base, _changed_since(search_filter, since, self._settings), attributes
                    ):
                        record = (
                            _account(kind, dn, entry, self._settings)
                            if kind != "group"
                            else _group(dn, entry, self._settings)
                        )
                        self._sink.emit(record)
                        counts[kind] += 1
                        highest = _higher(highest, _watermark(entry, self._settings))
        except ldap.SIZELIMIT_EXCEEDED:
            error = "limite de taille atteinte sur le serveur : recherche incomplète"
        except (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR) as failure:
            error = f"connexion perdue pendant la lecture : {_message(failure)}"
        finally:
            connection.unbind_s()
        return SyncSummary(
            establishment=self._settings.establishment,
            mode="incremental" if since else "full",
            complete=error is None,
            entries=sum(counts.values()),
            watermark=highest if error is None else since,
            started_at=started,
            finished_at=datetime.now(UTC),
            error=error,
            counts=counts,
            server_identity=identity,
        )

    def _connect(self) -> Any:
        return connect(self._settings)

    def _paged(
        self, connection: Any, base: str, search_filter: str, attributes: list[str]
    ) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
        """Entries of a paged search, one page in memory at a time."""
        control = SimplePagedResultsControl(True, size=self._settings.page_size, cookie="")
        for _page in range(self._settings.max_pages):
            message = connection.search_ext(
                base, ldap.SCOPE_SUBTREE, search_filter, attributes, serverctrls=[control]
            )
            _type, entries, _id, controls = connection.result3(message, timeout=self._settings.timeout)
            for dn, entry in entries:
                if dn is not None:  # search references carry no DN
                    yield dn, entry
            cookies = [c.cookie for c in controls if c.controlType == SimplePagedResultsControl.controlType]
            if not cookies or not cookies[0]:
                return
            control.cookie = cookies[0]
        raise ldap.SIZELIMIT_EXCEEDED({"desc": f"plus de {self._settings.max_pages} pages"})


def connect(settings: LdapSettings) -> Any:
    """A bound connection (TLS as configured); typed errors for refused credentials, TLS and no answer."""
    connection = ldap.initialize(settings.uri)
    connection.set_option(ldap.OPT_REFERRALS, 0)
    connection.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
    connection.set_option(ldap.OPT_NETWORK_TIMEOUT, settings.timeout)
    connection.set_option(ldap.OPT_TIMEOUT, settings.timeout)
    if settings.ca_file is not None:
        connection.set_option(ldap.OPT_X_TLS_CACERTFILE, str(settings.ca_file))
    connection.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    connection.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
    try:
        if settings.start_tls and settings.uri.startswith("ldap://"):
            connection.start_tls_s()
        connection.simple_bind_s(settings.bind_dn, settings.password)
    except ldap.INVALID_CREDENTIALS:
        raise LdapAuthenticationFailed(
            f"{settings.uri} : identifiants refusés pour {settings.bind_dn}"
        ) from None
    except (ldap.STRONG_AUTH_REQUIRED, ldap.CONFIDENTIALITY_REQUIRED):
        raise LdapEncryptionRequired(
            f"{settings.uri} : le serveur exige TLS pour se connecter (ldaps:// ou StartTLS)"
        ) from None
    except ldap.CONNECT_ERROR as failure:
        raise LdapTlsError(f"{settings.uri} : TLS refusé : {_message(failure)}") from None
    except (ldap.SERVER_DOWN, ldap.TIMEOUT) as failure:
        # Over ldaps:// libldap reports a refused certificate as SERVER_DOWN, like a dead server: a server
        # that accepts the TCP connection is up, so what failed is TLS.
        if settings.uri.startswith("ldaps://") and _accepts_tcp(settings):
            raise LdapTlsError(f"{settings.uri} : TLS refusé : {_message(failure)}") from None
        raise LdapUnavailable(f"{settings.uri} : injoignable : {_message(failure)}") from None
    return connection


def _accepts_tcp(settings: LdapSettings) -> bool:
    address = urlsplit(settings.uri)
    try:
        with socket.create_connection(
            (address.hostname or "localhost", address.port or 636), settings.timeout
        ):
            return True
    except OSError:
        return False


def _first(entry: dict[str, list[bytes]], name: str) -> bytes | None:
    values = entry.get(name)
    return values[0] if values else None


def _all(entry: dict[str, list[bytes]], name: str) -> tuple[str, ...]:
    return tuple(text(v) or "" for v in entry.get(name, []))


def _account(kind: str, dn: str, entry: dict[str, list[bytes]], settings: LdapSettings) -> DirectoryAccount:
    control = account_control(_first(entry, "userAccountControl"))
    admin_count = _first(entry, "adminCount")
    sid = sid_to_string(_first(entry, "objectSid"))
    return DirectoryAccount(
        kind="computer" if kind == "computer" else "user",
        establishment=settings.establishment,
        dn=dn,
        login=text(_first(entry, "sAMAccountName") or _first(entry, "uid")),
        display_name=text(_first(entry, "displayName") or _first(entry, "cn")),
        sid=sid,
        enabled=UserAccountControl.ACCOUNTDISABLE not in control,
        last_logon=filetime(_first(entry, "lastLogonTimestamp")),
        password_last_set=filetime(_first(entry, "pwdLastSet")),
        password_never_expires=UserAccountControl.DONT_EXPIRE_PASSWORD in control,
        preauth_not_required=UserAccountControl.DONT_REQ_PREAUTH in control,
        admin_count=int(admin_count) if admin_count and admin_count.isdigit() else 0,
        service_principal_names=_all(entry, "servicePrincipalName"),
        member_of=_all(entry, "memberOf"),
        dns_name=text(_first(entry, "dNSHostName")),
        operating_system=text(_first(entry, "operatingSystem")),
        operating_system_version=text(_first(entry, "operatingSystemVersion")),
        changed=int(changed) if (changed := _first(entry, "uSNChanged")) and changed.isdigit() else None,
        modified=generalized_time(_first(entry, "modifyTimestamp")),
        primary_group_sid=_primary_group_sid(sid, _first(entry, "primaryGroupID")),
    )


def _primary_group_sid(sid: str | None, primary_group: bytes | None) -> str | None:
    """The SID of the account's primary group: its domain's SID and the primaryGroupID RID.

    AD lists that membership nowhere else (not in the group's `member`, not in `memberOf`): an account made
    a Domain Admin through primaryGroupID=512 would otherwise go unseen.
    """
    if sid is None or primary_group is None or not primary_group.isdigit():
        return None
    return f"{sid.rsplit('-', 1)[0]}-{int(primary_group)}"


def _group(dn: str, entry: dict[str, list[bytes]], settings: LdapSettings) -> DirectoryGroup:
    return DirectoryGroup(
        establishment=settings.establishment,
        dn=dn,
        name=text(_first(entry, "sAMAccountName") or _first(entry, "cn")),
        sid=sid_to_string(_first(entry, "objectSid")),
        members=_all(entry, "member") + _all(entry, "uniqueMember"),
    )


def _changed_since(search_filter: str, since: str | None, settings: LdapSettings) -> str:
    if since is None:
        return search_filter
    attribute = "uSNChanged" if settings.profile == "active_directory" else "modifyTimestamp"
    return f"(&{search_filter}({attribute}>={ldap.filter.escape_filter_chars(since)}))"


def _watermark(entry: dict[str, list[bytes]], settings: LdapSettings) -> str | None:
    name = "uSNChanged" if settings.profile == "active_directory" else "modifyTimestamp"
    return text(_first(entry, name))


def _higher(current: str | None, candidate: str | None) -> str | None:
    if candidate is None:
        return current
    if current is None:
        return candidate
    if current.isdigit() and candidate.isdigit():
        return candidate if int(candidate) > int(current) else current
    return max(current, candidate)  # GeneralizedTime strings of one format sort in time order


def _server_identity(connection: Any) -> str | None:
    """The DC answering and its database's invocationId; None where there is no such thing (OpenLDAP).

    USNs are only comparable on the same DC *and* the same copy of its database: a DC restored from backup
    keeps its name (dsServiceName) but gets a new invocationId, and may hand out USNs already seen.
    """
    try:
        entries = connection.search_s("", ldap.SCOPE_BASE, "(objectClass=*)", ["dsServiceName"])
        values = entries[0][1].get("dsServiceName") if entries else None
        service = text(values[0]) if values else None
        if service is None:
            return None
        settings = connection.search_s(service, ldap.SCOPE_BASE, "(objectClass=*)", ["invocationId"])
    except ldap.LDAPError:
        return None
    invocation = _first(settings[0][1], "invocationId") if settings else None
    if invocation is None or len(invocation) != 16:
        return service
    return f"{service}#{uuid.UUID(bytes_le=invocation)}"


def _message(failure: Exception) -> str:
    details = failure.args[0] if failure.args and isinstance(failure.args[0], dict) else {}
    return str(details.get("info") or details.get("desc") or failure)
