"""One directory of one establishment: where it is, how to bind, what to read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Profile = Literal["active_directory", "openldap"]


@dataclass(frozen=True)
class LdapSettings:
    establishment: str
    uri: str  # ldaps://dc.chu.local or ldap://... with start_tls
    bind_dn: str  # a DN, or a UPN (svc-ghtsoc@chu.local) for Active Directory
    password: str  # the value, read by the hub from the environment variable the configuration names
    base_dns: tuple[str, ...]
    profile: Profile = "active_directory"
    start_tls: bool = True
    ca_file: Path | None = None
    allow_plain_ldap: bool = False  # ldap:// without StartTLS: refused unless explicitly allowed
    page_size: int = 500
    timeout: float = 30.0
    max_pages: int = 100_000  # a bound on every paged search
    # AD hands out at most MaxValRange (1500) values of a multi-valued attribute per read and announces the
    # rest as `member;range=0-1499`: the connector reads the further ranges this many at a time.
    member_range: int = 1500

    def __post_init__(self) -> None:
        plain = self.uri.startswith("ldap://") and not self.start_tls
        if plain and not self.allow_plain_ldap:
            raise ValueError(f"{self.uri}: ldap:// sans StartTLS refusé (allow_plain_ldap pour l'autoriser)")
        if not 1 <= self.member_range <= 1500:
            raise ValueError("member_range entre 1 et 1500 (MaxValRange d'AD)")
        if not 1 <= self.page_size <= 5000:
            raise ValueError("page_size entre 1 et 5000")
