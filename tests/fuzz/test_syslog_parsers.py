"""The syslog parsers never raise, never hang, and always keep the raw line (connectors/syslog/parse.py).

Whatever the bytes: the event keeps the line as received (truncated and flagged past the size limit, the raw
bytes in base64 when they are not UTF-8), carries an aware `@timestamp`, and can be stored (the stores'
JSON encoder accepts it, the message is text). Structured inputs check that what the parsers read is right.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from hypothesis import example, given
from hypothesis import strategies as st

from connectors.syslog.cef import parse_cef
from connectors.syslog.keyvalue import parse_keyvalue
from connectors.syslog.parse import MAX_LINE_BYTES, parse_line
from connectors.syslog.windows import parse_windows
from tests.fuzz.budget import fuzz
from tests.fuzz.strategies import KEY, TOKEN, json_values, syslog_lines, windows_documents

NO_BACKSLASH = st.characters(exclude_characters="\\")
RECEIVED = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
LONG_KEYVALUE_RUN = b"date=1 time=2 devid=3 " + b"a" * 60_000  # took 55 s before the key look-behind
FOUND = [  # each raised or broke the batch write before its fix
    b'{"winlog": 5}',
    b'{"winlog": {"event_data": [1]}}',
    b'{"winlog": {}, "host": "pc1"}',
    b'<13>1 2026-01-01T00:00:00Z h a p m - {"winlog": "x"}',
    b"[" * 70_000,
    b'{"a":' * 5_000,
    b'{"a": ' + b"[" * 300 + b"]" * 300 + b"}",
    b'{"n": 123456789012345678901234567890}',
    b'{"message": [1, 2]}',
    b'{"event": {"original": "forged", "created": "x", "truncated": false}}',
]


def assert_kept_and_storable(event: dict[str, Any], raw: bytes, max_bytes: int = MAX_LINE_BYTES) -> None:
    kept = raw[:max_bytes]
    assert event["event.created"] == RECEIVED.isoformat()
    assert event.get("event.truncated") is (True if len(raw) > max_bytes else None)
    try:
        text = kept.decode("utf-8")
    except UnicodeDecodeError:
        assert base64.b64decode(event["event.original_base64"]) == kept
        text = kept.decode("utf-8", errors="replace")
    else:
        assert "event.original_base64" not in event
    assert event["event.original"] == text.rstrip("\r\n\x00")
    stamp = datetime.fromisoformat(event["@timestamp"])
    assert stamp.tzinfo is not None
    if event.get("event.time_suspect"):
        assert "event.original_time" in event and stamp == RECEIVED
    assert isinstance(event.get("message", ""), str)
    orjson.dumps(event, default=str, option=orjson.OPT_NON_STR_KEYS)  # what the SQLite store writes


@fuzz(400)
@given(st.binary(max_size=2_000))
@example(LONG_KEYVALUE_RUN)
@example(b"<13>1 - - - - - [x" + b' a="b"' * 9_000)
@example(b"\xff\xfe<13>Jan  1 00:00:00 h t: \x00\x01")
def test_any_bytes_are_kept_and_storable(raw: bytes) -> None:
    assert_kept_and_storable(parse_line(raw, received=RECEIVED, zone=PARIS), raw)


@fuzz(250)
@given(syslog_lines)
def test_sender_shaped_lines_are_kept_and_storable(raw: bytes) -> None:
    assert_kept_and_storable(parse_line(raw, received=RECEIVED, zone=PARIS), raw)


def test_inputs_found_by_fuzzing_are_kept_and_storable() -> None:
    for raw in FOUND:
        event = parse_line(raw, received=RECEIVED, zone=PARIS)
        assert_kept_and_storable(event, raw)


def test_the_body_cannot_overwrite_the_raw_line() -> None:
    raw = b'{"event": {"original": "forged", "created": "1970-01-01"}}'
    event = parse_line(raw, received=RECEIVED, zone=PARIS)
    assert event["event.original"] == raw.decode() and event["event.created"] == RECEIVED.isoformat()


@fuzz(200)
@given(st.binary(max_size=600), st.integers(1, 300))
def test_a_line_over_the_limit_is_cut_and_flagged(raw: bytes, max_bytes: int) -> None:
    event = parse_line(raw, received=RECEIVED, zone=PARIS, max_bytes=max_bytes)
    assert_kept_and_storable(event, raw, max_bytes)


@fuzz(200)
@given(
    st.integers(0, 191), TOKEN, TOKEN, st.text(max_size=50).filter(lambda m: not m.startswith(("{", "CEF:")))
)
def test_rfc5424_header_fields_are_read_back(priority: int, host: str, app: str, message: str) -> None:
    raw = f"<{priority}>1 2026-11-22T01:00:00Z {host} {app} - - - {message}".encode()
    event = parse_line(raw, received=RECEIVED, zone=PARIS)
    assert (event["log.syslog.facility.code"], event["log.syslog.severity.code"]) == divmod(priority, 8)
    assert (event["host.name"], event["process.name"]) == (host, app)
    assert event["@timestamp"] == "2026-11-22T01:00:00+00:00"


# Only `\"` is an escape inside quotes (FortiOS, Stormshield): a backslash alone is kept as it is.
@fuzz(100)
@given(
    st.dictionaries(
        KEY, st.text(st.characters(exclude_characters="\\"), max_size=15), min_size=3, max_size=8
    ),
    st.booleans(),
)
def test_keyvalue_pairs_are_read_back(pairs: dict[str, str], quoted: bool) -> None:
    def written(value: str) -> str:
        simple = value and not any(c.isspace() or c == '"' for c in value)
        return value if simple and not quoted else '"' + value.replace('"', '\\"') + '"'

    fields = parse_keyvalue(" ".join(f"{k}={written(v)}" for k, v in pairs.items()))
    assert {k: fields[f"kv.{k}"] for k in pairs} == pairs


@fuzz(200)
@given(
    st.lists(st.text(max_size=10), min_size=6, max_size=6),
    st.dictionaries(KEY, st.text("abc xyz:/.-", max_size=12).map(str.strip).filter(bool), max_size=5),
)
def test_cef_header_and_extensions_are_read_back(header: list[str], extensions: dict[str, str]) -> None:
    escaped = [part.replace("\\", "\\\\").replace("|", "\\|") for part in header]
    parsed = parse_cef(
        "CEF:0|" + "|".join(escaped) + "|" + " ".join(f"{k}={v}" for k, v in extensions.items())
    )
    assert parsed is not None
    assert [parsed[n] for n in ("observer.vendor", "observer.product", "observer.version")] == header[:3]
    assert [parsed[n] for n in ("event.code", "rule.name", "event.severity")] == header[3:]
    values = [v for k, v in parsed.items() if k.startswith("cef.extensions.")]
    assert all(v in extensions.values() for v in values)


@fuzz(300)
@given(windows_documents)
@example({"winlog": [1], "host": "pc1"})
@example({"winlog": {"event_data": "x"}})
def test_windows_documents_of_any_shape_are_mapped(document: dict[str, Any]) -> None:
    fields = parse_windows(document)
    assert fields["observer.product"] == "Windows" and isinstance(fields["event.code"], str)


@fuzz(200)
@given(json_values)
def test_json_that_is_not_an_object_is_kept_and_flagged(value: Any) -> None:
    raw = json.dumps(value).encode()
    event = parse_line(raw, received=RECEIVED, zone=PARIS)
    assert_kept_and_storable(event, raw)
    if not isinstance(value, dict) and raw.startswith((b"{", b"[")):
        assert "event.parse_error" in event
