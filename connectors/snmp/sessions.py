"""How the poller talks to one device: GET and GETBULK over v1/v2c (own codec) or v3 (pysnmp), one interface.

v1/v2c requests from the whole poll share one UDP socket; replies are matched by request-id and sender.
v3 goes through pysnmp's engine (USM authentication and privacy). Both return plain Python values
(`wire.Value`) and raise `SessionError` with a typed reason.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
from collections.abc import Callable
from typing import Any, Protocol

from pyasn1.type import univ  # pysnmp 7 depends on it; no stubs (mypy: ignore_missing_imports)
from pysnmp.hlapi.v3arch.asyncio import (
    ContextData,
    ObjectIdentity,
    ObjectType,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)
from pysnmp.proto import errind, rfc1902, rfc1905

from connectors.snmp import engine as engines
from connectors.snmp import wire
from connectors.snmp.records import FailureReason
from connectors.snmp.settings import V3Credentials

VarBinds = list[tuple[str, wire.Value]]
# Every reply of a poll lands on one socket: 50 devices in flight each answering a 25-row GETBULK of 9 columns
# (~10 KB, ~20 KB of kernel memory each on loopback) overflow Linux's default 208 KiB buffer while the loop
# decodes, and a dropped reply costs a whole timeout. Linux caps the request at net.core.rmem_max.
RECEIVE_BUFFER_BYTES = 4 * 2**20


class SessionError(Exception):
    """A request got no usable answer; `reason` says why (never parse the message)."""

    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class Session(Protocol):
    """One device, one set of credentials."""

    async def get(self, oids: list[str]) -> VarBinds: ...

    async def bulk(self, oids: list[str], max_repetitions: int) -> VarBinds: ...


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes, Any], None]) -> None:
        self.on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.on_datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        """ICMP errors name no request: the request concerned times out instead."""


class UdpClient:
    """One UDP socket for every v1/v2c request and v3 discovery probe of a poll."""

    def __init__(self) -> None:
        self._transport: asyncio.DatagramTransport | None = None
        self._pending: dict[int, tuple[Any, asyncio.Future[wire.Response | None]]] = {}
        self._ids = itertools.count(random.randrange(1, 2**30))
        self._lock: asyncio.Lock | None = None  # created inside the running loop
        self.malformed = 0  # datagrams dropped because they did not decode

    async def open(self) -> None:
        """Bind the socket (idempotent, safe when many requests start at once)."""
        if self._transport is None:
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                if self._transport is None:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
                    sock.bind(("0.0.0.0", 0))
                    sock.setblocking(False)
                    self._transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                        lambda: _Datagrams(self._received), sock=sock
                    )

    def close(self) -> None:
        """Close the socket; requests still waiting time out."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        self._lock = None

    def _received(self, data: bytes, addr: Any) -> None:
        response: wire.Response | None
        try:
            response = wire.decode_response(data)
            request_id = response.request_id
        except wire.WireError:
            try:  # a v3 discovery Report is matched by msgID; its content does not matter
                request_id, response = wire.decode_v3_message_id(data), None
            except wire.WireError:
                self.malformed += 1
                return
        entry = self._pending.get(request_id)
        if entry is not None and entry[0][:2] == addr[:2] and not entry[1].done():
            entry[1].set_result(response)

    async def exchange(
        self, address: tuple[str, int], build: Callable[[int], bytes], timeout_s: float, retries: int
    ) -> wire.Response | None:
        """Send `build(id)` and wait for the matching reply, resending the same id on each retry."""
        await self.open()
        assert self._transport is not None
        request_id = next(self._ids) % 2**31
        future: asyncio.Future[wire.Response | None] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = (address, future)
        packet = build(request_id)
        try:
            for _ in range(retries + 1):
                self._transport.sendto(packet, address)
                done, _ = await asyncio.wait((future,), timeout=timeout_s)
                if done:
                    return future.result()
            raise SessionError(FailureReason.TIMEOUT, f"no answer after {retries + 1} tries of {timeout_s} s")
        finally:
            del self._pending[request_id]


