"""Directory values as they come off the wire, decoded: AD FILETIME, userAccountControl bits, SIDs, times."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from enum import IntFlag

_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
# AD writes 0 for "never" and 0x7FFFFFFFFFFFFFFF for "never expires".
_FILETIME_NEVER = (0, 0x7FFFFFFFFFFFFFFF)


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


def filetime(value: bytes | str | int | None) -> datetime | None:
    """An AD FILETIME (100-ns intervals since 1601, UTC) as an aware datetime; None for never or garbage."""
    try:
        ticks = int(value.decode() if isinstance(value, bytes) else value) if value is not None else 0
    except (ValueError, UnicodeDecodeError):
        return None
    if ticks in _FILETIME_NEVER or ticks < 0:
        return None
    try:
        return _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None


def generalized_time(value: bytes | str | None) -> datetime | None:
    """LDAP GeneralizedTime (`20261122030405Z`, `20261122030405.0Z`) as an aware datetime."""
    if value is None:
        return None
    text = value.decode(errors="replace") if isinstance(value, bytes) else value
    text = text.strip()
    if not text.endswith("Z") or len(text) < 15:
        return None
    digits = text[:14]
    if not digits.isdigit():
        return None
    try:  # fixed-width digits: slicing is exact, and strptime cost a quarter of a full sync
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
    try:
        number = int(value.decode() if isinstance(value, bytes) else value) if value is not None else 0
    except (ValueError, UnicodeDecodeError):
        number = 0
    return UserAccountControl(number & 0xFFFFFFFF)


def sid_to_string(raw: bytes | None) -> str | None:
    """A binary objectSid as `S-1-5-21-…-RID`; None when it is not a SID."""
    if raw is None or len(raw) < 8:
        return None
    revision, count = raw[0], raw[1]
    if len(raw) != 8 + 4 * count:
        return None
    authority = int.from_bytes(raw[2:8], "big")
    parts = struct.unpack(f"<{count}I", raw[8:])
    return "S-" + "-".join(str(x) for x in (revision, authority, *parts))


def rid(sid: str | None) -> int | None:
    """The relative identifier: the last part of a SID (512 Domain Admins, 502 krbtgt...)."""
    if not sid or "-" not in sid:
        return None
    tail = sid.rsplit("-", 1)[1]
    return int(tail) if tail.isdigit() else None


def text(value: bytes | None) -> str | None:
    """A directory string; invalid UTF-8 is replaced rather than refused."""
    return None if value is None else value.decode("utf-8", errors="replace")
