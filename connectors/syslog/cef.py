"""ArcSight CEF: `CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension`."""

from __future__ import annotations

import re
from typing import Any

# A header field: characters other than `|` and `\`, or any escaped character; `\\|` is an escaped
# backslash *then* the separator, which a look-behind on `\` alone would take for an escaped pipe.
_HEADER_FIELD = re.compile(r"((?:[^|\\]|\\.)*)\|", re.DOTALL)
_HEADER_ESCAPE = re.compile(r"\\([\\|])")
_EXTENSION_KEY = re.compile(r"(?:^|\s)([A-Za-z0-9_.\[\]-]+)=")
# CEF extension keys → ECS names (the common ones; the others stay under cef.extensions).
CEF_FIELDS = {
    "src": "source.ip",
    "spt": "source.port",
    "dst": "destination.ip",
    "dpt": "destination.port",
    "suser": "source.user.name",
    "duser": "user.name",
    "shost": "source.domain",
    "dhost": "destination.domain",
    "act": "event.action",
    "proto": "network.transport",
    "msg": "message",
    "outcome": "event.outcome",
    "request": "url.original",
    "fname": "file.name",
    "fileHash": "file.hash",
    "dvchost": "observer.hostname",
    "dvc": "observer.ip",
}


def is_cef(message: str) -> bool:
    return message.startswith("CEF:")


def parse_cef(message: str) -> dict[str, Any] | None:
    """The header and extension of a CEF message; None when it is not CEF after all."""
    parts, position = [], 0
    for _ in range(7):
        field = _HEADER_FIELD.match(message, position)
        if field is None:
            break
        parts.append(field.group(1))
        position = field.end()
    if len(parts) == 6:  # no separator after the severity: a CEF line without extension
        parts.append(message[position:])
        position = len(message)
    if len(parts) < 7:
        return None
    parts.append(message[position:])
    unescape = _unescape_header
    fields: dict[str, Any] = {
        "observer.vendor": unescape(parts[1]),
        "observer.product": unescape(parts[2]),
        "observer.version": unescape(parts[3]),
        "event.code": unescape(parts[4]),
        "rule.name": unescape(parts[5]),
        "event.severity": unescape(parts[6]),
    }
    extensions = _extensions(parts[7]) if parts[7] else {}
    for key, value in extensions.items():
        fields[CEF_FIELDS.get(key, f"cef.extensions.{key}")] = value
    fields.setdefault("message", fields["rule.name"])
    return fields


def _unescape_header(value: str) -> str:
    return _HEADER_ESCAPE.sub(r"\1", value)


def _extensions(text: str) -> dict[str, str]:
    """key=value pairs whose values may hold spaces; `\\=` and `\\n` are escapes."""
    keys = [
        m
        for m in _EXTENSION_KEY.finditer(text)
        if m.start(1) == 0 or text[m.start(1) - 2 : m.start(1) - 1] != "\\"
    ]
    found = {}
    for index, match in enumerate(keys):
        end = keys[index + 1].start() if index + 1 < len(keys) else len(text)
        raw = text[match.end() : end]
        found[match.group(1)] = (
            raw.replace("\\=", "=").replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\").rstrip()
        )
    return found
