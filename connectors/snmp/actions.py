"""Shutting one switch port: the playbook action `snmp.port_admin_down` (IF-MIB ifAdminStatus.<ifIndex> = down).

The interface is an ifIndex (an int) or an ifName (a str, found by walking ifName, then ifDescr on agents
without ifXTable). The status before is read first: a port already down is left alone and reported so.
After the SET the status is read back, so the record says what the agent now shows. v2c needs the device's
*write* community (read-only communities are refused by the agent); v3 uses the configured authPriv user.
Every failure is a typed error; a refused SET leaves the port as it was.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    UdpTransportTarget,
    UsmUserData,
    bulk_walk_cmd,
    get_cmd,
    set_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)
from pysnmp.proto import errind, rfc1902

from connectors.base import ConnectorError
from connectors.snmp.engine import new_engine
from connectors.snmp.oids import IF_ADMIN_STATUS, IF_DESCR, IF_NAME
from connectors.snmp.settings import Credentials, V2cCredentials

# RFC 3416 error-status values by which an agent refuses a SET for want of access.
REFUSALS = {4: "readOnly", 6: "noAccess", 11: "noCreation", 16: "authorizationError", 17: "notWritable"}
OTHER_ERRORS = {1: "tooBig", 2: "noSuchName", 3: "badValue", 5: "genErr", 7: "wrongType", 8: "wrongLength"}
OTHER_ERRORS |= {9: "wrongEncoding", 10: "wrongValue", 12: "inconsistentValue", 13: "resourceUnavailable"}
OTHER_ERRORS |= {14: "commitFailed", 15: "undoFailed", 18: "inconsistentName"}
_AUTH_ERRORS = (
    errind.UnknownUserName,
    errind.WrongDigest,
    errind.DecryptionError,
    errind.UnknownSecurityName,
)


class AdminStatus(StrEnum):
    """IF-MIB ifAdminStatus."""

    UP = "up"
    DOWN = "down"
    TESTING = "testing"


_STATUS_VALUES = {1: AdminStatus.UP, 2: AdminStatus.DOWN, 3: AdminStatus.TESTING}


class PortActionError(ConnectorError):
    """The port could not be shut; the subclass says why."""


class DeviceUnreachable(PortActionError):
    """No answer (device down, filtered, or, in v2c, a wrong community: agents answer those with silence)."""


class SnmpAuthFailed(PortActionError):
    """The v3 user, its keys or its privacy were refused."""


class InterfaceNotFound(PortActionError):
    """No interface has this ifIndex or ifName."""


class InterfaceAmbiguous(PortActionError):
    """Several interfaces have this name: none is touched."""


class SetRefused(PortActionError):
    """The agent answered the SET with an error status (`status`: its RFC 3416 name)."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class UnexpectedAnswer(PortActionError):
    """The agent answered something that is not an ifAdminStatus."""


@dataclass(frozen=True)
class PortActionSettings:
    """One device, with credentials allowed to write (v2c write community, or the v3 user)."""

    establishment: str
    address: str
    credentials: Credentials
    port: int = 161
    timeout_s: float = 2.0
    retries: int = 1
    max_interfaces: int = 20_000  # a bound on the ifName walk


@dataclass(frozen=True)
class PortShutDown:
    """What the action did: the interface, its status before the SET and as read back after it."""

    establishment: str
    address: str
    if_index: int
    if_name: str
    previous: AdminStatus
    current: AdminStatus
    already_down: bool


def port_admin_down(settings: PortActionSettings, interface: int | str) -> PortShutDown:
    """Set ifAdminStatus of `interface` (ifIndex if an int, ifName if a str) to down(2); typed errors."""
    return asyncio.run(_Device(settings).admin_down(interface))


