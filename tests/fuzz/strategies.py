"""Inputs shaped like what senders really send (syslog headers, CEF, key=value, filterlog, Windows JSON), so
that the fuzzers reach past the first `if` of each parser; raw bytes cover the rest."""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import strategies as st

WORD = string.ascii_letters + string.digits + "_.-"
TOKEN = st.text(WORD, min_size=1, max_size=12)
KEY = st.builds(
    lambda head, tail: head + tail, st.sampled_from(string.ascii_letters + "_"), st.text(WORD, max_size=10)
)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()  # unbounded: 2**70 is valid JSON, and the store's encoder refuses it
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
windows_documents = st.one_of(
    st.fixed_dictionaries(
        {"winlog": json_values | st.fixed_dictionaries({"event_id": json_values, "event_data": json_values})},
        optional={"host": json_values, "message": json_values, "@timestamp": json_values},
    ),
    st.fixed_dictionaries(
        {"EventID": json_values},
        optional={
            "EventTime": json_values | st.datetimes().map(lambda d: d.isoformat(sep=" ")),
            "Hostname": json_values,
            "Message": json_values,
            "TargetUserName": json_values,
            "IpAddress": json_values,
        },
    ),
    st.dictionaries(st.sampled_from(["event", "message", "@timestamp", "event.original", "a"]), json_values),
)


def _pri(value: int | None) -> str:
    return "" if value is None else f"<{value}>"


priorities = st.one_of(st.none(), st.integers(0, 191), st.integers(192, 999))
times_5424 = st.one_of(
    st.just("-"), st.datetimes(timezones=st.just(None)).map(lambda d: d.isoformat() + "Z"), TOKEN
)


def _sd_value(value: str) -> str:
    """A structured-data parameter value with its three escapes (RFC 5424 section 6.3.3)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


structured_data = st.one_of(
    st.just("-"),
    st.lists(
        st.tuples(TOKEN, st.lists(st.tuples(TOKEN, st.text(max_size=10)), max_size=3)), min_size=1, max_size=3
    ).map(
        lambda elements: "".join(
            f"[{sd_id}" + "".join(f' {k}="{_sd_value(v)}"' for k, v in params) + "]"
            for sd_id, params in elements
        )
    ),
)
headers = st.one_of(
    st.just(""),
    st.builds(
        lambda ts, host, app, pid, msgid, sd: f"1 {ts} {host} {app} {pid} {msgid} {sd} ",
        times_5424,
        TOKEN | st.just("-"),
        TOKEN | st.just("-"),
        TOKEN | st.just("-"),
        TOKEN | st.just("-"),
        structured_data,
    ),
    st.builds(
        lambda month, day, clock, host, tag, pid, colon: (
            f"{month} {day:>2} {clock} {host} {tag}{f'[{pid}]' if pid else ''}{':' if colon else ''} "
        ),
        st.sampled_from("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec Foo".split()),
        st.integers(0, 39),
        st.times().map(lambda t: t.strftime("%H:%M:%S")),
        TOKEN,
        TOKEN | st.just("filterlog"),
        st.none() | st.integers(0, 99999),
        st.booleans(),
    ),
)
cef_bodies = st.builds(
    lambda head, ext: (
        "CEF:0|" + "|".join(h.replace("\\", "\\\\").replace("|", "\\|") for h in head) + "|" + ext
    ),
    st.lists(st.text(max_size=10), min_size=6, max_size=6),
    st.lists(st.tuples(KEY, st.text(max_size=12)), max_size=5).map(
        lambda pairs: " ".join(f"{k}={v}" for k, v in pairs)
    ),
)
FIREWALL_KEYS = ["srcip", "dstport", "devid", "logid", "devname", "date", "time", "tz", "id", "fw", "action"]
keyvalue_bodies = st.lists(
    st.tuples(st.sampled_from(FIREWALL_KEYS) | KEY, st.text(max_size=12).map(json.dumps) | TOKEN),
    min_size=3,
    max_size=10,
).map(lambda pairs: " ".join(f"{k}={v}" for k, v in pairs))
FILTERLOG_COLUMNS = ["4", "6", "tcp", "udp", "in", "out", "block", "pass", "", "1.2.3.4", "80"]
filterlog_bodies = st.lists(st.sampled_from(FILTERLOG_COLUMNS), max_size=30).map(",".join)
json_bodies = st.one_of(windows_documents, st.dictionaries(st.text(max_size=8), json_values)).map(json.dumps)
bodies = st.one_of(cef_bodies, keyvalue_bodies, filterlog_bodies, json_bodies, st.text(max_size=200))

syslog_lines = st.builds(
    lambda pri, header, body: (_pri(pri) + header + body).encode(), priorities, headers, bodies
)
