"""One received line → one flat event with ECS-style names; the raw line is always kept. Never raises.

Bad input is kept and flagged, not dropped: a line over the size limit is truncated (`event.truncated`),
invalid UTF-8 is decoded with replacement and the raw bytes kept (`event.original_base64`), binary noise
and impossible priorities get `event.parse_error`, and a time far from the reception time is kept as
`event.original_time` while `@timestamp` takes the reception time (`event.time_suspect`).
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta, tzinfo
from typing import Any

import orjson

from connectors.syslog.cef import is_cef, parse_cef
from connectors.syslog.header import parse_header
from connectors.syslog.keyvalue import looks_like_keyvalue, parse_filterlog, parse_keyvalue
from connectors.syslog.windows import is_windows_event, parse_windows

MAX_LINE_BYTES = 64 * 1024
FUTURE_TOLERANCE = timedelta(days=1)
PAST_TOLERANCE = timedelta(days=366)
MAX_JSON_DEPTH = 64
_OWN_FIELDS = ("event.created", "event.original", "event.original_base64", "event.truncated")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")  # tab, newline and return are text
# orjson reads integers past 64 bits as floats where json keeps them (as digits): such lines take json's path.
_LONG_NUMBER = re.compile(r"[0-9](?=[0-9]{18})")  # JSON numbers are ASCII digits
_CACHE_SIZE = 4096
# Times repeat from line to line (a sender's clock ticks once a second, a batch shares its reception time):
# their parsed and printed forms are kept rather than recomputed per event (a third of the parsing time).
_instants: dict[tuple[str, tzinfo], tuple[datetime, str] | None] = {}
_received: tuple[datetime | None, str] = (None, "")  # the last reception time and its ISO form (one swap)
# What `_settle_time` decides for each time text seen at the last reception time (the listener stamps each read
# of a connection with one): a date's parsing and two comparisons of aware times, once per distinct text.
_verdicts: tuple[datetime | None, dict[tuple[Any, tzinfo], tuple[str, bool] | None]] = (None, {})


def parse_line(
    raw: bytes, *, received: datetime, zone: tzinfo, max_bytes: int = MAX_LINE_BYTES
) -> dict[str, Any]:
    """The event of one line, `received` being an aware reception time and `zone` the sender's zone."""
    created = _printed(received)
    event: dict[str, Any] = {"event.created": created}
    if len(raw) > max_bytes:
        raw = raw[:max_bytes]
        event["event.truncated"] = True
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        event["event.original_base64"] = base64.b64encode(raw).decode("ascii")
    text = text.rstrip("\r\n\x00")
    event["event.original"] = text
    if _is_binary(text):
        event["event.parse_error"] = "contenu binaire"
        event["@timestamp"] = created
        return event

    own = event
    if text.startswith("{") or (text.startswith("[") and _is_json(text)):
        event = _json_body(text)
    else:
        event, message = parse_header(text, received, zone)
        _add_body(event, message)
    for name in _OWN_FIELDS:  # the body may not forge or clear them (`{"event": {"truncated": false}}`)
        if name in event:
            del event[name]
    event.update(own)  # after the body's fields, as they always came
    if not isinstance(event.get("message", ""), str):  # `{"message": [...]}`: the store indexes text
        event["message"] = str(event["message"])
    _settle_time(event, received, zone)
    return event


def _add_body(event: dict[str, Any], message: str) -> None:
    """The fields of the message after the header, over the header's own (the header never has `message`)."""
    if message.startswith("{"):
        event.update(_json_body(message))
        return
    if is_cef(message):
        parsed = parse_cef(message)
        if parsed is not None:
            event.update(parsed)
            return
    event["message"] = message  # first, then a firewall's own `msg` replaces it: one dict copied, not two
    if event.get("process.name") == "filterlog":
        parsed = parse_filterlog(message)
        if parsed is not None:
            event.update(parsed)
            return
    if looks_like_keyvalue(message):
        event.update(parse_keyvalue(message))


