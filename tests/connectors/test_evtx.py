"""`.evtx` import: a real Windows Security log (tests/data/evtx) read into the events the listener makes of
the same records shipped as JSON lines, raw kept; damaged files and chunks reported, the rest imported; and
`ght-soc import-evtx` storing them for an establishment with the Sigma rules run on them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from connectors.evtx import (
    CHUNK_BYTES,
    FILE_HEADER_BYTES,
    EvtxFileError,
    EvtxProblem,
    EvtxRecord,
    count_records,
    read_evtx,
    winlogbeat_shape,
)
from connectors.syslog.parse import parse_line
from ght_soc.cli import main
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET

SAMPLE = Path(__file__).parents[1] / "data" / "evtx" / "new-user-security.evtx"
IMPORTED_AT = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)
ADMINISTRATORS = "S-1-5-32-544"


def records(path: Path) -> list[EvtxRecord | EvtxProblem]:
    return list(read_evtx(path, imported_at=IMPORTED_AT))


def damaged_copy(tmp_path: Path, *, extra_bad_chunk: bool) -> Path:
    """The sample with its only chunk's records overwritten, or with a damaged copy of it appended."""
    data = bytearray(SAMPLE.read_bytes())
    bad_chunk = bytearray(data[FILE_HEADER_BYTES : FILE_HEADER_BYTES + CHUNK_BYTES])
    bad_chunk[812:852] = b"A" * 40  # inside the first record's XML template
    target = tmp_path / ("appended.evtx" if extra_bad_chunk else "damaged.evtx")
    if extra_bad_chunk:
        target.write_bytes(bytes(data) + bytes(bad_chunk))
    else:
        target.write_bytes(bytes(data[:FILE_HEADER_BYTES] + bad_chunk))
    return target


def test_each_record_becomes_a_windows_event() -> None:
    found = records(SAMPLE)
    assert all(isinstance(r, EvtxRecord) for r in found)
    table = [
        (
            r.record_id,
            r.fields["event.code"],
            r.fields["user.name"],
            r.fields["winlog.event_data.TargetSid"][-4:],
        )
        for r in found
        if isinstance(r, EvtxRecord)
    ]
    assert table == [
        (1, "4728", "None", "-513"),
        (2, "4720", "IEUser", "1000"),
        (3, "4732", "Users", "-545"),
        (4, "4732", "Administrators", "-544"),
    ]
    first = found[0]
    assert isinstance(first, EvtxRecord)
    assert (
        first.fields["@timestamp"] == "2013-10-23T16:22:39.973500Z"
    )  # the record's own time, even years old
    assert (first.fields["host.name"], first.fields["winlog.channel"]) == ("IE8Win7", "Security")
    assert first.fields["winlog.provider_name"] == "Microsoft-Windows-Security-Auditing"
    assert first.fields["event.created"] == IMPORTED_AT.isoformat()
    assert count_records(SAMPLE) == 4


def test_the_raw_record_is_kept() -> None:
    for record in records(SAMPLE):
        assert isinstance(record, EvtxRecord)
        original = json.loads(record.fields["event.original"])
        assert original["Event"]["System"]["EventRecordID"] == record.fields["winlog.record_id"]


def test_fields_match_what_the_listener_makes_of_the_same_record_as_a_json_line() -> None:
    for record in records(SAMPLE):
        assert isinstance(record, EvtxRecord)
        event = json.loads(record.fields["event.original"])["Event"]
        line = json.dumps(winlogbeat_shape(event)).encode()
        live = parse_line(line, received=IMPORTED_AT, zone=UTC)
        shared = {k for k in live if k.startswith(("winlog.", "user.", "source.", "observer.", "event.code"))}
        assert shared and {k: record.fields[k] for k in shared} == {k: live[k] for k in shared}
        assert record.fields["message"] == live["message"] and record.fields["host.name"] == live["host.name"]


