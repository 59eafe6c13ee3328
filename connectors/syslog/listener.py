"""The syslog listener: UDP, TCP and TLS ports; each event attributed to an establishment; batches to a sink.

It only emits :class:`LogEvent` records. Parsing runs in the event loop; the sink is called in one worker
thread, batch after batch and in order, with a bounded number of batches waiting: slow storage makes TCP
senders wait (their kernel buffers fill) instead of growing memory. `stop()` stops accepting, reads what the
connections already sent, and hands every event read to the sink before returning.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import ssl
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from connectors.base import Sink
from connectors.syslog.framing import Framer
from connectors.syslog.parse import MAX_LINE_BYTES, parse_line

Protocol = Literal["udp", "tcp", "tls"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ListenerSettings:
    name: str
    protocol: Protocol
    port: int
    host: str = "127.0.0.1"
    establishment: str | None = None  # every event of this port belongs to it
    certificate: Path | None = None
    key: Path | None = None
    client_ca: Path | None = None  # ask TLS clients for a certificate signed by this CA


@dataclass(frozen=True)
class Attribution:
    """Who sent what: sender networks and TLS client subjects (CN) of each establishment."""

    senders: Mapping[str, Sequence[str]] = field(default_factory=dict)  # establishment → CIDRs
    tls_subjects: Mapping[str, Sequence[str]] = field(default_factory=dict)  # establishment → CNs

    def __post_init__(self) -> None:
        networks = [
            (ipaddress.ip_network(cidr, strict=False), key)
            for key, cidrs in self.senders.items()
            for cidr in cidrs
        ]
        # Longest prefix first: a /24 given to a member wins over the GHT-wide /16 around it.
        object.__setattr__(self, "_networks", sorted(networks, key=lambda item: -item[0].prefixlen))
        subjects = {cn: key for key, cns in self.tls_subjects.items() for cn in cns}
        object.__setattr__(self, "_subjects", subjects)

    def establishment_for(
        self, listener: ListenerSettings, address: str, tls_subject: str | None
    ) -> str | None:
        if listener.establishment is not None:
            return listener.establishment
        subjects: dict[str, str] = self._subjects  # type: ignore[attr-defined]
        if tls_subject is not None and tls_subject in subjects:
            return subjects[tls_subject]
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        networks: list[tuple[Network, str]] = self._networks  # type: ignore[attr-defined]
        return next((key for network, key in networks if ip in network), None)


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One received message, parsed; `establishment` None means an unknown sender (kept, never dropped)."""

    establishment: str | None
    listener: str
    sender: str
    fields: dict[str, Any]


def _log_event(establishment: str | None, listener: str, sender: str, fields: dict[str, Any]) -> LogEvent:
    """LogEvent(...) without the frozen dataclass's __init__ (a third of the cost, once per message)."""
    event = _new_object(LogEvent)
    _set_establishment(event, establishment)
    _set_listener(event, listener)
    _set_sender(event, sender)
    _set_fields(event, fields)
    return event


_new_object = object.__new__
# The slots' own setters: what the frozen __init__ ends up calling, minus its checks.
_set_establishment = LogEvent.__dict__["establishment"].__set__
_set_listener = LogEvent.__dict__["listener"].__set__
_set_sender = LogEvent.__dict__["sender"].__set__
_set_fields = LogEvent.__dict__["fields"].__set__


@dataclass
class ListenerHealth:
    events: int = 0
    bytes: int = 0
    parse_errors: int = 0
    truncated: int = 0
    connections: int = 0
    last_event_at: datetime | None = None
    kernel_drops: int | None = None  # UDP: the socket's drop counter, from /proc/net/udp


