"""Reading one directory with paged searches, streamed to a sink page after page.

Bind failures, unreachable servers and TLS errors are typed errors before anything is read. A search that
stops early (size limit, connection dropped between pages) returns a summary with `complete=False`: what
was read is emitted, and nothing may be concluded from what was not.
"""

from __future__ import annotations

import gc
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import ldap
import ldap.filter
from ldap.controls import SimplePagedResultsControl

from connectors.base import ConnectorError, Sink
from connectors.ldap.decode import text
from connectors.ldap.entries import Entry, Highest, account, group
from connectors.ldap.records import DirectoryRecord, SyncSummary
from connectors.ldap.settings import LdapSettings

# Only what a record holds: every attribute asked for is sent, converted by python-ldap and decoded, for every
# entry, and python-ldap's conversion grows with the square of an entry's attributes (it looks each one up
# again from the first).
_ACCOUNT_ATTRIBUTES = [
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
]
ACCOUNT_ATTRIBUTES = {
    # Neither `cn`, the value of AD's first RDN (the decoder reads it from the DN), nor `uid`, only read when
    # sAMAccountName is missing, which AD never lets an account be: a tenth of python-ldap's work saved.
    "active_directory": [a for a in _ACCOUNT_ATTRIBUTES if a not in ("cn", "uid")],
    "openldap": _ACCOUNT_ATTRIBUTES,
}
GROUP_ATTRIBUTES = [
    "cn",
    "sAMAccountName",
    "objectSid",
    "member",
    "uniqueMember",
    "uSNChanged",
    "modifyTimestamp",
]
Page = list[tuple[str | None, Entry]]  # (None, referrals) for a search reference
AD_MAX_VAL_RANGE = 1500  # AD's default policy: values of one attribute per read

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
        self._watermark = _watermark_attribute(settings)

    def sync(self, since: str | None = None) -> SyncSummary:
        """A full sync, or an incremental one from the watermark of a previous complete sync."""
        started = datetime.now(UTC)
        connection = self._connect()
        identity = _server_identity(connection)
        counts = {"user": 0, "computer": 0, "group": 0}
        highest = Highest(since)
        error = None
        try:
            with _collector_paused():
                for kind, search_filter in SEARCHES[self._settings.profile].items():
                    for base in self._settings.base_dns:
                        search = _changed_since(search_filter, since, self._settings)
                        pages = self._paged(connection, base, search, kind)
                        if kind == "group":
                            self._groups(connection, pages, highest, counts)
                        elif kind == "computer":
                            self._accounts("computer", pages, highest, counts)
                        else:
                            self._accounts("user", pages, highest, counts)
        except ldap.SIZELIMIT_EXCEEDED:
            error = "limite de taille atteinte sur le serveur : recherche incomplète"
        except ldap.ADMINLIMIT_EXCEEDED:  # slapd's size.pr, AD's MaxPageSize: pages larger than it allows
            error = (
                f"le serveur refuse des pages de {self._settings.page_size} entrées (limite d'administration) : "
                "réduisez page_size"
            )
        # UNAVAILABLE and BUSY: a server shutting down answers the request already on its way (the next page
        # is asked for early) with them rather than dropping the connection.
        except (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR, ldap.UNAVAILABLE, ldap.BUSY) as failure:
            error = f"connexion perdue pendant la lecture : {_message(failure)}"
        finally:
            connection.unbind_s()
        return SyncSummary(
            establishment=self._settings.establishment,
            mode="incremental" if since else "full",
            complete=error is None,
            entries=sum(counts.values()),
            watermark=highest.value if error is None else since,
            started_at=started,
            finished_at=datetime.now(UTC),
            error=error,
            counts=counts,
            server_identity=identity,
        )

    def _accounts(
        self,
        kind: Literal["user", "computer"],
        pages: Iterator[Page],
        highest: Highest,
        counts: dict[str, int],
    ) -> None:
        """Users or computers, each emitted as soon as it is decoded. Nearly every entry of a sync goes through
        this loop: what it needs is looked up once, before it."""
        emit, offer, establishment, watermark = (
            self._sink.emit,
            highest.offer,
            self._settings.establishment,
            self._watermark,
        )
        read = 0
        try:
            for page in pages:
                for dn, entry in page:
                    if dn is None:  # a search reference (AD's DomainDnsZones...): no entry
                        continue
                    emit(account(kind, dn, entry, establishment))
                    offer(v[0] if (v := entry.get(watermark)) else None)
                    read += 1
        finally:  # a search that stops early still counts what it emitted
            counts[kind] += read

    def _groups(
        self, connection: Any, pages: Iterator[Page], highest: Highest, counts: dict[str, int]
    ) -> None:
        # Groups with more members than one range are completed once the paged search is over: Samba ends a
        # paged search early, and silently, when another search runs in between.
        unfinished: list[tuple[str, Entry]] = []
        for page in pages:
            for dn, entry in page:
                if dn is None:
                    continue
                if _has_more_members(entry):
                    unfinished.append((dn, entry))
                    continue
                entry = whole_members(connection, dn, entry, self._settings)  # the last range, if any
                self._emit_group(dn, entry, highest, counts)
        for dn, entry in unfinished:
            self._emit_group(dn, whole_members(connection, dn, entry, self._settings), highest, counts)

    def _emit_group(self, dn: str, entry: Entry, highest: Highest, counts: dict[str, int]) -> None:
        self._sink.emit(group(dn, entry, self._settings.establishment))
        highest.offer(v[0] if (v := entry.get(self._watermark)) else None)
        counts["group"] += 1

    def _connect(self) -> Any:
        return connect(self._settings)

    def _paged(self, connection: Any, base: str, search_filter: str, kind: str) -> Iterator[Page]:
        """The pages of a paged search, one in memory at a time (and the next one on its way).

        The next page is asked for as soon as this one's cookie is known, before its entries are handed on:
        the server reads and sends it while this process decodes the current one. A page is read whole
        (`all=1`): read message by message, python-ldap's wrapper around each call cost more CPU than the
        whole page saved, and the next page could only be asked for once this one was decoded.
        """
        if kind == "group":
            attributes = _group_attributes(self._settings)
        else:
            attributes = ACCOUNT_ATTRIBUTES[self._settings.profile]
        control = SimplePagedResultsControl(True, size=self._settings.page_size, cookie="")
        message = connection.search_ext(
            base, ldap.SCOPE_SUBTREE, search_filter, attributes, serverctrls=[control]
        )
        for page in range(1, self._settings.max_pages + 1):
            _type, entries, _id, controls = connection.result3(message, timeout=self._settings.timeout)
            cookies = [c.cookie for c in controls if c.controlType == SimplePagedResultsControl.controlType]
            more = bool(cookies and cookies[0])
            failed: ldap.LDAPError | None = None
            if more and page < self._settings.max_pages:
                control.cookie = cookies[0]
                try:
                    message = connection.search_ext(
                        base, ldap.SCOPE_SUBTREE, search_filter, attributes, serverctrls=[control]
                    )
                except ldap.LDAPError as failure:
                    failed = failure  # this page was read all the same: hand it on first
            yield entries
            if failed is not None:
                raise failed
            if not more:
                return
        raise ldap.SIZELIMIT_EXCEEDED({"desc": f"plus de {self._settings.max_pages} pages"})


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a sync reads, and back on after (if it was on).

    python-ldap builds a page's ten thousand dicts and lists at once, all alive until the page is decoded,
    and the records built from them are kept: every 700 allocations the collector walked them again, and
    promoted them up to collections of the whole process (a fifth of a full sync's CPU when the records are
    kept, as the hub does). A sync makes no reference cycles that need collecting before it ends: the
    collector only runs later, as it would have. Process-wide, like the collector: another thread's
    cyclic garbage waits for the end of the sync too.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _group_attributes(settings: LdapSettings) -> list[str]:
    """`member` asked plainly: AD answers a group of more members than its MaxValRange with an empty `member`
    and a `member;range=0-1499` the reader must notice (or the group looks empty), and slapd knows no ranges.
    A smaller `member_range` asks for the first range explicitly (what the tests do with Samba, which only
    ranges on request)."""
    if settings.profile != "active_directory" or settings.member_range >= AD_MAX_VAL_RANGE:
        return GROUP_ATTRIBUTES
    first = f"member;range=0-{settings.member_range - 1}"
    return [first if name == "member" else name for name in GROUP_ATTRIBUTES]


