"""From a search entry, as python-ldap returns it (attribute → list of raw values), to a directory record.

This runs once per entry of a full sync, tens of thousands of times: each attribute is looked up once and
decoded once, and userAccountControl is tested as plain bits (an IntFlag per entry cost more than all the
rest of the entry's decoding).
"""

from __future__ import annotations

from typing import Literal

from connectors.ldap.decode import (
    UserAccountControl,
    control_bits,
    filetime,
    generalized_time,
    sid_to_string,
)
from connectors.ldap.records import DirectoryAccount, DirectoryGroup

Entry = dict[str, list[bytes]]

_DISABLED = int(UserAccountControl.ACCOUNTDISABLE)
_NEVER_EXPIRES = int(UserAccountControl.DONT_EXPIRE_PASSWORD)
_NO_PREAUTH = int(UserAccountControl.DONT_REQ_PREAUTH)


def account(kind: Literal["user", "computer"], dn: str, entry: Entry, establishment: str) -> DirectoryAccount:
    """A user or computer account; a missing or malformed attribute reads as absent, never as an error."""
    # One lookup per attribute, its first value taken inline: a helper call per attribute cost a fifth of
    # this function. `v` is the attribute's list of values, None or empty when absent.
    get = entry.get
    control = control_bits(v[0]) if (v := get("userAccountControl")) else 0
    sid = sid_to_string(v[0]) if (v := get("objectSid")) else None
    return DirectoryAccount(
        kind=kind,
        establishment=establishment,
        dn=dn,
        login=_text(_first(entry, "sAMAccountName") or _first(entry, "uid")),
        display_name=_text(_first(entry, "displayName") or _first(entry, "cn")),
        sid=sid,
        enabled=not control & _DISABLED,
        last_logon=filetime(v[0]) if (v := get("lastLogonTimestamp")) else None,
        password_last_set=filetime(v[0]) if (v := get("pwdLastSet")) else None,
        password_never_expires=bool(control & _NEVER_EXPIRES),
        preauth_not_required=bool(control & _NO_PREAUTH),
        admin_count=int(v[0]) if (v := get("adminCount")) and v[0].isdigit() else 0,
        service_principal_names=_texts(get("servicePrincipalName")),
        member_of=_texts(get("memberOf")),
        dns_name=v[0].decode("utf-8", "replace") if (v := get("dNSHostName")) else None,
        operating_system=v[0].decode("utf-8", "replace") if (v := get("operatingSystem")) else None,
        operating_system_version=v[0].decode("utf-8", "replace")
        if (v := get("operatingSystemVersion"))
        else None,
        changed=int(v[0]) if (v := get("uSNChanged")) and v[0].isdigit() else None,
        modified=generalized_time(v[0]) if (v := get("modifyTimestamp")) else None,
        primary_group_sid=_primary_group_sid(sid, v[0]) if (v := get("primaryGroupID")) else None,
    )


def group(dn: str, entry: Entry, establishment: str) -> DirectoryGroup:
    """A group with its direct members' DNs (`member` on AD, `member` or `uniqueMember` on OpenLDAP)."""
    return DirectoryGroup(
        establishment=establishment,
        dn=dn,
        name=_text(_first(entry, "sAMAccountName") or _first(entry, "cn")),
        sid=sid_to_string(_first(entry, "objectSid")),
        members=_texts(entry.get("member")) + _texts(entry.get("uniqueMember")),
    )


class Highest:
    """The highest watermark seen (uSNChanged or modifyTimestamp), offered one entry's value at a time.

    USNs compare as numbers, anything else as strings (GeneralizedTime of one format sorts in time order);
    the number of the current value is kept rather than parsed again for every entry.
    """

    def __init__(self, start: str | None) -> None:
        self.value: str | None = None
        self._number: int | None = None
        if start is not None:
            self._take(start)

    def offer(self, raw: bytes | None) -> None:
        if raw is None:
            return
        candidate = raw.decode("utf-8", errors="replace")
        if self.value is None:
            self._take(candidate)
        elif self._number is not None and candidate.isdecimal():
            number = int(candidate)
            if number > self._number:
                self.value, self._number = candidate, number
        elif candidate > self.value:
            self._take(candidate)

    def _take(self, value: str) -> None:
        # isdecimal, not isdigit: "²" is a digit that int() refuses
        self.value, self._number = value, int(value) if value.isdecimal() else None


def _first(entry: Entry, name: str) -> bytes | None:
    values = entry.get(name)
    return values[0] if values else None


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", errors="replace")


def _texts(values: list[bytes] | None) -> tuple[str, ...]:
    return tuple([v.decode("utf-8", errors="replace") for v in values]) if values else ()


def _primary_group_sid(sid: str | None, primary_group: bytes | None) -> str | None:
    """The SID of the account's primary group: its domain's SID and the primaryGroupID RID.

    AD lists that membership nowhere else (not in the group's `member`, not in `memberOf`): an account made
    a Domain Admin through primaryGroupID=512 would otherwise go unseen.
    """
    if sid is None or primary_group is None or not primary_group.isdigit():
        return None
    return f"{sid.rsplit('-', 1)[0]}-{int(primary_group)}"