class _Device:
    def __init__(self, settings: PortActionSettings) -> None:
        self._settings = settings
        self._engine = new_engine()
        credentials = settings.credentials
        self._auth: Any = (
            CommunityData(credentials.community, mpModel=1)
            if isinstance(credentials, V2cCredentials)
            else UsmUserData(
                credentials.user,
                credentials.auth_key,
                credentials.priv_key,
                authProtocol=usmHMACSHAAuthProtocol,
                privProtocol=usmAesCfb128Protocol,
            )
        )
        self._target: Any = None

    async def admin_down(self, interface: int | str) -> PortShutDown:
        settings = self._settings
        self._target = await UdpTransportTarget.create(
            (settings.address, settings.port), timeout=settings.timeout_s, retries=settings.retries
        )
        try:
            if_index, if_name = (
                (interface, "")
                if isinstance(interface, int)
                else (await self._index_of(interface), interface)
            )
            oid = f"{IF_ADMIN_STATUS}.{if_index}"
            previous = await self._status(oid, interface)
            if previous is not AdminStatus.DOWN:
                await self._set_down(oid)
            current = await self._status(oid, interface)
        finally:
            self._engine.close_dispatcher()
        return PortShutDown(
            establishment=settings.establishment,
            address=settings.address,
            if_index=if_index,
            if_name=if_name,
            previous=previous,
            current=current,
            already_down=previous is AdminStatus.DOWN,
        )

    async def _index_of(self, name: str) -> int:
        """The ifIndex whose ifName (or, without ifXTable, ifDescr) is `name`: exact, else ignoring case."""
        names = await self._walk(IF_NAME) or await self._walk(IF_DESCR)
        exact = [index for index, found in names.items() if found == name]
        loose = [index for index, found in names.items() if found.casefold() == name.casefold()]
        matches = exact or loose
        if not matches:
            raise InterfaceNotFound(f"{self._settings.address} : aucune interface nommée {name!r}")
        if len(matches) > 1:
            raise InterfaceAmbiguous(f"{self._settings.address} : {name!r} désigne les ifIndex {matches}")
        return matches[0]

    async def _walk(self, column: str) -> dict[int, str]:
        found: dict[int, str] = {}
        async for error, status, _, binds in bulk_walk_cmd(
            self._engine,
            self._auth,
            self._target,
            ContextData(),
            0,
            25,
            ObjectType(ObjectIdentity(column)),
            lexicographicMode=False,
            lookupMib=False,
        ):
            self._check(error, status)
            for name, value in binds:
                if isinstance(value, rfc1902.OctetString) and str(name).startswith(f"{column}."):
                    found[int(str(name).rsplit(".", 1)[1])] = bytes(value).decode("utf-8", errors="replace")
            if len(found) >= self._settings.max_interfaces:
                break
        return found

    async def _status(self, oid: str, interface: int | str) -> AdminStatus:
        error, status, _, binds = await get_cmd(
            self._engine,
            self._auth,
            self._target,
            ContextData(),
            ObjectType(ObjectIdentity(oid)),
            lookupMib=False,
        )
        self._check(error, status)
        value = binds[0][1] if binds else None
        if not isinstance(value, rfc1902.Integer32):  # noSuchInstance/noSuchObject: no such interface
            raise InterfaceNotFound(f"{self._settings.address} : pas d'interface {interface!r} ({oid})")
        if int(value) not in _STATUS_VALUES:
            raise UnexpectedAnswer(f"{self._settings.address} : ifAdminStatus inattendu {int(value)} ({oid})")
        return _STATUS_VALUES[int(value)]

    async def _set_down(self, oid: str) -> None:
        error, status, _, _ = await set_cmd(
            self._engine,
            self._auth,
            self._target,
            ContextData(),
            ObjectType(ObjectIdentity(oid), rfc1902.Integer32(2)),
            lookupMib=False,
        )
        self._check(error, status)

    def _check(self, error: Any, status: Any) -> None:
        address = self._settings.address
        if isinstance(error, _AUTH_ERRORS):
            raise SnmpAuthFailed(f"{address} : authentification SNMPv3 refusée ({error})")
        if isinstance(error, errind.RequestTimedOut):
            raise DeviceUnreachable(
                f"{address} : pas de réponse (appareil injoignable, ou communauté d'écriture refusée)"
            )
        if error:
            raise UnexpectedAnswer(f"{address} : {error}")
        code = int(status) if status else 0
        if code in REFUSALS:
            raise SetRefused(REFUSALS[code], f"{address} : écriture refusée par l'agent ({REFUSALS[code]})")
        if code:
            name = OTHER_ERRORS.get(code, str(code))
            raise SetRefused(name, f"{address} : l'agent a rejeté la requête ({name})")
