"""The SNMP trap receiver: v1, v2c and v3 traps and informs on UDP ports, batched to a sink.

It only emits :class:`TrapEvent` records. pysnmp's engine (`ntfrcv.NotificationReceiver`) decodes, checks the
community or v3 user, and acknowledges informs; each datagram is handed to it as soon as it is read (not one
loop turn later, as pysnmp's transport does), which is what makes ~2,000 traps/s on one core lossless.

- **Attribution** is by the sender's UDP source address, longest CIDR prefix first. A trap from a sender in
  no establishment's networks is still emitted, with `establishment=None` (the unattributed bucket).
- **Credentials**: every establishment's communities and v3 users are accepted from any sender (attribution
  stays by address); the event's `authenticated_for` says whose credentials they were. A message with an
  unknown community, an unknown v3 user or engine ID, a wrong digest or undecryptable content is refused by
  pysnmp and never emitted: it is counted in `auth_failures` of the port and under its sender in
  `auth_failure_senders` (bounded). Undecodable datagrams and notifications that break pysnmp's v1-to-v2
  translation are counted in `malformed`; other datagrams that carry no notification (v3 engine-ID
  discovery before an inform, a stray GET) in `ignored`.
- **Hand-over**: the sink is called in one worker thread, batch after batch, at least every
  `flush_interval_s`; the event loop never waits for it. Should the sink stay stuck until `max_buffered`
  events wait, later traps are counted in `dropped_sink_full` rather than grow memory without bound.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyasn1.error import PyAsn1Error
from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config
from pysnmp.entity.rfc3413 import ntfrcv
from pysnmp.error import PySnmpError
from pysnmp.proto import rfc1902
from pysnmp.proto.api import v2c

from connectors.base import ConnectorError, Sink
from connectors.snmp.engine import new_engine
from connectors.snmp.records import TrapEvent, TrapVersion
from connectors.snmp.settings import V3Credentials
from connectors.snmp.trap_decode import decode_community_trap
from connectors.snmp.trap_mapping import Value, build_event, printable
from connectors.snmp.trap_settings import TrapReceiverSettings, parse_engine_id
from connectors.syslog.listener import udp_drops

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_VERSIONS = {0: TrapVersion.V1, 1: TrapVersion.V2C, 3: TrapVersion.V3}
_MAX_FAILURE_SENDERS = 256
# pysnmp's own MIB counters that say why a datagram produced nothing.
_AUTH_COUNTERS = (
    ("__SNMPv2-MIB", "snmpInBadCommunityNames"),
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsUnknownUserNames"),
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsWrongDigests"),
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsDecryptionErrors"),
)
_PARSE_COUNTERS = (("__SNMPv2-MIB", "snmpInASNParseErrs"),)


class TrapPortUnavailable(ConnectorError):
    """A configured port could not be bound (in use, privileged, or an address this host does not have)."""


@dataclass
class TrapHealth:
    """Counters of one port since start."""

    datagrams: int = 0
    received: int = 0  # notifications emitted (traps and informs)
    v1: int = 0
    v2c: int = 0
    v3: int = 0
    informs: int = 0
    unattributed: int = 0
    auth_failures: int = 0
    malformed: int = 0  # undecodable datagrams, and emitted events flagged malformed
    truncated: int = 0
    ignored: int = 0
    dropped_sink_full: int = 0
    last_trap_at: datetime | None = None
    kernel_drops: int | None = None  # the socket's drop counter, from /proc/net/udp
    auth_failure_senders: dict[str, int] = field(default_factory=dict)


class TrapReceiver:
    """Listens on the configured UDP ports and emits one TrapEvent per trap or inform."""

    def __init__(
        self,
        settings: TrapReceiverSettings,
        sink: Sink[TrapEvent],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._sink = sink
        self._clock = clock
        networks = [
            (ipaddress.ip_network(cidr, strict=False), e.key)
            for e in settings.establishments
            for cidr in e.networks
        ]
        # Longest prefix first: a /24 given to a member wins over the GHT-wide /16 around it.
        self._networks: list[tuple[Network, str]] = sorted(networks, key=lambda item: -item[0].prefixlen)
        self._attributed: dict[str, str | None] = {}
        self._security: dict[str, tuple[str, ...]] = {}  # pysnmp securityName -> establishments
        self._communities: dict[bytes, tuple[str, ...]] = {}  # for traps read without pysnmp
        self._health = {p.name: TrapHealth() for p in settings.ports}
        self._batch: list[TrapEvent] = []
        self._pending: list[Future[None]] = []
        self._executor: ThreadPoolExecutor | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._engine: Any = None
        self._receiver: Any = None
        self._counters: list[Any] = []
        self._parse_counters: list[Any] = []
        self._snapshot = (0, 0)
        self._current: tuple[str, str] = ("", "")  # (port name, sender) of the datagram being processed
        self._notified = False
        self.bound_ports: dict[str, int] = {}
        self.engine_id = ""  # hex, known after start()

    # -- life cycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Create the SNMP engine, register credentials and bind every port."""
        loop = asyncio.get_running_loop()
        s = self._settings
        engine_id = rfc1902.OctetString(parse_engine_id(s.engine_id)) if s.engine_id else None
        engine = new_engine(snmpEngineID=engine_id)
        self._engine = engine
        self._register_credentials(engine)
        for number, port in enumerate(s.ports, start=1):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, s.receive_buffer_bytes)
                sock.bind((port.host, port.port))
            except OSError as error:
                sock.close()
                engine.close_dispatcher()  # the ports already bound
                raise TrapPortUnavailable(
                    f"trap port {port.name} ({port.host}:{port.port}): {error}"
                ) from error
            sock.setblocking(False)
            transport = _PortTransport(self, port.name, loop)
            config.add_transport(engine, udp.DOMAIN_NAME + (number,), transport)
            await loop.create_datagram_endpoint(lambda transport=transport: transport, sock=sock)  # type: ignore[misc]
            self.bound_ports[port.name] = sock.getsockname()[1]
        self._receiver = _Notifications(engine, self)
        builder = engine.get_mib_builder()
        self._counters = [builder.import_symbols(mib, name)[0] for mib, name in _AUTH_COUNTERS]
        self._parse_counters = [builder.import_symbols(mib, name)[0] for mib, name in _PARSE_COUNTERS]
        self._snapshot = self._totals()
        (snmp_engine_id,) = builder.import_symbols("__SNMP-FRAMEWORK-MIB", "snmpEngineID")
        self.engine_id = bytes(snmp_engine_id.syntax).hex()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snmp-trap-sink")
        self._flusher = asyncio.create_task(self._flush_periodically())

    async def stop(self) -> None:
        """Stop listening; every event already received reaches the sink before this returns."""
        if self._receiver is not None:
            self._receiver.close(self._engine)
            self._engine.close_dispatcher()  # closes the ports
            self._receiver = None
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
            self._flusher = None
        await self._flush()
        await asyncio.get_running_loop().run_in_executor(None, self._wait_pending)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def health(self) -> dict[str, TrapHealth]:
        """Counters per port name, with the kernel's drop counter of each socket read now."""
        for name, port in self.bound_ports.items():
            self._health[name].kernel_drops = udp_drops(port)
        return self._health

    def _register_credentials(self, engine: Any) -> None:
        communities: dict[str, list[str]] = {}
        users: dict[tuple[str, str], tuple[V3Credentials, list[str]]] = {}
        for e in self._settings.establishments:
            for credentials in e.communities:
                communities.setdefault(credentials.community, []).append(e.key)
            for user in e.users:
                # "" is the receiver's own engine: what informs use.
                for engine_hex in ("", *(parse_engine_id(i).hex() for i in user.engine_ids)):
                    entry = users.setdefault((user.credentials.user, engine_hex), (user.credentials, []))
                    entry[1].append(e.key)
        for number, (community, keys) in enumerate(communities.items()):
            # pysnmp hands the callback this securityName, never the community itself (a secret).
            config.add_v1_system(engine, f"community#{number}", community)
            self._security[f"community#{number}"] = tuple(dict.fromkeys(keys))
            self._communities[community.encode()] = tuple(dict.fromkeys(keys))
        for (name, engine_hex), (creds, keys) in users.items():
            # pysnmp indexes its USM table by (engine ID, securityName) and looks incoming messages up by
            # user name: the securityName must stay the user name.
            config.add_v3_user(
                engine,
                name,
                config.USM_AUTH_HMAC96_SHA,
                creds.auth_key,
                config.USM_PRIV_CFB128_AES,
                creds.priv_key,
                securityEngineId=v2c.OctetString(hexValue=engine_hex) if engine_hex else None,
            )
            self._security[name] = tuple(dict.fromkeys((*self._security.get(name, ()), *keys)))

    # -- receiving -------------------------------------------------------------------------------------------

    def _totals(self) -> tuple[int, int]:
        return (
            sum(int(c.syntax) for c in self._counters),
            sum(int(c.syntax) for c in self._parse_counters),
        )

    def _datagram(self, transport: Any, port: str, data: bytes, address: tuple[str, int]) -> None:
        health = self._health[port]
        health.datagrams += 1
        sender = str(address[0])
        if self._settings.fast_decode:
            trap = decode_community_trap(data, self._settings.max_value_chars)
            if trap is not None:
                authenticated_for = self._communities.get(trap.community)
                if authenticated_for is None:
                    self._auth_failure(health, sender, 1)
                else:
                    version = TrapVersion.V1 if trap.version == 0 else TrapVersion.V2C
                    self._emit(health, sender, version, False, authenticated_for, trap.varbinds)
                return
        self._current = (port, sender)
        self._notified = False
        try:
            transport._callback_function(transport, address, data)
        except (PySnmpError, PyAsn1Error, KeyError, ValueError, TypeError, IndexError):
            # pysnmp lets a few malformed notifications escape (an SNMPv1 generic-trap outside 0-6 fails
            # its RFC 3584 translation with KeyError): count them, never let them reach the event loop.
            health.malformed += 1
            self._snapshot = self._totals()
            return
        if self._notified:
            return
        auth, parse = self._totals()
        if auth > self._snapshot[0]:
            self._auth_failure(health, sender, auth - self._snapshot[0])
        elif parse > self._snapshot[1]:
            health.malformed += parse - self._snapshot[1]
        else:
            health.ignored += 1
        self._snapshot = (auth, parse)

    def _auth_failure(self, health: TrapHealth, sender: str, count: int) -> None:
        health.auth_failures += count
        senders = health.auth_failure_senders
        if sender in senders or len(senders) < _MAX_FAILURE_SENDERS:
            senders[sender] = senders.get(sender, 0) + count

    def _notification(self, mp_model: int, security_name: str, inform: bool, varbinds: Any) -> None:
        """Called by pysnmp, inside `_datagram`, for each trap or inform it accepted."""
        self._notified = True
        port, sender = self._current
        limit = self._settings.max_value_chars
        values = tuple((str(oid), printable(value, limit)) for oid, value in varbinds)
        version = _VERSIONS.get(mp_model, TrapVersion.V3)
        authenticated_for = self._security.get(security_name, ())
        self._emit(self._health[port], sender, version, inform, authenticated_for, values)

    def _emit(
        self,
        health: TrapHealth,
        sender: str,
        version: TrapVersion,
        inform: bool,
        authenticated_for: tuple[str, ...],
        values: tuple[tuple[str, Value], ...],
    ) -> None:
        establishment = self._establishment_for(sender)
        event = build_event(
            values,
            received_at=self._clock(),
            sender=sender,
            establishment=establishment,
            version=version,
            inform=inform,
            authenticated_for=authenticated_for,
            max_varbinds=self._settings.max_varbinds,
        )
        health.received += 1
        setattr(health, version.value, getattr(health, version.value) + 1)
        health.informs += inform
        health.unattributed += establishment is None
        health.truncated += event.truncated
        health.malformed += event.malformed
        health.last_trap_at = event.received_at
        if len(self._batch) >= self._settings.max_buffered:
            health.dropped_sink_full += 1
            return
        self._batch.append(event)
        if len(self._batch) == self._settings.batch_size:
            asyncio.get_running_loop().create_task(self._flush())

    def _establishment_for(self, sender: str) -> str | None:
        if sender in self._attributed:
            return self._attributed[sender]
        try:
            ip = ipaddress.ip_address(sender)
        except ValueError:
            return None
        found = next((key for network, key in self._networks if ip in network), None)
        if len(self._attributed) < 65536:  # bounded cache: one entry per device seen
            self._attributed[sender] = found
        return found

    # -- handing over ----------------------------------------------------------------------------------------

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._settings.flush_interval_s)
            await self._flush()

    async def _flush(self) -> None:
        if not self._batch or self._executor is None:
            return
        batch, self._batch = self._batch, []
        self._pending = [f for f in self._pending if not f.done()]
        while len(self._pending) >= self._settings.max_pending_batches:
            await asyncio.wrap_future(self._pending.pop(0))
        self._pending.append(self._executor.submit(self._sink.emit_many, batch))

    def _wait_pending(self) -> None:
        for pending in self._pending:
            pending.result()
        self._pending = []


