"""Sigma rules on the Elasticsearch store: Lucene queries from pySigma, correlations as aggregations.

Plain rules are searched in the batch just written (by its event ids, one multi-search per batch).
pySigma's Lucene backend has no correlations, so each one becomes a composite aggregation over its
timespan, built from the correlation's own definition: its base rule's query, its group-by (plus the
establishment), and a count or a distinct-value count compared to its threshold. Request bodies are pure
functions, tested as data; they run against a real server when one is configured.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from sigma.backends.elasticsearch.elasticsearch_lucene import LuceneBackend
from sigma.correlations import SigmaCorrelationCondition, SigmaCorrelationRule, SigmaCorrelationType
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from ght_soc.detection.detections import (
    SEVERITIES,
    Detection,
    MatchedEvent,
    detection_indicators,
    plain_detections,
)
from ght_soc.detection.pipeline import NETWORK_FIELDS, WINDOWS_FIELDS, hub_pipeline
from ght_soc.detection.rules import RuleLoadError, RuleSet
from ght_soc.domain import AlertSeverity
from ght_soc.events.elastic_store import ElasticEventStore

log = logging.getLogger(__name__)
ESTABLISHMENT = "establishment_id"
MAX_BUCKETS = 1000
Operator = Literal["gte", "gt", "lte", "lt", "eq"]


@dataclass(frozen=True)
class CorrelationSpec:
    kind: Literal["event_count", "value_count", "temporal"]
    group_by: tuple[str, ...]  # our field names
    window: timedelta
    operator: Operator
    threshold: int
    field: str | None = None  # the field whose distinct values a value count counts
    # Temporal: the query of each rule named, all of which must match within the window in one group.
    rule_queries: tuple[str, ...] = ()

    def met(self, value: int) -> bool:
        return {
            "gte": value >= self.threshold,
            "gt": value > self.threshold,
            "lte": value <= self.threshold,
            "lt": value < self.threshold,
            "eq": value == self.threshold,
        }[self.operator]


@dataclass(frozen=True)
class LuceneRule:
    rule_id: str
    title: str
    severity: AlertSeverity
    query: str
    correlation: CorrelationSpec | None = None


def compile_lucene(rule_set: RuleSet) -> tuple[list[LuceneRule], list[RuleLoadError]]:
    backend = LuceneBackend(processing_pipeline=cast(Any, hub_pipeline("-")))
    compiled: list[LuceneRule] = []
    errors: list[RuleLoadError] = []
    for rule in rule_set.rules:
        try:
            if isinstance(rule, SigmaCorrelationRule):
                compiled.extend(_correlation(backend, rule))
            else:
                compiled.extend(_plain(rule, query) for query in backend.convert_rule(rule))
        except (SigmaError, ValueError) as error:
            errors.append(
                RuleLoadError(_path(rule), 0, f"{rule.title} : non compilable pour Elasticsearch : {error}")
            )
    return compiled, errors


def _plain(rule: SigmaRule, query: str) -> LuceneRule:
    return LuceneRule(str(rule.id or rule.name or rule.title), str(rule.title), _severity(rule), str(query))


def _correlation(backend: LuceneBackend, rule: SigmaCorrelationRule) -> list[LuceneRule]:
    kinds = {
        SigmaCorrelationType.EVENT_COUNT: "event_count",
        SigmaCorrelationType.VALUE_COUNT: "value_count",
        SigmaCorrelationType.TEMPORAL: "temporal",
    }
    if rule.type not in kinds:
        raise ValueError(f"corrélation {rule.type} non prise en charge sur Elasticsearch")
    bases = [reference.rule for reference in rule.rules or [] if isinstance(reference.rule, SigmaRule)]
    per_rule = []
    for base in bases:
        # A rule named by a correlation is not output on its own: convert a fresh copy of it.
        per_rule.append(
            " OR ".join(f"({q})" for q in backend.convert_rule(SigmaRule.from_dict(base.to_dict())))
        )
    queries = [f"({q})" for q in per_rule]
    if rule.type == SigmaCorrelationType.TEMPORAL:
        return [_temporal(rule, bases, per_rule, queries)]
    condition = rule.condition
    if not isinstance(condition, SigmaCorrelationCondition):
        raise ValueError("condition de corrélation composée non prise en charge sur Elasticsearch")
    spec = CorrelationSpec(
        kind=cast(Literal["event_count", "value_count"], kinds[rule.type]),
        group_by=tuple(_mapped(name, bases[0]) for name in rule.group_by or [] if name != ESTABLISHMENT),
        window=timedelta(seconds=rule.timespan.seconds),
        operator=cast(Operator, condition.op.name.lower()),
        threshold=int(condition.count),
        field=_mapped(str(condition.fieldref), bases[0]) if condition.fieldref else None,
    )
    return [
        LuceneRule(
            str(rule.id or rule.name or rule.title),
            str(rule.title),
            _severity(rule),
            " OR ".join(queries),
            spec,
        )
    ]


def _temporal(
    rule: SigmaCorrelationRule, bases: list[SigmaRule], per_rule: list[str], queries: list[str]
) -> LuceneRule:
    """Every named rule matched in the same group within the timespan (order not required)."""
    spec = CorrelationSpec(
        kind="temporal",
        group_by=tuple(_mapped(name, bases[0]) for name in rule.group_by or [] if name != ESTABLISHMENT),
        window=timedelta(seconds=rule.timespan.seconds),
        operator="gte",
        threshold=len(per_rule),
        rule_queries=tuple(per_rule),
    )
    return LuceneRule(
        str(rule.id or rule.name or rule.title), str(rule.title), _severity(rule), " OR ".join(queries), spec
    )


def _mapped(name: str, base: SigmaRule) -> str:
    """A Sigma field name in our names, as the pipeline maps the base rule's fields."""
    if base.logsource.product == "windows":
        return str(WINDOWS_FIELDS.get(name, f"winlog.event_data.{name}"))
    if base.logsource.category == "firewall":
        return str(NETWORK_FIELDS.get(name, name))
    return name


