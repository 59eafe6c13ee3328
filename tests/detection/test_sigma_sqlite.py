"""Sigma rules, unchanged, evaluated incrementally on the embedded store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ght_soc.detection.rules import load_rules
from ght_soc.detection.sqlite_engine import SqliteDetector, compile_rules
from ght_soc.domain import AlertSeverity
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.resources import bundled_config_path

SHIPPED_RULES = bundled_config_path("rules")
T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def windows_event(code: int, minute: float, establishment_id: int = 1, **data: object) -> dict[str, object]:
    return {
        "@timestamp": (T0 + timedelta(minutes=minute)).isoformat(),
        "establishment_id": establishment_id,
        "event.code": str(code),
        "host.name": "dc01.chu.local",
        "message": f"Windows event {code}",
        **data,
    }


@pytest.fixture()
def detector(tmp_path: Path) -> Iterator[SqliteDetector]:
    rule_set = load_rules([SHIPPED_RULES])
    assert rule_set.errors == ()
    compiled, errors = compile_rules(rule_set)
    assert errors == []
    store = SqliteEventStore(tmp_path / "events.db")
    yield SqliteDetector(store, compiled)
    store.close()


def titles(detections: list) -> list[str]:
    return sorted(d.title for d in detections)


def test_the_shipped_rules_load_and_compile() -> None:
    rule_set = load_rules([SHIPPED_RULES])
    compiled, errors = compile_rules(rule_set)
    assert not rule_set.errors and not errors
    assert len(compiled) >= 10


def test_a_plain_rule_matches_only_the_new_batch(detector: SqliteDetector) -> None:
    store = detector._store  # noqa: SLF001 - the test writes the batches the listener would
    first = store.append([windows_event(1102, 0), windows_event(4624, 0, LogonType="3")])
    (cleared,) = detector.evaluate(first)
    assert cleared.title == "Journal de sécurité Windows effacé"
    assert cleared.severity is AlertSeverity.HIGH and cleared.count == 1 and cleared.establishment_id == 1
    second = store.append([windows_event(4624, 1, LogonType="3")])
    assert detector.evaluate(second) == []


def test_a_privileged_group_is_recognised_by_its_rid_not_its_name(detector: SqliteDetector) -> None:
    batch = detector._store.append(  # noqa: SLF001
        [
            windows_event(
                4728,
                0,
                **{"winlog.event_data.TargetSid": "S-1-5-21-1-2-3-512", "group.name": "Admins du domaine"},
            ),
            windows_event(
                4728,
                0,
                **{"winlog.event_data.TargetSid": "S-1-5-21-1-2-3-1105", "group.name": "Comptabilité"},
            ),
        ]
    )
    (added,) = detector.evaluate(batch)
    assert added.title.startswith("Membre ajouté à un groupe privilégié") and added.count == 1


def test_a_burst_of_failed_logons_is_one_brute_force_per_source_and_establishment(
    detector: SqliteDetector,
) -> None:
    store = detector._store  # noqa: SLF001
    burst = [
        windows_event(4625, n / 10, **{"source.ip": "203.0.113.5", "user.name": "admin"}) for n in range(12)
    ]
    elsewhere = [
        windows_event(4625, n / 10, 2, **{"source.ip": "203.0.113.5", "user.name": "admin"}) for n in range(3)
    ]
    detections = detector.evaluate(store.append(burst + elsewhere))
    brute = [d for d in detections if d.title.startswith("Force brute")]
    assert len(brute) == 1
    assert brute[0].establishment_id == 1 and brute[0].count == 12
    assert dict(brute[0].group) == {"source.ip": "203.0.113.5"}
    # the base rule only feeds the correlations: no alert per failed logon
    assert not [d for d in detections if d.title.startswith("Échec d'ouverture")]


def test_password_spraying_counts_distinct_accounts(detector: SqliteDetector) -> None:
    store = detector._store  # noqa: SLF001
    spray = [
        windows_event(4625, n / 5, **{"source.ip": "198.51.100.9", "user.name": f"user{n}"})
        for n in range(11)
    ]
    detections = detector.evaluate(store.append(spray))
    assert [d.title.split(" (")[0] for d in detections if "Pulvérisation" in d.title] == [
        "Pulvérisation de mots de passe"
    ]


def test_rdp_from_outside_uses_cidr_filters(detector: SqliteDetector) -> None:
    store = detector._store  # noqa: SLF001
    inside = windows_event(4624, 0, **{"winlog.event_data.LogonType": "10", "source.ip": "10.37.1.20"})
    outside = windows_event(4624, 0, **{"winlog.event_data.LogonType": "10", "source.ip": "185.220.101.4"})
    found = detector.evaluate(store.append([inside, outside]))
    assert titles(found) == ["Ouverture de session RDP depuis une adresse extérieure"]


def test_a_broken_rule_file_is_named_with_its_line_and_the_others_still_load(tmp_path: Path) -> None:
    good = tmp_path / "good.yml"
    good.write_text((SHIPPED_RULES / "windows_tampering.yml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "broken.yml").write_text(
        "title: ok\nlogsource: {product: windows}\ndetection: {sel: {EventID: 1}, condition: sel}\n---\n"
        "title: no detection\nlogsource: {product: windows}\n",
        encoding="utf-8",
    )
    (tmp_path / "not_yaml.yml").write_text("title: [unclosed\n", encoding="utf-8")
    rule_set = load_rules([tmp_path])
    assert len(rule_set.rules) == 4  # three good ones and the first document of broken.yml
    messages = sorted(str(e) for e in rule_set.errors)
    assert any(m.startswith(f"{tmp_path / 'broken.yml'}:5:") for m in messages), messages
    assert any(m.startswith(f"{tmp_path / 'not_yaml.yml'}:") and "YAML" in m for m in messages), messages


def test_a_rule_that_fails_at_run_time_does_not_stop_the_others(detector: SqliteDetector) -> None:
    from dataclasses import replace

    broken = replace(detector.rules[0], rule_id="broken", sql="SELECT * FROM no_such_table")
    detector._rules.insert(0, broken)  # noqa: SLF001 - a rule that compiled but cannot run
    found = detector.evaluate(detector._store.append([windows_event(1102, 0)]))  # noqa: SLF001
    assert [d.title for d in found] == ["Journal de sécurité Windows effacé"]
    assert "no such table" in detector.failures["broken"]


def test_a_temporal_correlation_needs_both_rules_within_the_timespan(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "temporal.yml").write_text(
        "title: Failed logon\nname: t_failed\nlogsource: {product: windows, service: security}\n"
        "detection: {selection: {EventID: 4625}, condition: selection}\n---\n"
        "title: Successful logon\nname: t_success\nlogsource: {product: windows, service: security}\n"
        "detection: {selection: {EventID: 4624}, condition: selection}\n---\n"
        "title: Échec puis succès depuis la même adresse\ncorrelation:\n  type: temporal\n"
        "  rules: [t_failed, t_success]\n  group-by: [IpAddress]\n  timespan: 5m\nlevel: high\n",
        encoding="utf-8",
    )
    compiled, errors = compile_rules(load_rules([folder]))
    assert not errors
    store = SqliteEventStore(tmp_path / "events.db")
    detector = SqliteDetector(store, compiled)
    ip = {"source.ip": "203.0.113.8"}
    assert detector.evaluate(store.append([windows_event(4625, 0, **ip)])) == []
    assert (
        detector.evaluate(store.append([windows_event(4624, 20, **ip)])) == []
    )  # 20 minutes later: too late
    (found,) = detector.evaluate(store.append([windows_event(4625, 21, **ip), windows_event(4624, 22, **ip)]))
    assert found.title == "Échec puis succès depuis la même adresse" and dict(found.group) == ip
    store.close()