class _PortTransport(udp.UdpAsyncioTransport):  # type: ignore[misc]
    """pysnmp's UDP transport, handing each datagram to the engine at once and knowing its port name."""

    def __init__(self, receiver: TrapReceiver, name: str, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self._receiver = receiver
        self._name = name

    def datagram_received(self, datagram: bytes, transportAddress: Any) -> None:  # noqa: N803 (pysnmp's name)
        self._receiver._datagram(self, self._name, datagram, transportAddress)


class _Notifications(ntfrcv.NotificationReceiver):  # type: ignore[misc]
    """pysnmp's notification receiver, telling which version, credentials and PDU type each one came with."""

    def __init__(self, engine: Any, receiver: TrapReceiver) -> None:
        self._trap_receiver = receiver
        self._context: tuple[int, str, bool] = (1, "", False)
        super().__init__(engine, self._deliver)

    def process_pdu(self, engine: Any, mp_model: int, sec_model: int, security_name: Any, *rest: Any) -> None:
        pdu = rest[4]  # securityLevel, contextEngineId, contextName, pduVersion, PDU, ...
        inform = pdu.tagSet == v2c.InformRequestPDU.tagSet
        self._context = (int(mp_model), str(security_name), inform)
        super().process_pdu(engine, mp_model, sec_model, security_name, *rest)

    def _deliver(
        self, engine: Any, state: Any, ctx_engine: Any, ctx_name: Any, varbinds: Any, ctx: Any
    ) -> None:
        self._trap_receiver._notification(*self._context, varbinds)
