"""Asyncio SNMP poller: system group, ifTable + ifXTable and ENTITY-MIB entPhysicalTable, v2c and v3.

Each device is read with one GET (system group) and two multi-column GETBULK walks (interfaces, physical
entities). Values arrive as plain Python values (see `sessions`); anything odd a device sends (binary in a
string, a wrong type, a 64 KiB description) is converted defensively and bounded, never trusted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from connectors.base import Sink
from connectors.snmp import oids, sessions, wire
from connectors.snmp.records import Device, FailureReason, Interface, PhysicalEntity, PollResult, PollStatus
from connectors.snmp.sessions import CommunitySession, Session, SessionError, UdpClient, UsmSession
from connectors.snmp.settings import Credentials, PollerSettings, V2cCredentials
from connectors.snmp.vendors import vendor_for

MAX_TEXT: Final = 512  # characters kept of any string a device sends
MAX_ROWS: Final = 10_000  # rows read per table: a device looping its OIDs cannot hold the poller
INTERFACE_COLUMNS: Final = (*oids.IF_TABLE_COLUMNS, *oids.IFX_TABLE_COLUMNS)
ENTITY_COLUMNS: Final = (
    oids.ENT_PHYSICAL_DESCR,
    oids.ENT_PHYSICAL_CLASS,
    oids.ENT_PHYSICAL_HARDWARE_REV,
    oids.ENT_PHYSICAL_FIRMWARE_REV,
    oids.ENT_PHYSICAL_SOFTWARE_REV,
    oids.ENT_PHYSICAL_SERIAL_NUM,
    oids.ENT_PHYSICAL_MODEL_NAME,
)
Rows = dict[str, dict[int, wire.Value]]


def text(value: wire.Value | None) -> str:
    """A printable, bounded string from an OCTET STRING (invalid UTF-8 and control characters replaced)."""
    if isinstance(value, bytes):
        decoded = value[: MAX_TEXT * 4].decode("utf-8", "replace")[:MAX_TEXT]
        return decoded if decoded.isprintable() else "".join(c if c.isprintable() else "?" for c in decoded)
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def number(value: wire.Value | None) -> int:
    """An integer value, or 0 when the device sent another type."""
    return value if type(value) is int else 0


def mac(value: wire.Value | None) -> str:
    """ifPhysAddress as colon-separated hex (empty when not a short byte string)."""
    return ":".join(f"{b:02x}" for b in value) if isinstance(value, bytes) and len(value) <= 20 else ""


async def walk(session: Session, columns: tuple[str, ...], max_repetitions: int) -> tuple[Rows, str | None]:
    """Walk table columns side by side with GETBULK; return the rows read and why it stopped short, if it did.

    A response interleaves the columns (row-major): varbind j belongs to column j % len(asked). A column ends
    when its next OID leaves it, at endOfMibView, or when it stops increasing.
    """
    rows: Rows = {c: {} for c in columns}
    cursor = {c: c for c in columns}
    prefix = {c: c + "." for c in columns}
    requests = 0
    while cursor and requests * max_repetitions < MAX_ROWS:
        asked = list(cursor)
        requests += 1
        try:
            binds = await session.bulk([cursor[c] for c in asked], max_repetitions)
        except SessionError as error:
            return rows, f"{error.reason}: {error}"
        if not binds:
            break
        done: set[str] = set()
        width = len(asked)
        for j, (oid, value) in enumerate(binds):
            column = asked[j % width]
            if column in done:
                continue
            last = cursor[column]
            suffix = oid[len(prefix[column]) :]
            if (
                not oid.startswith(prefix[column])
                or value is wire.Absent.END_OF_MIB_VIEW
                or not suffix.isdigit()
            ):
                done.add(column)
                continue
            if last != column and int(suffix) <= int(last.rsplit(".", 1)[1]):
                done.add(column)  # not increasing: a broken agent would loop forever
                continue
            rows[column][int(suffix)] = value
            cursor[column] = oid
        for column in done:
            del cursor[column]
    return rows, None


def interfaces(rows: Rows) -> tuple[Interface, ...]:
    """Join ifTable and ifXTable columns by ifIndex; ifHighSpeed (Mb/s) wins over the 32-bit ifSpeed."""
    col = {c: rows.get(c, {}) for c in INTERFACE_COLUMNS}
    found = []
    for index in sorted(col[oids.IF_DESCR]):
        high = number(col[oids.IF_HIGH_SPEED].get(index))
        found.append(
            Interface(
                index=index,
                name=text(col[oids.IF_NAME].get(index)) or text(col[oids.IF_DESCR][index]),
                alias=text(col[oids.IF_ALIAS].get(index)),
                type=number(col[oids.IF_TYPE].get(index)),
                speed_bps=high * 1_000_000 if high else number(col[oids.IF_SPEED].get(index)),
                mac=mac(col[oids.IF_PHYS_ADDRESS].get(index)),
                admin_up=col[oids.IF_ADMIN_STATUS].get(index) == 1,
                oper_up=col[oids.IF_OPER_STATUS].get(index) == 1,
            )
        )
    return tuple(found)


def entities(rows: Rows) -> tuple[PhysicalEntity, ...]:
    """entPhysicalTable rows, by entPhysicalIndex (any row with at least one column read)."""
    indexes = sorted({i for c in ENTITY_COLUMNS for i in rows.get(c, {})})

    def get(column: str, index: int) -> wire.Value | None:
        return rows.get(column, {}).get(index)

    return tuple(
        PhysicalEntity(
            index=i,
            description=text(get(oids.ENT_PHYSICAL_DESCR, i)),
            model=text(get(oids.ENT_PHYSICAL_MODEL_NAME, i)),
            serial=text(get(oids.ENT_PHYSICAL_SERIAL_NUM, i)),
            hardware_rev=text(get(oids.ENT_PHYSICAL_HARDWARE_REV, i)),
            firmware_rev=text(get(oids.ENT_PHYSICAL_FIRMWARE_REV, i)),
            software_rev=text(get(oids.ENT_PHYSICAL_SOFTWARE_REV, i)),
            physical_class=number(get(oids.ENT_PHYSICAL_CLASS, i)),
        )
        for i in indexes
    )


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
        self._client = UdpClient()
        self._engine: Any = None  # pysnmp's engine, created only when a v3 target is polled

    def close(self) -> None:
        """Release the UDP socket and pysnmp's transport (call from inside the event loop that polled)."""
        self._client.close()
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None

    async def poll(self) -> None:
        """Poll every target with at most `concurrency` devices in flight, then release the sockets."""
        sem = asyncio.Semaphore(self._settings.concurrency)

        async def one(est: str, creds: Credentials, address: str, port: int) -> None:
            async with sem:
                self._sink.emit(await self.poll_one(est, creds, address, port))

        try:
            await asyncio.gather(
                *(one(t.key, t.credentials, a, t.port) for t in self._settings.targets for a in t.addresses())
            )
        finally:
            self.close()

    def session(self, creds: Credentials, address: str, port: int = 161) -> Session:
        """A session to one device with the poller's timeout and retries."""
        s = self._settings
        if isinstance(creds, V2cCredentials):
            return CommunitySession(
                self._client, (address, port), creds.community, timeout_s=s.timeout_s, retries=s.retries
            )
        if self._engine is None:
            self._engine = sessions.new_engine()
        return UsmSession(self._engine, (address, port), creds, timeout_s=s.timeout_s, retries=s.retries)

    async def poll_one(self, est: str, creds: Credentials, address: str, port: int = 161) -> PollResult:
        """Poll one device; a table cut short yields a PARTIAL result that keeps what was read."""
        session = self.session(creds, address, port)
        try:
            system = dict(await session.get(list(oids.SYSTEM_SCALARS)))
        except SessionError as error:
            return PollResult(
                est, address, PollStatus.FAILED, self._clock(), reason=error.reason, detail=str(error)
            )
        object_id = text(system.get(oids.SYS_OBJECT_ID))
        device = Device(
            est,
            address,
            sys_name=text(system.get(oids.SYS_NAME)),
            sys_descr=text(system.get(oids.SYS_DESCR)),
            sys_object_id=object_id,
            sys_uptime_ticks=number(system.get(oids.SYS_UPTIME)),
            sys_contact=text(system.get(oids.SYS_CONTACT)),
            sys_location=text(system.get(oids.SYS_LOCATION)),
            vendor=vendor_for(object_id),
        )
        reps = self._settings.max_repetitions
        if_rows, stopped = await walk(session, INTERFACE_COLUMNS, reps)
        device = replace(device, interfaces=interfaces(if_rows))
        if stopped is None:
            # An agent without ENTITY-MIB answers with the next subtree or endOfMibView: no rows, no error.
            ent_rows, stopped = await walk(session, ENTITY_COLUMNS, reps)
            device = replace(device, entities=entities(ent_rows))
        if stopped is not None:
            read = len(device.interfaces)
            return PollResult(
                est,
                address,
                PollStatus.PARTIAL,
                self._clock(),
                device,
                FailureReason.TRUNCATED,
                f"{stopped} (after {read} interfaces, {len(device.entities)} entities)",
            )
        return PollResult(est, address, PollStatus.OK, self._clock(), device)