def _member_range(entry: Entry) -> tuple[str, list[bytes], int | None] | None:
    """The `member;range=low-high` attribute of an entry: its key, its values and the next low (None: last)."""
    for key, values in entry.items():
        name, _, option = key.partition(";")
        if name.lower() == "member" and option.lower().startswith("range="):
            high = option.partition("-")[2]
            return key, values, None if high == "*" else int(high) + 1
    return None


def _has_more_members(entry: Entry) -> bool:
    found = _member_range(entry)
    return found is not None and found[2] is not None


def whole_members(connection: Any, dn: str, entry: Entry, settings: LdapSettings) -> Entry:
    """The entry with every member under `member`, reading the further ranges AD announces (bounded)."""
    found = _member_range(entry)
    if found is None:
        return entry
    key, members, low = found
    members = list(members)
    for _ in range(settings.max_pages):
        if low is None:
            break
        wanted = f"member;range={low}-{low + settings.member_range - 1}"
        answer = connection.search_ext_s(
            dn, ldap.SCOPE_BASE, "(objectClass=*)", [wanted], timeout=settings.timeout
        )
        more = _member_range(answer[0][1]) if answer and answer[0][0] else None
        if more is None:  # nothing from `low` on: the previous range was the last
            break
        members.extend(more[1])
        low = more[2]
    else:
        raise ldap.SIZELIMIT_EXCEEDED({"desc": f"{dn} : plus de {settings.max_pages} tranches de membres"})
    rest = {k: v for k, v in entry.items() if k != key}
    return {**rest, "member": members}


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


def _changed_since(search_filter: str, since: str | None, settings: LdapSettings) -> str:
    if since is None:
        return search_filter
    attribute = _watermark_attribute(settings)
    return f"(&{search_filter}({attribute}>={ldap.filter.escape_filter_chars(since)}))"


def _watermark_attribute(settings: LdapSettings) -> str:
    return "uSNChanged" if settings.profile == "active_directory" else "modifyTimestamp"


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
    values = settings[0][1].get("invocationId") if settings else None
    invocation = values[0] if values else None
    if invocation is None or len(invocation) != 16:
        return service
    return f"{service}#{uuid.UUID(bytes_le=invocation)}"


def _message(failure: Exception) -> str:
    details = failure.args[0] if failure.args and isinstance(failure.args[0], dict) else {}
    return str(details.get("info") or details.get("desc") or failure)