def test_a_damaged_chunk_is_reported_and_the_good_one_still_read(tmp_path: Path) -> None:
    found = records(damaged_copy(tmp_path, extra_bad_chunk=True))
    assert [r.record_id for r in found if isinstance(r, EvtxRecord)] == [1, 2, 3, 4]
    [problem] = [r for r in found if isinstance(r, EvtxProblem)]
    assert "appended.evtx" in problem.message


@pytest.mark.parametrize(
    "content",
    [b"", b"not an event log at all" * 10, b"ElfFile\x00" + b"\x00" * 100],
    ids=["empty", "text", "cut"],
)
def test_a_file_that_is_not_evtx_raises_a_typed_error_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.evtx"
    path.write_bytes(content)
    with pytest.raises(EvtxFileError, match="bad.evtx"):
        records(path)


def test_a_missing_file_raises_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(EvtxFileError):
        records(tmp_path / "absent.evtx")


# -- ght-soc import-evtx ---------------------------------------------------------------------------------------


@pytest.fixture()
def hub(tmp_cwd: Path) -> dict[str, str]:
    """A hub initialised in a temporary folder (its event store is instance/events.db there)."""
    env = {
        "GHT_SOC_SECRET_KEY": TEST_SECRET,
        "GHT_SOC_DATABASE_URL": f"sqlite:///{tmp_cwd}/hub.db",
        "GHT_SOC_CONFIG": str(EXAMPLE_CONFIG),
    }
    result = CliRunner().invoke(main, ["init"], env=env)
    assert result.exit_code == 0, result.output
    return env


def stored_events(tmp_cwd: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(tmp_cwd / "instance" / "events.db") as store:
        rows = store.execute("SELECT doc, establishment_id FROM events ORDER BY id").fetchall()
    return [(json.loads(doc)["event.code"], establishment_id) for doc, establishment_id in rows]


def alert_titles(env: dict[str, str]) -> list[str]:
    engine = create_engine(env["GHT_SOC_DATABASE_URL"])
    with engine.connect() as connection:
        titles = connection.execute(text("SELECT title FROM alert ORDER BY title")).scalars().all()
    engine.dispose()
    return list(titles)


def test_import_stores_the_events_for_the_establishment_and_runs_the_rules(
    hub: dict[str, str], tmp_cwd: Path
) -> None:
    result = CliRunner().invoke(
        main, ["import-evtx", "--establishment", "ch-vendome-demo", str(SAMPLE)], env=hub
    )
    assert result.exit_code == 0, result.output
    assert "4 événement(s) importé(s) pour ch-vendome-demo, erreurs de lecture : 0" in result.output
    events = stored_events(tmp_cwd)
    assert [code for code, _ in events] == ["4728", "4720", "4732", "4732"]
    assert len({establishment for _, establishment in events}) == 1 and events[0][1] is not None
    titles = alert_titles(hub)
    assert "Compte utilisateur créé" in titles
    assert any(title.startswith("Membre ajouté à un groupe privilégié") for title in titles)


def test_import_goes_on_past_a_damaged_file_and_says_so(hub: dict[str, str], tmp_cwd: Path) -> None:
    damaged = damaged_copy(tmp_cwd, extra_bad_chunk=False)
    not_evtx = tmp_cwd / "notes.evtx"
    not_evtx.write_text("not an event log")
    good = tmp_cwd / "good.evtx"
    shutil.copy(SAMPLE, good)
    result = CliRunner().invoke(
        main,
        ["import-evtx", "--establishment", "ch-vendome-demo", str(damaged), str(not_evtx), str(good)],
        env=hub,
    )
    assert result.exit_code == 1
    assert "illisible : damaged.evtx" in result.output and "fichier ignoré" in result.output
    assert "notes.evtx" in result.output
    assert "4 événement(s) importé(s) pour ch-vendome-demo, erreurs de lecture : 2" in result.output
    assert len(stored_events(tmp_cwd)) == 4


def test_import_refuses_an_unknown_establishment_and_lists_the_known_ones(hub: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["import-evtx", "--establishment", "nowhere", str(SAMPLE)], env=hub)
    assert result.exit_code == 2
    assert "Établissement inconnu : nowhere" in result.output and "ch-vendome-demo" in result.output
