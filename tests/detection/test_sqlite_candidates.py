"""Correlations read their candidates' copied values, and find what they would find over the stored events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ght_soc.detection.rules import load_rules
from ght_soc.detection.sqlite_candidates import WINDOW_TABLE
from ght_soc.detection.sqlite_engine import SqliteDetector, compile_rules
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.resources import bundled_config_path

T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
# Two named rules an event can both match (an administrator's failed logon), counted together, and a temporal
# correlation over two others: the shapes whose searches list an event once per rule.
EXTRA_RULES = """\
title: Failed logon
name: c_failed
logsource: {product: windows, service: security}
detection: {selection: {EventID: 4625}, condition: selection}
---
title: Failed administrator logon
name: c_admin
logsource: {product: windows, service: security}
detection: {selection: {EventID: 4625, TargetUserName: admin}, condition: selection}
---
title: Successful logon
name: c_success
logsource: {product: windows, service: security}
detection: {selection: {EventID: 4624}, condition: selection}
---
title: Failures counted by two rules
correlation: {type: event_count, rules: [c_failed, c_admin], group-by: [IpAddress], timespan: 3m,
              condition: {gte: 2}}
level: high
---
title: Failure then success
correlation: {type: temporal, rules: [c_failed, c_success], group-by: [IpAddress], timespan: 2m}
level: high
"""


def logon(code: int, second: float, user: str, ip: str, establishment_id: int = 1) -> dict[str, object]:
    return {
        "@timestamp": (T0 + timedelta(seconds=second)).isoformat(),
        "establishment_id": establishment_id,
        "event.code": str(code),
        "host.name": "DC01" if int(second) % 2 else "dc01",  # one host, two spellings (NOCASE columns)
        "source.ip": ip,
        "user.name": user,
        "message": f"logon {code}",
    }


@pytest.fixture()
def detector(tmp_path: Path) -> Iterator[SqliteDetector]:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "extra.yml").write_text(EXTRA_RULES, encoding="utf-8")
    compiled, errors = compile_rules(load_rules([bundled_config_path("rules"), folder]))
    assert not errors
    store = SqliteEventStore(tmp_path / "events.db")
    yield SqliteDetector(store, compiled)
    store.close()


def over_stored_events(detector: SqliteDetector, since: int) -> dict[str, list[dict[str, object]]]:
    """Each correlation's query over every stored event of its timespan: what its candidates must give."""
    stored = "(SELECT * FROM events WHERE ts >= :since ORDER BY id)"
    found = {}
    for rule in detector.rules:
        if rule.window is not None:
            start = since - rule.window // timedelta(microseconds=1)
            found[rule.rule_id] = detector.store.query(
                rule.sql.replace(WINDOW_TABLE, stored), {"since": start}
            )
    return found


def test_correlations_over_their_candidates_find_what_the_stored_events_give(
    detector: SqliteDetector,
) -> None:
    batches = [
        [logon(4625, s, "admin", "203.0.113.5") for s in range(0, 12, 2)]
        + [logon(4625, s, f"user{s}", "198.51.100.9") for s in range(12)],
        # Lockouts arriving in the reverse order of their times, the host spelt both ways: the group's spelling
        # is the one the events' order gives.
        [logon(4624, 30, "admin", "203.0.113.5")]
        + [logon(4740, 40 - n, f"user{n}", "10.0.0.1") for n in range(6)],
        [logon(4625, 200 + s, "ADMIN", "203.0.113.5", 2) for s in range(4)],  # later: part of the window left
    ]
    reported = 0
    for batch in batches:
        written = detector.store.append(batch)
        detections = detector.evaluate(written)
        expected = over_stored_events(detector, written.first_ts)
        for rule in detector.rules:
            if rule.window is None:
                continue
            mine = sorted(
                (d.establishment_id, d.group, d.count) for d in detections if d.rule_id == rule.rule_id
            )
            theirs = sorted(
                (
                    row["establishment_id"],
                    tuple((name, str(row[name])) for name in rule.group_by if name != "establishment_id"),
                    int(row.get("event_count") or row.get("value_count") or row.get("rule_count") or 1),
                )
                for row in expected[rule.rule_id]
            )
            assert mine == theirs, rule.title
            reported += len(mine)
    assert reported >= 5  # the batches do make the correlations fire


def test_candidates_written_by_an_older_hub_get_their_values_from_the_events(tmp_path: Path) -> None:
    store = SqliteEventStore(tmp_path / "events.db")
    # The table as an older hub left it: ids and times only, its correlations read the events back.
    store.execute_script(
        "CREATE TABLE correlation_candidates (rule_id TEXT NOT NULL, event_id INTEGER NOT NULL, ts INTEGER NOT NULL);"
    )
    compiled, errors = compile_rules(load_rules([bundled_config_path("rules")]))
    assert not errors
    (brute_force,) = [
        rule for rule in compiled if rule.title.startswith("Force brute sur des comptes Windows")
    ]
    before = store.append([logon(4625, n, "admin", "203.0.113.5") for n in range(6)])
    store.execute(
        "INSERT INTO correlation_candidates (rule_id, event_id, ts) SELECT :rule_id, id, ts FROM events",
        {"rule_id": brute_force.rule_id},
    )
    detector = SqliteDetector(store, compiled)
    after = store.append([logon(4625, 10 + n, "admin", "203.0.113.5") for n in range(5)])
    assert after.first_ts > before.first_ts
    (found,) = [d for d in detector.evaluate(after) if d.rule_id == brute_force.rule_id]
    assert found.count == 11 and dict(found.group) == {"source.ip": "203.0.113.5"}
    store.close()
