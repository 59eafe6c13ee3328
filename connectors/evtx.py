"""Windows `.evtx` files read into the same events as Windows JSON lines (connectors/syslog/windows.py).

The on-call engineer's forensic path: a member site hands over the Security log of a server, `ght-soc
import-evtx` stores it for that establishment and the Sigma rules run on it as on events received live.
Each record (pyevtx-rs's JSON, `{"Event": {"System": {...}, "EventData": {...}}}`) is reshaped as Winlogbeat
ships it and mapped by `parse_windows`; the record's JSON is kept as `event.original`.

Unlike a live line, an old record keeps its own time as `@timestamp` (importing last year's log is the
point). A record or chunk the parser cannot read is reported as an `EvtxProblem` and reading goes on.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from evtx import PyEvtxParser

from connectors.syslog.windows import parse_windows

LISTENER = "import-evtx"  # `observer.ingress.listener` of imported events, as a port's name for live ones


class EvtxFileError(Exception):
    """The file cannot be opened as EVTX at all (missing, unreadable, not an EVTX file)."""


@dataclass(frozen=True)
class EvtxProblem:
    """A record (or a whole chunk of records) that could not be read; the reader goes on after it."""

    message: str


@dataclass(frozen=True)
class EvtxRecord:
    """One record: its number in the file (pyevtx-rs's `event_record_id`) and the event's fields."""

    record_id: int
    fields: dict[str, Any]


FILE_HEADER_BYTES = 4096
CHUNK_BYTES = 65536
_CHUNK_MAGIC = b"ElfChnk\x00"


def count_records(path: Path) -> int:
    """How many records the file announces, from its chunk headers (for a progress bar; no record is parsed).

    Each 64 KiB chunk header gives its first and last record identifiers; a chunk whose header is damaged
    counts for nothing here (reading it reports the problem).
    """
    total = 0
    try:
        with path.open("rb") as file:
            file.seek(FILE_HEADER_BYTES)
            while header := file.read(40):
                if len(header) == 40 and header[:8] == _CHUNK_MAGIC:
                    first, last = struct.unpack_from("<QQ", header, 24)
                    total += last - first + 1 if 0 < first <= last < first + CHUNK_BYTES else 0
                file.seek(CHUNK_BYTES - len(header), io.SEEK_CUR)
    except OSError:
        return 0
    return total


def read_evtx(path: Path, *, imported_at: datetime) -> Iterator[EvtxRecord | EvtxProblem]:
    """Every record of the file as an event, or a problem where records cannot be read; raises
    EvtxFileError when the file is not EVTX."""
    try:
        records = PyEvtxParser(str(path), number_of_threads=1).records_json()
    except OSError as error:  # FileNotFoundError, PermissionError, and a bad file header
        raise EvtxFileError(f"{path} : {error.strerror or error}") from None
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except (RuntimeError, OSError, ValueError) as error:  # a chunk whose records do not parse
            yield EvtxProblem(f"{path.name} : {error}")
            continue
        if isinstance(record, dict):
            yield _record(record, path, imported_at)


def _record(record: dict[str, Any], path: Path, imported_at: datetime) -> EvtxRecord | EvtxProblem:
    raw = str(record.get("data", ""))
    try:
        document = json.loads(raw)
    except ValueError as error:
        return EvtxProblem(
            f"{path.name}, enregistrement {record.get('event_record_id')} : JSON illisible ({error})"
        )
    event = document.get("Event") if isinstance(document, dict) else None
    if not isinstance(event, dict) or not isinstance(event.get("System"), dict):
        return EvtxProblem(
            f"{path.name}, enregistrement {record.get('event_record_id')} : pas d'élément System"
        )
    fields = parse_windows(winlogbeat_shape(event))
    fields.update(
        {
            "event.original": raw,
            "event.created": imported_at.isoformat(),
            "event.module": "evtx",
            "log.file.path": str(path),
            "observer.ingress.listener": LISTENER,
        }
    )
    record_id = _int(record.get("event_record_id"))
    # Windows' own EventRecordID, as Winlogbeat and NXLog ship it; the file's record number when absent.
    windows_id = _int(_text(event["System"].get("EventRecordID")))
    if windows_id is not None or record_id is not None:
        fields["winlog.record_id"] = windows_id if windows_id is not None else record_id
    if "@timestamp" not in fields:  # a record without TimeCreated: pyevtx-rs's own stamp
        fields["@timestamp"] = str(record.get("timestamp") or imported_at.isoformat())
    return EvtxRecord(record_id=record_id or 0, fields=fields)


def winlogbeat_shape(event: dict[str, Any]) -> dict[str, Any]:
    """An EVTX `Event` element as Winlogbeat ships it (`winlog.*`), for `parse_windows`."""
    system: dict[str, Any] = event["System"]
    provider = _attributes(system.get("Provider"))
    stamp = _attributes(system.get("TimeCreated")).get("SystemTime")
    winlog: dict[str, Any] = {
        "event_id": _text(system.get("EventID")),
        "channel": system.get("Channel"),
        "provider_name": provider.get("Name"),
        "computer_name": system.get("Computer"),
        "event_data": _event_data(event),
    }
    document: dict[str, Any] = {"winlog": winlog}
    if isinstance(stamp, str):
        document["@timestamp"] = stamp
    return document


def _event_data(event: dict[str, Any]) -> dict[str, Any]:
    """Named `EventData` values; `UserData` (1102 log cleared...) holds one element whose children are the data."""
    data = event.get("EventData")
    if data is None and isinstance(event.get("UserData"), dict):
        inner = [value for value in event["UserData"].values() if isinstance(value, dict)]
        data = inner[0] if len(inner) == 1 else event["UserData"]
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if key != "#attributes"}


def _attributes(element: Any) -> dict[str, Any]:
    attributes = element.get("#attributes") if isinstance(element, dict) else None
    return attributes if isinstance(attributes, dict) else {}


def _text(value: Any) -> Any:
    """`4625`, or `{"#attributes": {"Qualifiers": 0}, "#text": 4625}` when the element has attributes."""
    return value.get("#text") if isinstance(value, dict) else value


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