class SyslogListener:
    def __init__(
        self,
        listeners: Sequence[ListenerSettings],
        attribution: Attribution,
        sink: Sink[LogEvent],
        *,
        zone: tzinfo | None = None,  # the senders' zone for RFC 3164 times; Europe/Paris by default
        batch_size: int = 5000,
        flush_interval: float = 0.5,
        max_pending_batches: int = 4,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self._listeners = list(listeners)
        self._attribution = attribution
        self._sink = sink
        self._zone = zone or ZoneInfo("Europe/Paris")
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_pending = max_pending_batches
        self._max_line = max_line_bytes
        self._batch: list[LogEvent] = []
        self._pending: list[Future[None]] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="syslog-sink")
        self._servers: list[asyncio.AbstractServer] = []
        self._transports: list[asyncio.DatagramTransport] = []
        self._connections: set[asyncio.Task[None]] = set()
        self._flusher: asyncio.Task[None] | None = None
        self._health = {listener.name: ListenerHealth() for listener in self._listeners}
        self.bound_ports: dict[str, int] = {}

    # -- life cycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for listener in self._listeners:
            if listener.protocol == "udp":
                transport, _ = await loop.create_datagram_endpoint(
                    lambda listener=listener: _Datagrams(self, listener),  # type: ignore[misc]
                    local_addr=(listener.host, listener.port),
                )
                self._transports.append(transport)
                self.bound_ports[listener.name] = transport.get_extra_info("sockname")[1]
            else:
                context = _tls_context(listener) if listener.protocol == "tls" else None
                server = await asyncio.start_server(
                    functools.partial(self._accept, listener),
                    listener.host,
                    listener.port,
                    ssl=context,
                    limit=2**20,
                )
                self._servers.append(server)
                self.bound_ports[listener.name] = server.sockets[0].getsockname()[1]
        self._flusher = asyncio.create_task(self._flush_periodically())

    async def stop(self) -> None:
        """Stop listening; every event already read reaches the sink before this returns."""
        for server in self._servers:
            server.close()
        for transport in self._transports:
            transport.close()
        if self._connections:
            # Connections already accepted finish reading what their peers sent, briefly.
            await asyncio.wait(self._connections, timeout=2)
            for task in self._connections:
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
        await self._flush()
        await asyncio.get_running_loop().run_in_executor(None, self._wait_pending)
        self._executor.shutdown(wait=True)

    def health(self) -> dict[str, ListenerHealth]:
        for listener in self._listeners:
            if listener.protocol == "udp" and listener.name in self.bound_ports:
                self._health[listener.name].kernel_drops = udp_drops(self.bound_ports[listener.name])
        return self._health

    # -- receiving -------------------------------------------------------------------------------------------

    async def _accept(self, listener: ListenerSettings, reader: asyncio.StreamReader, writer: Any) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        health = self._health[listener.name]
        health.connections += 1
        peer = writer.get_extra_info("peername") or ("", 0)
        subject = _subject_cn(writer.get_extra_info("peercert"))
        establishment = self._attribution.establishment_for(listener, str(peer[0]), subject)
        framer = Framer(self._max_line)
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    self._receive(listener, establishment, str(peer[0]), framer.finish())
                    break
                self._receive(listener, establishment, str(peer[0]), framer.feed(data))
                if len(self._batch) >= self._batch_size:
                    await self._flush()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            self._receive(listener, establishment, str(peer[0]), framer.finish())
        finally:
            self._connections.discard(task)
            writer.close()

    def _receive(
        self,
        listener: ListenerSettings,
        establishment: str | None,
        sender: str,
        frames: Iterable[tuple[bytes, bool]],
    ) -> None:
        health = self._health[listener.name]
        received = datetime.now(UTC)
        zone, max_line, name, append = self._zone, self._max_line, listener.name, self._batch.append
        events = size = truncations = errors = 0
        try:
            for frame, truncated in frames:  # the hot loop: one pass per message, counters kept locally
                fields = parse_line(frame, received=received, zone=zone, max_bytes=max_line)
                if truncated:
                    fields["event.truncated"] = True
                fields["log.source.address"] = sender
                fields["observer.ingress.listener"] = name
                events += 1
                size += len(frame)
                truncations += bool(fields.get("event.truncated"))
                errors += "event.parse_error" in fields
                append(_log_event(establishment, name, sender, fields))
        finally:
            health.events += events
            health.bytes += size
            health.truncated += truncations
            health.parse_errors += errors
        health.last_event_at = received

    def _datagram(self, listener: ListenerSettings, data: bytes, address: tuple[str, int]) -> None:
        establishment = self._attribution.establishment_for(listener, address[0], None)
        frame = data.rstrip(b"\r\n")
        truncated = len(frame) > self._max_line
        self._receive(listener, establishment, address[0], [(frame[: self._max_line], truncated)])
        if len(self._batch) >= self._batch_size:
            asyncio.get_running_loop().create_task(self._flush())

    # -- handing over ----------------------------------------------------------------------------------------

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval)
            await self._flush()

    async def _flush(self) -> None:
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        self._pending = [f for f in self._pending if not f.done()]
        while len(self._pending) >= self._max_pending:
            await asyncio.wrap_future(self._pending.pop(0))
        self._pending.append(self._executor.submit(self._sink.emit_many, batch))

    def _wait_pending(self) -> None:
        for pending in self._pending:
            pending.result()
        self._pending = []


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, listener: SyslogListener, settings: ListenerSettings) -> None:
        self._listener = listener
        self._settings = settings

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._listener._datagram(self._settings, data, (str(addr[0]), addr[1]))


def _tls_context(listener: ListenerSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if listener.certificate is None or listener.key is None:
        raise ValueError(f"TLS listener {listener.name} needs a certificate and a key")
    context.load_cert_chain(listener.certificate, listener.key)
    if listener.client_ca is not None:
        context.load_verify_locations(listener.client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def _subject_cn(certificate: Any) -> str | None:
    if not certificate:
        return None
    for rdn in certificate.get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return str(value)
    return None


def udp_drops(port: int) -> int | None:
    """The kernel's drop counter of the UDP socket bound to `port` (Linux), None when unknown."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            columns = line.split()
            if len(columns) >= 13 and columns[1].endswith(wanted):
                return int(columns[-1])
    return None
