"""Trap receiver settings: ports, and per establishment its sender networks, communities and v3 users.

Everything arrives in the constructor of :class:`connectors.snmp.traps.TrapReceiver`; secrets are passed in
(the hub reads them from environment variables), never read here.

SNMPv3 and engine IDs (RFC 3414): the engine that is *authoritative* for a message localizes the keys.
- For an **inform** the receiver is authoritative: the sender discovers the receiver's engine ID, so a user
  needs no engine ID here.
- For a **trap** the sender is authoritative: its keys are localized with the sender's own engine ID, which
  the receiver must know in advance (pysnmp, like net-snmp's snmptrapd, keeps one USM row per (engine ID,
  user)). List in `engine_ids` the snmpEngineID of every device sending v3 traps as that user; a v3 trap from
  an engine not listed is refused by pysnmp as an unknown user and counted as an authentication failure.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from connectors.snmp.settings import V2cCredentials, V3Credentials


def parse_engine_id(text: str) -> bytes:
    """Return the bytes of a hex snmpEngineID (`80001f88...`, `0x...` or with colons); 5 to 32 bytes."""
    cleaned = text.lower().removeprefix("0x").replace(":", "")
    try:
        raw = bytes.fromhex(cleaned)
    except ValueError:
        raise ValueError(f"engine ID {text!r} is not hexadecimal") from None
    if not 5 <= len(raw) <= 32:
        raise ValueError(f"engine ID {text!r} must be 5 to 32 bytes long (RFC 3411)")
    return raw


@dataclass(frozen=True)
class TrapUser:
    """A v3 user (authPriv, SHA/AES-128) accepted for traps from `engine_ids` and for informs from anyone."""

    credentials: V3Credentials
    engine_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for engine_id in self.engine_ids:
            parse_engine_id(engine_id)


@dataclass(frozen=True)
class TrapEstablishment:
    """One member establishment: the networks its devices send from and the credentials they use."""

    key: str
    networks: tuple[str, ...] = ()
    communities: tuple[V2cCredentials, ...] = ()
    users: tuple[TrapUser, ...] = ()

    def __post_init__(self) -> None:
        for network in self.networks:
            ipaddress.ip_network(network, strict=False)  # raises ValueError naming the bad range


@dataclass(frozen=True)
class TrapPort:
    """One UDP port the receiver listens on (162 needs CAP_NET_BIND_SERVICE; 0 picks a free port)."""

    name: str
    port: int = 162
    host: str = "127.0.0.1"


@dataclass(frozen=True)
class TrapReceiverSettings:
    """Ports, establishments, bounds on values and how records are handed to the sink."""

    ports: tuple[TrapPort, ...]
    establishments: tuple[TrapEstablishment, ...] = ()
    engine_id: str | None = None  # fixed hex snmpEngineID; random per start when None
    max_value_chars: int = 1024  # longer values are cut and the event flagged `truncated`
    max_varbinds: int = 64
    batch_size: int = 2000
    flush_interval_s: float = 0.5
    max_pending_batches: int = 4  # batches handed to the sink and not yet stored
    max_buffered: int = 200_000  # events waiting while the sink is stuck; beyond, counted and not kept
    receive_buffer_bytes: int = 4 * 2**20  # SO_RCVBUF asked for (Linux caps it at net.core.rmem_max)
    fast_decode: bool = True  # read v1/v2c traps without pysnmp (see trap_decode); False: pysnmp reads all

    def __post_init__(self) -> None:
        if not self.ports:
            raise ValueError("the trap receiver needs at least one port")
        if len({p.name for p in self.ports}) != len(self.ports):
            raise ValueError("trap port names must be unique")
        if self.engine_id is not None:
            parse_engine_id(self.engine_id)
        if self.max_value_chars < 16 or self.max_varbinds < 2:
            raise ValueError("max_value_chars must be at least 16 and max_varbinds at least 2")
        if self.flush_interval_s <= 0 or self.batch_size < 1 or self.max_pending_batches < 1:
            raise ValueError("flush interval, batch size and pending batches must be positive")
        keys: dict[str, tuple[str, str]] = {}
        for establishment in self.establishments:
            for user in establishment.users:
                c = user.credentials
                # Informs use one USM row per user name on the receiver's own engine: one set of keys.
                if keys.setdefault(c.user, (c.auth_key, c.priv_key)) != (c.auth_key, c.priv_key):
                    raise ValueError(
                        f"v3 user {c.user!r} is configured with different keys in two establishments; "
                        "a user name is GHT-wide on the receiver"
                    )
