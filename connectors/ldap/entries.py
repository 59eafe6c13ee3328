"""From a search entry, as python-ldap returns it (attribute → list of raw values), to a directory record.

This runs once per entry of a full sync, tens of thousands of times: each attribute is looked up once and
decoded once, userAccountControl is tested as plain bits (an IntFlag per entry cost more than all the rest
of the entry's decoding), and an account is filled as a plain object before it becomes a frozen record
(records.py says why).
"""

from __future__ import annotations

from typing import Literal, cast

import ldap
import ldap.dn

from connectors.ldap.decode import (
    UserAccountControl,
    control_bits,
    filetime,
    generalized_time,
    sid_to_string,
)
from connectors.ldap.records import AccountFields, DirectoryAccount, DirectoryGroup

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
    record = AccountFields(  # every field, by name: a DirectoryAccount once its class is set (records.py)
        kind=kind,
        establishment=establishment,
        dn=dn,
        # the first name when it has a first value that is not empty, else the second name's
        login=v[0].decode("utf-8", "replace")
        if ((v := get("sAMAccountName")) and v[0]) or (v := get("uid"))
        else None,
        display_name=v[0].decode("utf-8", "replace")
        if ((v := get("displayName")) and v[0]) or (v := get("cn"))
        else common_name(dn),
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
    record.__class__ = DirectoryAccount
    return cast(DirectoryAccount, record)


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
        if self._number is not None and raw.isdigit():  # the usual case (USNs), without decoding first
            number = int(raw)  # bytes.isdigit is ASCII digits only: what int() reads from bytes
            if number > self._number:
                self.value, self._number = raw.decode(), number
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
    if not values:
        return ()
    if len(values) == 1:  # most multi-valued attributes hold one value (memberOf, SPNs): no list built
        return (values[0].decode("utf-8", "replace"),)
    return tuple([v.decode("utf-8", "replace") for v in values])


def common_name(dn: str) -> str | None:
    """The value of the DN's first RDN when it is a CN: AD names every account by its cn, so the connector
    does not ask AD for cn (it would only repeat the DN)."""
    if dn[:3].lower() != "cn=":
        return None
    end = dn.find(",")
    value = dn[3:] if end < 0 else dn[3:end]
    if "\\" not in value and "+" not in value and '"' not in value and ";" not in value:
        return value  # nothing escaped, quoted or multi-valued: the value as it is
    try:
        rdn = ldap.dn.str2dn(dn)[0]
    except ldap.DECODING_ERROR:
        return None
    return next((v for name, v, _flags in rdn if name.lower() == "cn"), None)


def _primary_group_sid(sid: str | None, primary_group: bytes | None) -> str | None:
    """The SID of the account's primary group: its domain's SID and the primaryGroupID RID.

    AD lists that membership nowhere else (not in the group's `member`, not in `memberOf`): an account made
    a Domain Admin through primaryGroupID=512 would otherwise go unseen.
    """
    if sid is None or primary_group is None or not primary_group.isdigit():
        return None
    return f"{sid.rsplit('-', 1)[0]}-{int(primary_group)}"
