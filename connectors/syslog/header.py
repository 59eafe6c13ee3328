"""Syslog headers: RFC 5424, RFC 3164 (the BSD form, with its variants), or none at all.

Pure functions over one decoded line; they never raise. A 3164 timestamp has neither year nor zone: it is
read in the sender's configured zone, in the year that puts it nearest to the reception time.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any

_PRI = re.compile(r"<(\d{1,3})>")
_RFC5424 = re.compile(
    r"1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+) "
    r"(?P<sd>-|(?:\[[^\]\\]*(?:\\.[^\]\\]*)*\])+)(?: (?P<msg>.*))?$",
    re.DOTALL,
)
# Escaped strings are written `[^"\\]*(?:\\.[^"\\]*)*`, not `(?:[^"\\]|\\.)*`: the same strings, read faster.
_SD_ELEMENT = re.compile(r"\[(?P<id>[^\s\]]+)(?P<params>(?:\s+[^=\s\]]+=\"[^\"\\]*(?:\\.[^\"\\]*)*\")*)\s*\]")
_SD_PARAM = re.compile(r"([^=\s\]]+)=\"([^\"\\]*(?:\\.[^\"\\]*)*)\"")
_RFC3164 = re.compile(
    r"(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)(?: (?P<host>[^\s:\[]+))?"
    r"(?: (?P<tag>[^\s:\[]{1,48})(?:\[(?P<pid>[^\]]*)\])?:?)?(?: (?P<msg>.*))?$",
    re.DOTALL,
)
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_NIL = "-"
# Swapped as one tuple, so that a thread parsing with another reception time never reads this one's stamps.
_bsd_memo: tuple[datetime | None, dict[tuple[str, tzinfo], str | None]] = (None, {})


def parse_header(line: str, received: datetime, zone: tzinfo) -> tuple[dict[str, Any], str]:
    """The header's fields (ECS names) and the message that follows it."""
    fields: dict[str, Any] = {}
    rest = line
    match = _PRI.match(line)
    if match:
        priority = int(match.group(1))
        rest = line[match.end() :]
        if priority <= 191:
            fields["log.syslog.priority"] = priority
            fields["log.syslog.facility.code"] = priority >> 3
            fields["log.syslog.severity.code"] = priority & 7
        else:
            fields["event.parse_error"] = f"priorité impossible : {priority}"
    if rest.startswith("1 "):
        parsed = _rfc5424(rest)
        if parsed is not None:
            fields.update(parsed[0])
            return fields, parsed[1]
    parsed = _rfc3164(rest, received, zone)
    if parsed is not None:
        fields.update(parsed[0])
        return fields, parsed[1]
    return fields, rest


def _rfc5424(rest: str) -> tuple[dict[str, Any], str] | None:
    match = _RFC5424.match(rest)
    if match is None:
        return None
    # All groups in one call, in the pattern's order: a fifth of this function's time went to group() calls.
    stamp, host, app, procid, msgid, data, message = match.groups()
    fields: dict[str, Any] = {"log.syslog.version": "1"}
    if host != _NIL:
        fields["host.name"] = host
    if app != _NIL:
        fields["process.name"] = app
    if procid != _NIL:
        fields["process.pid"] = procid
    if msgid != _NIL:
        fields["event.code"] = msgid
    if stamp != _NIL:
        fields["@timestamp"] = stamp
    if data != _NIL:
        fields["syslog.structured_data"] = {
            element.group("id"): {
                k: v.replace('\\"', '"').replace("\\]", "]") if "\\" in v else v
                for k, v in _SD_PARAM.findall(element.group("params"))
            }
            for element in _SD_ELEMENT.finditer(data)
        }
    return fields, (message or "").removeprefix("\ufeff").lstrip(" ")


def _rfc3164(rest: str, received: datetime, zone: tzinfo) -> tuple[dict[str, Any], str] | None:
    match = _RFC3164.match(rest)
    if match is None:
        return None
    text, host, tag, pid, message = match.groups()  # in the pattern's order, in one call
    fields: dict[str, Any] = {}
    stamp = _bsd_printed(text, received, zone)
    if stamp is not None:
        fields["@timestamp"] = stamp
    if host:
        fields["host.name"] = host
    if tag:
        fields["process.name"] = tag
    if pid:
        fields["process.pid"] = pid
    return fields, message or ""


def _bsd_printed(text: str, received: datetime, zone: tzinfo) -> str | None:
    """The ISO form of `_bsd_time`, computed once per distinct stamp among the lines of one reception time."""
    global _bsd_memo
    memo_received, memo = _bsd_memo
    if memo_received is not received:  # the year depends on the reception time: a memo for each
        memo = {}
        _bsd_memo = (received, memo)
    key = (text, zone)
    if key not in memo:
        stamp = _bsd_time(text, received, zone)
        memo[key] = stamp.isoformat() if stamp is not None else None
    return memo[key]


def _bsd_time(text: str, received: datetime, zone: tzinfo) -> datetime | None:
    try:
        month = _MONTHS[text[:3]]
        day, clock = int(text[4:6]), text[7:]
        hour, minute, second = (int(part) for part in clock.split(":"))
        local_now = received.astimezone(zone)
        candidates = []
        for year in (local_now.year - 1, local_now.year, local_now.year + 1):
            try:
                candidates.append(datetime(year, month, day, hour, minute, second, tzinfo=zone))
            except ValueError:  # 29 February of a year that has none
                continue
    except (KeyError, ValueError):
        return None
    if not candidates:
        return None
    # Around New Year, "Dec 31 23:59:58" received on 1 January belongs to the year before.
    return min(candidates, key=lambda candidate: abs(candidate - local_now))
