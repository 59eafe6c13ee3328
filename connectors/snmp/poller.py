"""Asyncio SNMP poller (pysnmp 7): system group, ifTable and ifXTable; ENTITY-MIB is not polled yet."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)

from connectors.base import Sink
from connectors.snmp import oids
from connectors.snmp.records import Device, FailureReason, Interface, PollResult, PollStatus
from connectors.snmp.settings import Credentials, PollerSettings, V2cCredentials
from connectors.snmp.vendors import vendor_for


class _Stop(Exception):
    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def _auth(creds: Credentials) -> Any:
    if isinstance(creds, V2cCredentials):
        return CommunityData(creds.community, mpModel=1)
    return UsmUserData(
        creds.user,
        creds.auth_key,
        creds.priv_key,
        authProtocol=usmHMACSHAAuthProtocol,
        privProtocol=usmAesCfb128Protocol,
    )


def _reason(error_indication: object) -> FailureReason:
    # pysnmp reports v3 USM failures as error-indication objects whose class names the cause.
    name = type(error_indication).__name__
    if name in {"UnknownUserName", "WrongDigest", "DecryptionError", "UnknownSecurityName"}:
        return FailureReason.AUTH
    return FailureReason.TIMEOUT


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _interfaces(rows: dict[str, dict[int, str]]) -> tuple[Interface, ...]:
    """Join ifTable and ifXTable columns by ifIndex; ifHighSpeed (Mb/s) wins over the 32-bit ifSpeed."""
    col = {c: rows.get(c, {}) for c in (*oids.IF_TABLE_COLUMNS, *oids.IFX_TABLE_COLUMNS)}
    result = []
    for index in sorted(col[oids.IF_DESCR]):
        high = _int(col[oids.IF_HIGH_SPEED].get(index, "0"))
        result.append(
            Interface(
                index=index,
                name=col[oids.IF_NAME].get(index) or col[oids.IF_DESCR][index],
                alias=col[oids.IF_ALIAS].get(index, ""),
                type=_int(col[oids.IF_TYPE].get(index, "0")),
                speed_bps=high * 1_000_000 if high else _int(col[oids.IF_SPEED].get(index, "0")),
                mac=col[oids.IF_PHYS_ADDRESS].get(index, ""),
                admin_up=col[oids.IF_ADMIN_STATUS].get(index) == "1",
                oper_up=col[oids.IF_OPER_STATUS].get(index) == "1",
            )
        )
    return tuple(result)


class SnmpPoller:
    """Polls every configured target and emits one PollResult per address."""

    def __init__(
        self,
        settings: PollerSettings,
        sink: Sink[PollResult],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._sink = sink
        self._clock = clock
        self._engine = SnmpEngine()

    def close(self) -> None:
        """Release the engine's UDP transport (call once, from inside the event loop that polled)."""
        self._engine.close_dispatcher()

    async def poll(self) -> None:
        """Poll every target with at most `concurrency` requests in flight."""
        sem = asyncio.Semaphore(self._settings.concurrency)

        async def one(est: str, creds: Credentials, address: str, port: int) -> None:
            async with sem:
                self._sink.emit(await self.poll_one(est, creds, address, port))

        await asyncio.gather(
            *(one(t.key, t.credentials, a, t.port) for t in self._settings.targets for a in t.addresses())
        )

    async def poll_one(self, est: str, creds: Credentials, address: str, port: int = 161) -> PollResult:
        """Poll one device; a table cut short yields a PARTIAL result naming why."""
        s = self._settings
        target = await UdpTransportTarget.create((address, port), timeout=s.timeout_s, retries=s.retries)
        auth = _auth(creds)
        try:
            err, status, _, binds = await get_cmd(
                self._engine,
                auth,
                target,
                ContextData(),
                *(ObjectType(ObjectIdentity(o)) for o in oids.SYSTEM_SCALARS),
            )
            if err:
                raise _Stop(_reason(err), str(err))
            if status:
                raise _Stop(FailureReason.PROTOCOL, str(status.prettyPrint()))
        except _Stop as stop:
            return PollResult(
                est, address, PollStatus.FAILED, self._clock(), reason=stop.reason, detail=str(stop)
            )
        values = [v.prettyPrint() for _, v in binds]
        values[1] = str(binds[1][1])  # dotted numeric OID, not a MIB-resolved label
        device = Device(
            est,
            address,
            values[4],
            values[0],
            values[1],
            int(binds[2][1]),
            values[3],
            values[5],
            vendor_for(values[1]),
        )
        rows: dict[str, dict[int, str]] = {}
        try:
            for column in (*oids.IF_TABLE_COLUMNS, *oids.IFX_TABLE_COLUMNS):
                rows[column] = await self._walk(auth, target, column)
        except _Stop as stop:
            return PollResult(
                est,
                address,
                PollStatus.PARTIAL,
                self._clock(),
                device,
                FailureReason.TRUNCATED,
                f"{stop} after {sum(len(r) for r in rows.values())} values",
            )
        return PollResult(
            est, address, PollStatus.OK, self._clock(), replace(device, interfaces=_interfaces(rows))
        )

    async def _walk(self, auth: Any, target: Any, column: str) -> dict[int, str]:
        found: dict[int, str] = {}
        start = column
        while True:
            err, status, _, binds = await bulk_cmd(
                self._engine,
                auth,
                target,
                ContextData(),
                0,
                self._settings.max_repetitions,
                ObjectType(ObjectIdentity(start)),
            )
            if err:
                raise _Stop(_reason(err), str(err))
            for name, value in binds:
                oid = str(name)
                if not oid.startswith(column + "."):
                    return found
                found[int(oid.rsplit(".", 1)[1])] = value.prettyPrint()
                start = oid
            if not binds:
                return found