def _json_body(text: str) -> dict[str, Any]:
    try:
        document = _loads(text)
    except ValueError as error:
        return {"message": text, "event.parse_error": f"JSON invalide : {error.args[0]}"}
    except RecursionError:  # `[[[[…` nested deeper than Python's stack
        return {"message": text, "event.parse_error": "JSON invalide : imbrication trop profonde"}
    if not isinstance(document, dict):
        return {"message": text, "event.parse_error": "JSON qui n'est pas un objet"}
    # Counting brackets is C-speed; only a line with many of them is walked (the stores' encoder stops at 255).
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH and _too_deep(document, 0):
        return {"message": text, "event.parse_error": f"JSON imbriqué sur plus de {MAX_JSON_DEPTH} niveaux"}
    if is_windows_event(document):
        return parse_windows(document)
    return {"message": str(document.get("message", text)), **_flatten(document)}


def _loads(text: str) -> Any:
    """json.loads with big integers kept as digits; orjson (5x faster) whenever it reads the same thing."""
    if _LONG_NUMBER.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # json's own error (its message), or what json accepts and orjson not (NaN, lone surrogates)
    return json.loads(text, parse_int=_bounded_int)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _bounded_int(digits: str) -> int | str:
    """A JSON integer, kept as its digits when it does not fit 64 bits (the stores' JSON encoder refuses it)."""
    if len(digits) > 20:
        return digits
    number = int(digits)
    return number if -(2**63) <= number < 2**64 else digits


def _too_deep(value: Any, depth: int) -> bool:
    if depth > MAX_JSON_DEPTH:
        return True
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(_too_deep(child, depth + 1) for child in children)


def _flatten(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _settle_time(event: dict[str, Any], received: datetime, zone: tzinfo) -> None:
    """`@timestamp` is the event's own time when it is plausible, else the reception time."""
    # The body's own time (NXLog's EventTime, a firewall's date/time) is more precise than a relay's header.
    found = _verdict(event.get("event.original_time"), received, zone) or _verdict(
        event.get("@timestamp"), received, zone
    )
    if found is None:
        event["@timestamp"] = _printed(received)
        return
    printed, plausible = found
    if not plausible:
        event["event.original_time"] = printed
        event["event.time_suspect"] = True
        event["@timestamp"] = _printed(received)
        return
    event["@timestamp"] = printed


def _verdict(value: Any, received: datetime, zone: tzinfo) -> tuple[str, bool] | None:
    """A time's printed form and whether it is plausible at `received`; read once per reception time."""
    global _verdicts
    if value.__class__ is not str or not value:  # a JSON body's `"@timestamp": [1]` is no time (nor hashable)
        return None
    memo_received, memo = _verdicts
    if memo_received is not received:  # a new reception time: a new memo, swapped as one tuple (threads)
        memo = {}
        _verdicts = (received, memo)
    key = (value, zone)
    if key in memo:
        return memo[key]
    found = _instant(value, zone)
    verdict = None
    if found is not None:
        stated, printed = found
        plausible = not (stated - received > FUTURE_TOLERANCE or received - stated > PAST_TOLERANCE)
        verdict = (printed, plausible)
    if len(memo) < _CACHE_SIZE and len(value) <= 64:  # times are short; a 60 KB "time" is not kept
        memo[key] = verdict
    return verdict


def _instant(value: Any, zone: tzinfo) -> tuple[datetime, str] | None:
    """An ISO 8601 time and its printed form; without an offset it is the sender's local time (NXLog, firewalls)."""
    if value.__class__ is not str or not value:
        return None
    key = (value, zone)
    if key in _instants:
        return _instants[key]
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        found = None
    else:
        parsed = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
        found = (parsed, parsed.isoformat())
    if len(_instants) >= _CACHE_SIZE:
        _instants.clear()
    _instants[key] = found
    return found


def _printed(received: datetime) -> str:
    """received.isoformat(), once per reception time (the listener stamps a whole read with one)."""
    global _received
    moment, printed = _received
    if moment is not received:
        printed = received.isoformat()
        _received = (received, printed)
    return printed


def _is_binary(text: str) -> bool:
    """More than a quarter of control characters (or undecodable bytes) in the first 512 characters."""
    sample = text[:512]
    # The common case, at C speed. A printable text has none of those characters but U+FFFD (printable, and
    # never in ASCII); isprintable() takes half the regex's time. Tabs are not printable: such lines take the regex.
    if sample.isprintable() and (sample.isascii() or "\ufffd" not in sample):
        return False
    if _CONTROL.search(sample) is None:
        return False
    return len(_CONTROL.findall(sample)) * 4 > len(sample)
