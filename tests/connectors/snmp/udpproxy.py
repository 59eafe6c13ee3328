"""A UDP proxy in front of a real agent, for devices that misbehave: silent after N answers, v2c only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class _Upstream(asyncio.DatagramProtocol):
    def __init__(self, proxy: UdpProxy, client: Any) -> None:
        self.proxy, self.client = proxy, client

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.proxy.answer(data, self.client)


class UdpProxy(asyncio.DatagramProtocol):
    """Forwards requests that `allow` accepts to `upstream` and at most `max_answers` answers back."""

    def __init__(
        self, upstream: tuple[str, int], *, max_answers: int = 10**9, allow: Callable[[bytes], bool] = bool
    ) -> None:
        self.upstream, self.max_answers, self.allow = upstream, max_answers, allow
        self.answered = self.dropped = 0
        self.transport: asyncio.DatagramTransport | None = None
        self._links: dict[Any, asyncio.DatagramTransport] = {}
        self._waiting: dict[Any, list[bytes]] = {}

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if not self.allow(data):
            self.dropped += 1
            return
        if addr in self._waiting:  # the upstream link is being opened: send once it is
            self._waiting[addr].append(data)
        elif addr in self._links:
            self._links[addr].sendto(data)
        else:
            self._waiting[addr] = [data]
            asyncio.get_running_loop().create_task(self._open(addr))

    async def _open(self, client: Any) -> None:
        link, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Upstream(self, client), remote_addr=self.upstream
        )
        self._links[client] = link
        for data in self._waiting.pop(client):
            link.sendto(data)

    def answer(self, data: bytes, client: Any) -> None:
        """Relay one answer unless the budget is spent (then the device looks silent)."""
        if self.answered >= self.max_answers or self.transport is None:
            self.dropped += 1
            return
        self.answered += 1
        self.transport.sendto(data, client)

    def close(self) -> None:
        """Close the listening socket and every upstream link."""
        for link in self._links.values():
            link.close()
        if self.transport is not None:
            self.transport.close()


async def start_proxy(proxy: UdpProxy) -> int:
    """Bind the proxy on a free loopback port of the running loop; return the port."""
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: proxy, local_addr=("127.0.0.1", 0)
    )
    return int(transport.get_extra_info("sockname")[1])


def is_community_message(data: bytes) -> bool:
    """True for SNMPv1/v2c messages (msgVersion 0 or 1 right after the outer SEQUENCE header)."""
    # 30 <len> 02 01 <version>: the length takes 1 byte below 128, else 1 + (first & 0x7f) bytes.
    offset = 2 + (data[1] & 0x7F if data[1] & 0x80 else 0)
    return data[offset : offset + 2] == b"\x02\x01" and data[offset + 2] in (0, 1)
