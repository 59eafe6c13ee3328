"""What the LDAP connector emits: accounts, computers and groups as read, and a summary of each sync.

A summary with `complete=False` (a failed, partial or size-limited search) must never be used to conclude
that an object was deleted or disabled: the consumer only removes what a complete full sync did not return.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, make_dataclass
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class DirectoryAccount:
    kind: Literal["user", "computer"]
    establishment: str
    dn: str
    login: str | None
    display_name: str | None
    sid: str | None
    enabled: bool
    last_logon: datetime | None
    password_last_set: datetime | None
    password_never_expires: bool
    preauth_not_required: bool
    admin_count: int
    service_principal_names: tuple[str, ...]
    member_of: tuple[str, ...]
    dns_name: str | None = None
    operating_system: str | None = None
    operating_system_version: str | None = None
    changed: int | None = None  # uSNChanged (Active Directory)
    modified: datetime | None = None  # modifyTimestamp
    primary_group_sid: str | None = None  # AD: domain SID + primaryGroupID (513 Domain Users by default)


# A frozen dataclass sets each field through object.__setattr__: for the 20 fields of an account, a third of
# the cost of decoding one, tens of thousands of times a sync. The decoder fills this plain class of the same
# slots, in the same order, then gives the object its class (`record.__class__ = DirectoryAccount`): CPython
# allows that between classes of one layout and raises TypeError otherwise. The result is a DirectoryAccount
# like any other (frozen, equal and hashed by its fields); this class is never seen outside the decoder.
AccountFields: Any = make_dataclass("AccountFields", [f.name for f in fields(DirectoryAccount)], slots=True)


@dataclass(frozen=True, slots=True)
class DirectoryGroup:
    establishment: str
    dn: str
    name: str | None
    sid: str | None
    members: tuple[str, ...]  # direct members' DNs; nesting is resolved by the consumer


@dataclass(frozen=True)
class SyncSummary:
    establishment: str
    mode: Literal["full", "incremental"]
    complete: bool
    entries: int
    watermark: str | None  # the highest uSNChanged or modifyTimestamp seen: the next incremental starts there
    started_at: datetime
    finished_at: datetime
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # AD: the answering DC and its database copy (dsServiceName#invocationId); its USNs are its own
    server_identity: str | None = None


DirectoryRecord = DirectoryAccount | DirectoryGroup
