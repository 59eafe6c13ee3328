"""SNMP connector settings: everything arrives in the constructor; secrets are passed in, never read here."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum


class Version(StrEnum):
    """SNMP versions the connector speaks."""

    V2C = "v2c"
    V3 = "v3"


@dataclass(frozen=True)
class V2cCredentials:
    """A v2c community (the hub reads its value from an environment variable)."""

    community: str

    def __repr__(self) -> str:  # never print the secret
        return "V2cCredentials(community=***)"


@dataclass(frozen=True)
class V3Credentials:
    """A v3 user in authPriv with SHA authentication and AES-128 privacy."""

    user: str
    auth_key: str
    priv_key: str

    def __post_init__(self) -> None:
        # net-snmp and pysnmp both refuse keys shorter than 8 characters; fail at configuration time.
        if len(self.auth_key) < 8 or len(self.priv_key) < 8:
            raise ValueError(f"v3 user {self.user!r}: auth and priv keys need at least 8 characters")

    def __repr__(self) -> str:
        return f"V3Credentials(user={self.user!r}, auth_key=***, priv_key=***)"


Credentials = V2cCredentials | V3Credentials


@dataclass(frozen=True)
class EstablishmentTargets:
    """Hosts and CIDR ranges of one establishment, polled with one set of credentials."""

    key: str
    credentials: Credentials
    hosts: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    port: int = 161

    def __post_init__(self) -> None:
        for network in self.networks:
            ipaddress.ip_network(network, strict=False)  # raises ValueError naming the bad range

    def addresses(self) -> list[str]:
        """Every address to poll: the hosts, then each usable host address of each range."""
        found = list(self.hosts)
        for network in self.networks:
            net = ipaddress.ip_network(network, strict=False)
            found.extend(str(ip) for ip in (net.hosts() if net.num_addresses > 2 else net))
        return found


@dataclass(frozen=True)
class PollerSettings:
    """How hard the poller pushes: concurrency bound, per-request timeout and retries, probing."""

    targets: tuple[EstablishmentTargets, ...]
    concurrency: int = 50
    timeout_s: float = 2.0
    retries: int = 1
    max_repetitions: int = 25
    probe_default_communities: bool = False
    default_communities: tuple[str, ...] = field(default=("public", "private"))

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.timeout_s <= 0 or self.retries < 0:
            raise ValueError("timeout must be positive and retries non-negative")
