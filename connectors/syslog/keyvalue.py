"""Firewall key=value lines (Fortinet FortiGate, Stormshield, generic) and pfSense/OPNsense `filterlog` CSV."""

from __future__ import annotations

import re
from typing import Any

# A key starts where no key character precedes it: without the look-behind, findall retries from every letter
# of a long run without `=` and one 60 KB line took a minute (found by tests/fuzz). The look-behind comes after
# the key's first character (two characters wide, the first being a key character): findall then tries it only
# where a key can start, not at every position (a sixth of the time of a FortiGate line).
# The quoted value is written `[^"\\]*(?:\\.[^"\\]*)*` rather than `(?:[^"\\]|\\.)*`: the same strings, a third
# faster (one loop over a character set instead of an alternation at each character). The quantifiers are
# possessive (`*+`): what they take back could never be followed by what comes next (`=` is no key character, a
# quoted value ends at its first unescaped quote), so they need not remember where to go back to.
_KEY = r"([A-Za-z_](?<![A-Za-z0-9_.-][A-Za-z_])[A-Za-z0-9_.-]*+)="
_PAIR = re.compile(_KEY + r'("[^"\\]*+(?:\\.[^"\\]*+)*+"|\S*+)')
# The same with the quoted value's inside as a group of its own: no slicing per pair when nothing is escaped.
_PAIR_PARTS = re.compile(_KEY + r'(?:"([^"\\]*+(?:\\.[^"\\]*+)*+)"|(\S*+))')
_ZONE = re.compile(r"([+-])(\d\d):?(\d\d)")
# A firewall writes the same zone on every line: read once (a twentieth of the line's parsing otherwise).
_offsets: dict[str, str] = {}
# `kv.<key>` of every key seen: one string shared by all the events instead of one per event and key, less memory
# for the batches waiting to be stored and keys the store compares by identity (a tenth of a line's parsing).
_kv_names: dict[str, str] = {}
_MAX_NAMES = 4096

_COMMON = {
    "srcip": "source.ip",
    "src": "source.ip",
    "src_ip": "source.ip",
    "srcport": "source.port",
    "sport": "source.port",
    "src_port": "source.port",
    "dstip": "destination.ip",
    "dst": "destination.ip",
    "dst_ip": "destination.ip",
    "dstport": "destination.port",
    "dport": "destination.port",
    "dst_port": "destination.port",
    "proto": "network.iana_number",
    "action": "event.action",
    "user": "user.name",
    "msg": "message",
    "srccountry": "source.geo.country_name",
    "dstcountry": "destination.geo.country_name",
    "service": "network.protocol",
    "policyid": "rule.id",
    "ruleid": "rule.id",
    "logdesc": "message",
    "devname": "observer.name",
    "fw": "observer.name",
    "srcintf": "observer.ingress.interface.name",
    "dstintf": "observer.egress.interface.name",
    "sentbyte": "source.bytes",
    "rcvdbyte": "destination.bytes",
}


def looks_like_keyvalue(message: str) -> bool:
    head = message[:200]
    return head.count("=") >= 3 and _PAIR.match(head.lstrip()) is not None


def parse_keyvalue(message: str) -> dict[str, Any]:
    """Every pair, under `kv.<key>` and, when known, its ECS name; vendor guessed from the keys."""
    last_quote = message.rfind('"')
    if "\\" in message or (last_quote > 0 and message[last_quote - 1] == "="):
        # An escape, or a value opening a quote that may never close (it then reads as `\S*`, quote and all).
        pairs = {
            key: value[1:-1].replace('\\"', '"') if value.startswith('"') else value
            for key, value in _PAIR.findall(message)
        }
    else:
        pairs = {key: quoted or bare for key, quoted, bare in _PAIR_PARTS.findall(message)}
    names = _kv_names
    if len(names) > _MAX_NAMES:  # keys made up on each line must not grow it without end
        names.clear()
    fields: dict[str, Any] = {names.get(key) or _kv_name(key): value for key, value in pairs.items()}
    for key, value in pairs.items():
        name = _COMMON.get(key)
        if name is not None and value != "":
            fields.setdefault(name, value)
    if "devid" in pairs or ("logid" in pairs and "devname" in pairs):
        fields["observer.vendor"], fields["observer.product"] = "Fortinet", "FortiGate"
        if "date" in pairs and "time" in pairs:
            zone = pairs.get("tz", "")
            fields["event.original_time"] = f"{pairs['date']}T{pairs['time']}{_offset(zone)}"
    elif pairs.get("id") == "firewall" and "fw" in pairs:
        fields["observer.vendor"], fields["observer.product"] = "Stormshield", "SNS"
        if "time" in pairs:
            fields["event.original_time"] = pairs["time"].replace(" ", "T") + _offset(pairs.get("tz", ""))
    fields.setdefault("event.outcome", _outcome(pairs.get("action", "")))
    if fields["event.outcome"] is None:
        del fields["event.outcome"]
    return fields


def _kv_name(key: str) -> str:
    name = "kv." + key
    if len(key) <= 64:  # a 60 KB key would stay in memory
        _kv_names[key] = name
    return name


def _offset(zone: str) -> str:
    """'+0100' or '+01:00' → '+01:00'; anything else → '' (the time stays local, as sent)."""
    offset = _offsets.get(zone)
    if offset is None:
        match = _ZONE.fullmatch(zone.strip('"'))
        offset = f"{match.group(1)}{match.group(2)}:{match.group(3)}" if match else ""
        if len(_offsets) >= 256:  # a sender writing a new zone on each line must not grow it
            _offsets.clear()
        if len(zone) <= 16:  # nor one writing 60 KB of it
            _offsets[zone] = offset
    return offset


def _outcome(action: str) -> str | None:
    action = action.lower()
    if action in {"accept", "pass", "allow", "permit", "close", "server-rst", "client-rst", "timeout"}:
        return "success"
    if action in {"deny", "block", "drop", "reject", "blocked"}:
        return "failure"
    return None


# pfSense / OPNsense filterlog: rule,subrule,anchor,tracker,interface,reason,action,direction,ipversion,...
def parse_filterlog(message: str) -> dict[str, Any] | None:
    columns = message.strip().split(",")
    if len(columns) < 9 or columns[8] not in {"4", "6"}:
        return None
    fields: dict[str, Any] = {
        "observer.vendor": "Netgate",
        "observer.product": "pfSense/OPNsense",
        "rule.id": columns[0],
        "observer.ingress.interface.name": columns[4],
        "event.reason": columns[5],
        "event.action": columns[6],
        "network.direction": {"in": "inbound", "out": "outbound"}.get(columns[7], columns[7]),
        "network.type": "ipv4" if columns[8] == "4" else "ipv6",
    }
    outcome = _outcome(columns[6])
    if outcome:
        fields["event.outcome"] = outcome
    # IPv4: tos,ecn,ttl,id,offset,flags,protoid,proto,length,src,dst
    # IPv6: class,flow,hoplimit,proto,protoid,length,src,dst
    if columns[8] == "4" and len(columns) >= 20:
        transport, rest = columns[16].lower(), columns[17:]
        source, destination, ports = rest[1], rest[2], rest[3:5]
    elif columns[8] == "6" and len(columns) >= 17:
        transport, rest = columns[12].lower(), columns[14:]
        source, destination, ports = rest[1], rest[2], rest[3:5]
    else:
        return fields
    fields.update({"network.transport": transport, "source.ip": source, "destination.ip": destination})
    if transport in {"tcp", "udp"} and len(ports) == 2:
        fields["source.port"], fields["destination.port"] = ports
    return fields
