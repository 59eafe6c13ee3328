"""Directory values as they come off the wire, decoded: AD FILETIME, userAccountControl bits, SIDs, times."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from enum import IntFlag
from functools import lru_cache

_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_FILETIME_MAX = 0x7FFFFFFFFFFFFFFF  # AD's "never expires" (and 0 its "never")


class UserAccountControl(IntFlag):
    """The userAccountControl bits the hub reads (MS-ADTS 2.2.16)."""

    SCRIPT = 0x0001
    ACCOUNTDISABLE = 0x0002
    LOCKOUT = 0x0010
    PASSWD_NOTREQD = 0x0020
    NORMAL_ACCOUNT = 0x0200
    WORKSTATION_TRUST_ACCOUNT = 0x1000
    SERVER_TRUST_ACCOUNT = 0x2000
    DONT_EXPIRE_PASSWORD = 0x10000
    SMARTCARD_REQUIRED = 0x40000
    TRUSTED_FOR_DELEGATION = 0x80000
    NOT_DELEGATED = 0x100000
    DONT_REQ_PREAUTH = 0x400000


def integer(value: bytes | str | int) -> int:
    """A directory integer; ValueError for garbage (UnicodeDecodeError is one).

    `int()` reads ASCII digits from bytes directly: decoding first cost as much again, once per value of a
    full sync. Bytes it refuses are decoded and tried again, so non-ASCII digits read as they always did.
    """
    try:
        return int(value)
    except ValueError:
        if isinstance(value, bytes):
            return int(value.decode())
        raise


def filetime(value: bytes | str | int | None) -> datetime | None:
    """An AD FILETIME (100-ns intervals since 1601, UTC) as an aware datetime; None for never or garbage."""
    if value is None:
        return None
    try:
        ticks = integer(value)
    except ValueError:
        return None
    if ticks <= 0 or ticks == _FILETIME_MAX:  # 0 is "never", the largest value "never expires"
        return None
    try:
        # timedelta's positional form: its keywords cost a third of this function, twice per account
        return _FILETIME_EPOCH + timedelta(0, 0, ticks // 10)
    except OverflowError:
        return None


def generalized_time(value: bytes | str | None) -> datetime | None:
    """LDAP GeneralizedTime (`20261122030405Z`, `20261122030405.0Z`) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, bytes) and value[-1:] == b"Z" and len(value) >= 15 and value[:14].isdigit():
        # The usual shape (AD adds `.0`), parsed in C: the slicing below cost a tenth of a full sync.
        # bytes.isdigit() is ASCII only, and fromisoformat refuses exactly the dates datetime() refuses.
        digits = value[:14].decode("ascii")
        try:
            return datetime.fromisoformat(f"{digits[:8]}T{digits[8:]}+00:00")
        except ValueError:
            return None
    text = value.decode(errors="replace") if isinstance(value, bytes) else value
    text = text.strip()
    if not text.endswith("Z") or len(text) < 15:
        return None
    digits = text[:14]
    if not digits.isdigit():
        return None
    try:  # fixed-width digits (non-ASCII ones, which int() reads, included): slicing is exact
        return datetime(
            int(digits[0:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
            int(digits[12:14]),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def account_control(value: bytes | str | int | None) -> UserAccountControl:
    """userAccountControl as flags; 0 when absent or garbage."""
    return UserAccountControl(control_bits(value))


def control_bits(value: bytes | str | int | None) -> int:
    """userAccountControl as a plain int, for hot paths: building an IntFlag per entry cost more than the
    rest of the entry's decoding."""
    try:
        return integer(value) & 0xFFFFFFFF if value is not None else 0
    except ValueError:
        return 0


def sid_to_string(raw: bytes | None) -> str | None:
    """A binary objectSid as `S-1-5-21-…-RID`; None when it is not a SID."""
    if raw is None or len(raw) < 8:
        return None
    count = raw[1]
    if len(raw) != 8 + 4 * count:
        return None
    if count == 0:
        return _sid_prefix(raw)
    # Every account of a domain shares all but the RID: that part is decoded once per domain.
    return f"{_sid_prefix(raw[:-4])}-{int.from_bytes(raw[-4:], 'little')}"


@lru_cache(maxsize=64)
def _sid_prefix(head: bytes) -> str:
    """`S-revision-authority-sub…` for the revision, authority and sub-authorities present in `head`."""
    count = (len(head) - 8) // 4
    parts = struct.unpack(f"<{count}I", head[8 : 8 + 4 * count])
    return "S-" + "-".join(str(x) for x in (head[0], int.from_bytes(head[2:8], "big"), *parts))


def rid(sid: str | None) -> int | None:
    """The relative identifier: the last part of a SID (512 Domain Admins, 502 krbtgt...)."""
    if not sid or "-" not in sid:
        return None
    tail = sid.rsplit("-", 1)[1]
    return int(tail) if tail.isdigit() else None


def text(value: bytes | None) -> str | None:
    """A directory string; invalid UTF-8 is replaced rather than refused."""
    return None if value is None else value.decode("utf-8", errors="replace")