def _severity(rule: SigmaRule | SigmaCorrelationRule) -> AlertSeverity:
    level = rule.level.name.lower() if rule.level is not None else "medium"
    return SEVERITIES.get(level, AlertSeverity.MEDIUM)


def _path(rule: SigmaRule | SigmaCorrelationRule) -> Any:
    from pathlib import Path

    return Path(str(rule.source.path)) if rule.source is not None and rule.source.path else Path("-")


def batch_search(rule: LuceneRule, event_ids: list[str]) -> dict[str, Any]:
    """A plain rule over the events of one batch."""
    return {
        "query": {
            "bool": {
                "filter": [
                    {"query_string": {"query": rule.query, "analyze_wildcard": True}},
                    {"terms": {"event.id": event_ids}},
                ]
            }
        },
        "size": min(len(event_ids), 10_000),
        "_source": [
            "event.id",
            "@timestamp",
            ESTABLISHMENT,
            "source.ip",
            "destination.ip",
            "user.name",
            "file.hash",
            "destination.domain",
            "url.domain",
        ],
    }


def correlation_search(
    rule: LuceneRule, since: datetime, after: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The aggregation of a correlation over its timespan (one page of groups)."""
    spec = rule.correlation
    assert spec is not None
    sources: list[dict[str, Any]] = [
        {ESTABLISHMENT: {"terms": {"field": ESTABLISHMENT, "missing_bucket": True}}}
    ]
    sources += [
        {f"g{i}": {"terms": {"field": name, "missing_bucket": True}}} for i, name in enumerate(spec.group_by)
    ]
    composite: dict[str, Any] = {"size": MAX_BUCKETS, "sources": sources}
    if after:
        composite["after"] = dict(after)
    aggregation: dict[str, Any] = {
        "composite": composite,
        "aggs": {"first": {"min": {"field": "@timestamp"}}, "last": {"max": {"field": "@timestamp"}}},
    }
    if spec.kind == "value_count" and spec.field:
        aggregation["aggs"]["distinct"] = {"cardinality": {"field": spec.field}}
    if spec.kind == "temporal":
        aggregation["aggs"]["rules"] = {
            "filters": {
                "filters": {
                    f"r{i}": {"query_string": {"query": query, "analyze_wildcard": True}}
                    for i, query in enumerate(spec.rule_queries)
                }
            }
        }
    return {
        "size": 0,
        "query": {
            "bool": {
                "filter": [
                    {"query_string": {"query": rule.query, "analyze_wildcard": True}},
                    {"range": {"@timestamp": {"gte": since.astimezone(UTC).isoformat()}}},
                ]
            }
        },
        "aggs": {"groups": aggregation},
    }


def correlation_detections(rule: LuceneRule, buckets: Iterable[Mapping[str, Any]]) -> list[Detection]:
    """The groups of an aggregation response that meet the correlation's condition."""
    spec = rule.correlation
    assert spec is not None
    found = []
    for bucket in buckets:
        if spec.kind == "temporal":
            # How many of the named rules matched in this group: all of them, or no detection.
            value = sum(1 for found in bucket["rules"]["buckets"].values() if found["doc_count"] > 0)
        elif spec.kind == "value_count":
            value = int(bucket["distinct"]["value"])
        else:
            value = int(bucket["doc_count"])
        if not spec.met(value):
            continue
        key = bucket["key"]
        group = tuple((name, str(key.get(f"g{i}"))) for i, name in enumerate(spec.group_by))
        found.append(
            Detection(
                rule_id=rule.rule_id,
                title=rule.title,
                severity=rule.severity,
                establishment_id=key.get(ESTABLISHMENT),
                group=group,
                correlated=True,
                count=value,
                indicators=detection_indicators([dict(group)]),
                event_ids=(),
                first_seen=_millis(bucket["first"]["value"]),
                last_seen=_millis(bucket["last"]["value"]),
            )
        )
    return found


def batch_detections(rule: LuceneRule, hits: Iterable[Mapping[str, Any]]) -> list[Detection]:
    """The detections of a plain rule from the hits of its batch search."""
    matches = (
        MatchedEvent(
            ref=str(hit["_source"]["event.id"]),
            at=_instant(hit["_source"]["@timestamp"]),
            fields=hit["_source"],
        )
        for hit in hits
    )
    return plain_detections(rule.rule_id, rule.title, rule.severity, matches)


def _millis(value: float | None) -> datetime:
    return datetime.fromtimestamp((value or 0) / 1000, tz=UTC)


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class ElasticDetector:
    """Stores each batch in Elasticsearch (visible to search when written), then runs the rules on it."""

    def __init__(self, store: ElasticEventStore, rules: list[LuceneRule]) -> None:
        self._store = store
        self._plain = [r for r in rules if r.correlation is None]
        self._correlations = [r for r in rules if r.correlation is not None]

    def store_and_detect(self, events: Iterable[Mapping[str, Any]]) -> tuple[int, list[Detection]]:
        batch = list(events)
        ids = self._store.append(batch)
        if not ids:
            return 0, []
        found: list[Detection] = []
        client = self._store.client
        index = self._store.pattern
        if self._plain:
            searches: list[dict[str, Any]] = []
            for rule in self._plain:
                searches += [{"index": index, "ignore_unavailable": True}, batch_search(rule, ids)]
            responses = client.msearch(searches=searches)["responses"]
            for rule, response in zip(self._plain, responses, strict=True):
                if "error" in response:
                    log.error("règle %s en échec : %s", rule.title, response["error"])
                    continue
                found.extend(batch_detections(rule, response["hits"]["hits"]))
        now = datetime.now(UTC)
        for rule in self._correlations:
            assert rule.correlation is not None
            after: Mapping[str, Any] | None = None
            for _page in range(10):  # bounded: 10 pages of 1,000 groups
                response = client.search(
                    index=index,
                    ignore_unavailable=True,
                    **correlation_search(rule, now - rule.correlation.window, after),
                )
                groups = response.get("aggregations", {}).get("groups", {})
                found.extend(correlation_detections(rule, groups.get("buckets", [])))
                after = groups.get("after_key")
                if not after:
                    break
        return len(ids), found
