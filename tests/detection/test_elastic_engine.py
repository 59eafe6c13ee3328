"""Sigma on Elasticsearch: Lucene queries, correlation aggregations and their reading, as data; live when a
server is given (GHT_SOC_TEST_ES_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ght_soc.detection.elastic_engine import (
    ElasticDetector,
    LuceneRule,
    batch_detections,
    batch_search,
    compile_lucene,
    correlation_detections,
    correlation_search,
)
from ght_soc.detection.rules import load_rules
from ght_soc.domain import AlertSeverity
from ght_soc.resources import bundled_config_path

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def rules() -> dict[str, LuceneRule]:
    compiled, errors = compile_lucene(load_rules([bundled_config_path("rules")]))
    assert errors == []
    return {rule.title: rule for rule in compiled}


def test_every_shipped_rule_compiles_to_lucene_on_our_field_names(rules: dict[str, LuceneRule]) -> None:
    assert len(rules) >= 25
    assert rules["Journal de sécurité Windows effacé"].query == "event.code:1102"
    rdp = rules["Ouverture de session RDP depuis une adresse extérieure"].query
    assert "winlog.event_data.LogonType:10" in rdp and "source.ip" in rdp


def test_a_brute_force_is_an_aggregation_per_establishment_and_source(rules: dict[str, LuceneRule]) -> None:
    rule = next(r for title, r in rules.items() if title.startswith("Force brute sur des comptes Windows"))
    assert rule.correlation is not None and rule.correlation.group_by == ("source.ip",)
    body = correlation_search(rule, NOW - rule.correlation.window)
    sources = body["aggs"]["groups"]["composite"]["sources"]
    assert [next(iter(s)) for s in sources] == ["establishment_id", "g0"]
    assert sources[1]["g0"]["terms"]["field"] == "source.ip"
    assert body["query"]["bool"]["filter"][1] == {
        "range": {"@timestamp": {"gte": "2026-11-22T02:55:00+00:00"}}
    }


def test_aggregation_buckets_become_detections_only_over_the_threshold(rules: dict[str, LuceneRule]) -> None:
    spray = next(r for title, r in rules.items() if title.startswith("Pulvérisation de mots de passe"))
    assert "distinct" in correlation_search(spray, NOW)["aggs"]["groups"]["aggs"]
    first, last = NOW.timestamp() * 1000, NOW.timestamp() * 1000 + 60_000
    buckets = [
        {
            "key": {"establishment_id": 3, "g0": "203.0.113.5"},
            "doc_count": 40,
            "distinct": {"value": 12},
            "first": {"value": first},
            "last": {"value": last},
        },
        {
            "key": {"establishment_id": 4, "g0": "198.51.100.1"},
            "doc_count": 40,
            "distinct": {"value": 2},
            "first": {"value": first},
            "last": {"value": last},
        },
    ]
    (found,) = correlation_detections(spray, buckets)
    assert (found.establishment_id, found.count, dict(found.group)) == (3, 12, {"source.ip": "203.0.113.5"})
    assert found.indicators == (("source.ip", "203.0.113.5"),) and found.last_seen == NOW + timedelta(
        minutes=1
    )


def test_a_plain_rule_searches_only_the_batch_and_groups_hits_by_establishment(rules) -> None:
    rule = rules["Journal de sécurité Windows effacé"]
    body = batch_search(rule, ["a", "b"])
    assert {"terms": {"event.id": ["a", "b"]}} in body["query"]["bool"]["filter"]
    hits = [
        {"_source": {"event.id": "a", "@timestamp": "2026-11-22T03:00:00+00:00", "establishment_id": 1}},
        {"_source": {"event.id": "b", "@timestamp": "2026-11-22T03:01:00+00:00", "establishment_id": 2}},
    ]
    found = sorted(batch_detections(rule, hits), key=lambda d: d.establishment_id or 0)
    assert [(d.establishment_id, d.event_ids, d.severity) for d in found] == [
        (1, ("a",), AlertSeverity.HIGH),
        (2, ("b",), AlertSeverity.HIGH),
    ]


ES_URL = os.environ.get("GHT_SOC_TEST_ES_URL")


@pytest.fixture()
def live_detector(rules: dict[str, LuceneRule]) -> Iterator[ElasticDetector]:
    if not ES_URL:
        pytest.skip("no Elasticsearch server: set GHT_SOC_TEST_ES_URL to run the live detection test")
    from elasticsearch import Elasticsearch

    from ght_soc.events.elastic_store import ElasticEventStore

    prefix = f"ght-soc-test-{uuid.uuid4().hex[:8]}"
    client = Elasticsearch(ES_URL)
    store = ElasticEventStore(client, prefix=prefix)
    store.setup()
    yield ElasticDetector(store, list(rules.values()))
    client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
    client.indices.delete_index_template(name=prefix)
    store.close()


def test_live_a_burst_of_failed_logons_and_a_cleared_log(live_detector: ElasticDetector) -> None:
    now = datetime.now(UTC)
    events = [
        {
            "@timestamp": now.isoformat(),
            "establishment_id": 1,
            "event.code": "4625",
            "source.ip": "203.0.113.5",
            "user.name": f"user{n}",
        }
        for n in range(12)
    ]
    events.append({"@timestamp": now.isoformat(), "establishment_id": 2, "event.code": "1102"})
    stored, detections = live_detector.store_and_detect(events)
    assert stored == 13
    titles = sorted(d.title.split(" (")[0] for d in detections)
    assert titles == [
        "Force brute sur des comptes Windows",
        "Journal de sécurité Windows effacé",
        "Pulvérisation de mots de passe",
    ]


def test_a_temporal_correlation_asks_which_named_rules_matched_per_group_and_needs_all(
    tmp_path: Path,
) -> None:
    (tmp_path / "temporal.yml").write_text(
        "title: Failed logon\nname: t_failed\nlogsource: {product: windows, service: security}\n"
        "detection: {selection: {EventID: 4625}, condition: selection}\n---\n"
        "title: Successful logon\nname: t_success\nlogsource: {product: windows, service: security}\n"
        "detection: {selection: {EventID: 4624}, condition: selection}\n---\n"
        "title: Échec puis succès depuis la même adresse\ncorrelation:\n  type: temporal\n"
        "  rules: [t_failed, t_success]\n  group-by: [IpAddress]\n  timespan: 5m\nlevel: high\n",
        encoding="utf-8",
    )
    compiled, errors = compile_lucene(load_rules([tmp_path]))
    assert not errors
    (temporal,) = [r for r in compiled if r.correlation is not None]
    assert temporal.correlation is not None and temporal.correlation.group_by == ("source.ip",)
    filters = correlation_search(temporal, NOW)["aggs"]["groups"]["aggs"]["rules"]["filters"]["filters"]
    assert [f["query_string"]["query"] for f in filters.values()] == [
        "(event.code:4625)",
        "(event.code:4624)",
    ]
    at = NOW.timestamp() * 1000

    def bucket(ip: str, failed: int, succeeded: int) -> dict[str, object]:
        return {
            "key": {"establishment_id": 3, "g0": ip},
            "doc_count": failed + succeeded,
            "rules": {"buckets": {"r0": {"doc_count": failed}, "r1": {"doc_count": succeeded}}},
            "first": {"value": at},
            "last": {"value": at},
        }

    (found,) = correlation_detections(temporal, [bucket("203.0.113.8", 5, 1), bucket("198.51.100.2", 9, 0)])
    assert dict(found.group) == {"source.ip": "203.0.113.8"} and found.count == 2
