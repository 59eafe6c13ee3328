"""Hygiene probes: does a target answer SNMPv1/v2c with a default community, does it answer SNMPv3?

The community probe sends a GET of sysObjectID.0 with each default community in v2c and v1: an agent drops
a request whose community it does not accept, so any answer (even an error) means the community works.
It is off unless `probe_default_communities` is set, because every refused try may raise an
authenticationFailure trap on the device. The v3 probe is an unauthenticated engine-ID discovery: every
agent that speaks v3 answers it with a Report, whatever users it has, and no credential is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from functools import partial

from connectors.base import Sink
from connectors.snmp import oids, wire
from connectors.snmp.sessions import SessionError, UdpClient
from connectors.snmp.settings import PollerSettings


class MessageVersion(IntEnum):
    """msgVersion values on the wire for the two community-based versions."""

    V1 = 0
    V2C = 1


@dataclass(frozen=True)
class CommunityAnswer:
    """A default community the target accepted, and in which version."""

    community: str
    version: MessageVersion


@dataclass(frozen=True)
class ProbeResult:
    """What one target answered to the probes."""

    establishment: str
    address: str
    probed_at: datetime
    default_communities: tuple[CommunityAnswer, ...]
    answers_v3: bool
    communities_probed: bool  # False when community probing is disabled: no conclusion either way

    @property
    def communities(self) -> tuple[str, ...]:
        """The accepted default communities, each once."""
        return tuple(dict.fromkeys(a.community for a in self.default_communities))


async def _answers(
    client: UdpClient, address: tuple[str, int], build: Callable[[int], bytes], timeout_s: float, retries: int
) -> bool:
    try:
        await client.exchange(address, build, timeout_s, retries)
    except SessionError:
        return False
    return True


def _community_get(version: MessageVersion, community: str, request_id: int) -> bytes:
    return wire.encode_request(version, community, wire.PduType.GET, request_id, [oids.SYS_OBJECT_ID])


async def probe_target(
    client: UdpClient,
    establishment: str,
    address: str,
    port: int,
    *,
    communities: tuple[str, ...],
    timeout_s: float,
    retries: int,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ProbeResult:
    """Probe one target: every (community, version) try and the v3 discovery run at the same time."""
    peer = (address, port)
    tries = [(c, v) for c in communities for v in MessageVersion]
    answered = await asyncio.gather(
        _answers(client, peer, wire.encode_v3_discovery, timeout_s, retries),
        *(_answers(client, peer, partial(_community_get, v, c), timeout_s, retries) for c, v in tries),
    )
    accepted = tuple(CommunityAnswer(c, v) for (c, v), ok in zip(tries, answered[1:], strict=True) if ok)
    return ProbeResult(establishment, address, now(), accepted, answered[0], bool(communities))


class SnmpProber:
    """Probes every configured target and emits one ProbeResult per address."""

    def __init__(
        self,
        settings: PollerSettings,
        sink: Sink[ProbeResult],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._sink = sink
        self._clock = clock

    async def run(self) -> None:
        """Probe all targets with at most `concurrency` targets in flight."""
        s = self._settings
        communities = s.default_communities if s.probe_default_communities else ()
        sem = asyncio.Semaphore(s.concurrency)
        client = UdpClient()

        async def one(est: str, address: str, port: int) -> None:
            async with sem:
                result = await probe_target(
                    client,
                    est,
                    address,
                    port,
                    communities=communities,
                    timeout_s=s.timeout_s,
                    retries=s.retries,
                    now=self._clock,
                )
                self._sink.emit(result)

        try:
            await asyncio.gather(*(one(t.key, a, t.port) for t in s.targets for a in t.addresses()))
        finally:
            client.close()