class CommunitySession:
    """SNMPv1 (version 0) or v2c (version 1) with a community, through the shared UdpClient."""

    def __init__(
        self,
        client: UdpClient,
        address: tuple[str, int],
        community: str,
        *,
        timeout_s: float,
        retries: int,
        version: int = 1,
    ) -> None:
        self._client, self._address, self._community = client, address, community
        self._timeout_s, self._retries, self._version = timeout_s, retries, version

    async def _request(self, pdu: wire.PduType, oids: list[str], a: int = 0, b: int = 0) -> VarBinds:
        def build(request_id: int) -> bytes:
            return wire.encode_request(self._version, self._community, pdu, request_id, oids, a, b)

        response = await self._client.exchange(self._address, build, self._timeout_s, self._retries)
        if response is None or response.error_status:
            status = response.error_status if response else "v3 reply"
            raise SessionError(FailureReason.PROTOCOL, f"error-status {status}")
        return response.varbinds

    async def get(self, oids: list[str]) -> VarBinds:
        """GET the given instances."""
        return await self._request(wire.PduType.GET, oids)

    async def bulk(self, oids: list[str], max_repetitions: int) -> VarBinds:
        """GETBULK from the given OIDs (v1 has no GETBULK: one GETNEXT instead)."""
        if self._version == 0:
            return await self._request(wire.PduType.GET_NEXT, oids)
        return await self._request(wire.PduType.GET_BULK, oids, 0, max_repetitions)


# pysnmp reports v3 USM failures as error-indication objects whose class names the cause.
_AUTH_ERRORS = (
    errind.UnknownUserName,
    errind.WrongDigest,
    errind.DecryptionError,
    errind.UnknownSecurityName,
)


def _plain(value: Any) -> wire.Value:
    if isinstance(value, rfc1905.NoSuchObject):
        return wire.Absent.NO_SUCH_OBJECT
    if isinstance(value, rfc1905.NoSuchInstance):
        return wire.Absent.NO_SUCH_INSTANCE
    if isinstance(value, rfc1905.EndOfMibView):
        return wire.Absent.END_OF_MIB_VIEW
    if isinstance(value, rfc1902.IpAddress):
        return ".".join(map(str, value.asNumbers()))
    if isinstance(value, univ.OctetString):
        return bytes(value)
    if isinstance(value, univ.ObjectIdentifier):
        return str(value)
    if isinstance(value, univ.Integer):  # Counter32/64, Gauge32, TimeTicks derive from it
        return int(value)
    return None


class UsmSession:
    """SNMPv3 authPriv (SHA, AES-128) through pysnmp's engine."""

    def __init__(
        self, engine: Any, address: tuple[str, int], creds: V3Credentials, *, timeout_s: float, retries: int
    ) -> None:
        self._engine, self._address = engine, address
        self._timeout_s, self._retries = timeout_s, retries
        self._auth = UsmUserData(
            creds.user,
            creds.auth_key,
            creds.priv_key,
            authProtocol=usmHMACSHAAuthProtocol,
            privProtocol=usmAesCfb128Protocol,
        )
        self._target: Any = None

    async def _run(self, command: Any, *args: Any) -> VarBinds:
        if self._target is None:
            self._target = await UdpTransportTarget.create(
                self._address, timeout=self._timeout_s, retries=self._retries
            )
        err, status, _, binds = await command(
            self._engine, self._auth, self._target, ContextData(), *args, lookupMib=False
        )
        if err:
            reason = FailureReason.AUTH if isinstance(err, _AUTH_ERRORS) else FailureReason.TIMEOUT
            raise SessionError(reason, str(err))
        if status:
            raise SessionError(FailureReason.PROTOCOL, f"error-status {int(status)}")
        return [(str(name), _plain(value)) for name, value in binds]

    async def get(self, oids: list[str]) -> VarBinds:
        """GET the given instances."""
        return await self._run(get_cmd, *(ObjectType(ObjectIdentity(o)) for o in oids))

    async def bulk(self, oids: list[str], max_repetitions: int) -> VarBinds:
        """GETBULK from the given OIDs."""
        return await self._run(bulk_cmd, 0, max_repetitions, *(ObjectType(ObjectIdentity(o)) for o in oids))


def new_engine() -> Any:
    """A pysnmp engine for v3 sessions (create once per poll, close with `engine.close_dispatcher()`)."""
    return engines.new_engine()
