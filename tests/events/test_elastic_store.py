"""The Elasticsearch backend: its template and queries as data, and against a real server when one is given.

No Elasticsearch server can be installed on the development machines: set GHT_SOC_TEST_ES_URL to run the
live half.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ght_soc.access import Scope
from ght_soc.events.elastic_store import (
    ElasticEventStore,
    build_purge,
    build_search,
    index_for,
    index_template,
)
from ght_soc.events.store import CORE_FIELDS, EventQuery, EventStoreError

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


def test_the_template_types_the_core_fields_and_keeps_dotted_names_flat() -> None:
    template = index_template("ght-soc-events")
    mappings = template["template"]["mappings"]
    assert template["index_patterns"] == ["ght-soc-events-*"]
    assert mappings["subobjects"] is False
    properties = mappings["properties"]
    assert properties["@timestamp"] == {"type": "date"}
    assert properties["source.ip"]["type"] == "ip" and properties["source.ip"]["ignore_malformed"]
    assert properties["message"]["type"] == "text"
    assert all(name in properties for name in CORE_FIELDS)


def test_one_index_per_utc_day() -> None:
    assert (
        index_for(datetime(2026, 11, 22, 0, 30, tzinfo=UTC) + timedelta(hours=23))
        == "ght-soc-events-2026.11.22"
    )
    paris_just_after_midnight = datetime.fromisoformat("2026-11-23T00:30:00+01:00")
    assert index_for(paris_just_after_midnight) == "ght-soc-events-2026.11.22"


def test_a_site_scope_becomes_a_terms_filter_and_cannot_be_widened() -> None:
    body = build_search(EventQuery(establishment_ids=frozenset({1, 2})), Scope(frozenset({2, 3})))
    assert body is not None
    assert {"terms": {"establishment_id": [2]}} in body["query"]["bool"]["filter"]
    assert build_search(EventQuery(establishment_ids=frozenset({1})), Scope(frozenset({2}))) is None
    assert build_search(EventQuery(), Scope.nothing()) is None
    assert build_search(EventQuery(unattributed=True), Scope(frozenset({2}))) is None


def test_every_criterion_is_translated() -> None:
    query = EventQuery(
        start=T0,
        end=T0 + timedelta(hours=1),
        host="srv1",
        fields={"user.name": "jdupont"},
        text="failed logon",
        page_size=20,
    )
    body = build_search(query, Scope.everything())
    assert body is not None
    filters = body["query"]["bool"]["filter"]
    assert {
        "range": {"@timestamp": {"gte": "2026-11-22T01:00:00+00:00", "lt": "2026-11-22T02:00:00+00:00"}}
    } in filters
    assert {"term": {"host.name": {"value": "srv1", "case_insensitive": True}}} in filters
    assert {"term": {"user.name": {"value": "jdupont", "case_insensitive": True}}} in filters
    assert body["query"]["bool"]["must"] == [
        {"match": {"message": {"query": "failed logon", "operator": "and"}}}
    ]
    assert body["size"] == 20 and body["sort"][0] == {"@timestamp": "desc"}


def test_cursors_round_trip_and_bad_ones_are_refused() -> None:
    from ght_soc.events.elastic_store import _encode_cursor

    body = build_search(EventQuery(after=_encode_cursor([1763773200000, "abc"])), Scope.everything())
    assert body is not None and body["search_after"] == [1763773200000, "abc"]
    with pytest.raises(EventStoreError):
        build_search(EventQuery(after="%%%"), Scope.everything())


def test_purge_targets_one_establishment_or_the_unattributed_bucket() -> None:
    filters = build_purge(4, T0)["query"]["bool"]["filter"]
    assert filters == [
        {"term": {"establishment_id": 4}},
        {"range": {"@timestamp": {"lt": "2026-11-22T01:00:00+00:00"}}},
    ]
    assert "must_not" in build_purge(None, T0)["query"]["bool"]["filter"][0]["bool"]


ES_URL = os.environ.get("GHT_SOC_TEST_ES_URL")
live = pytest.mark.skipif(not ES_URL, reason="no Elasticsearch server: set GHT_SOC_TEST_ES_URL to run these")


@pytest.fixture()
def live_store() -> Iterator[ElasticEventStore]:
    from elasticsearch import Elasticsearch

    prefix = f"ght-soc-test-{uuid.uuid4().hex[:8]}"
    client = Elasticsearch(str(ES_URL))
    store = ElasticEventStore(client, prefix=prefix)
    store.setup()
    yield store
    client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
    client.indices.delete_index_template(name=prefix)
    store.close()


@live
def test_live_write_search_and_purge(live_store: ElasticEventStore) -> None:
    events = [
        {
            "@timestamp": (T0 + timedelta(minutes=n)).isoformat(),
            "establishment_id": 1 + n % 2,
            "host.name": "srv1",
            "message": f"logon failed for user{n}",
            "source.ip": "not-an-ip" if n == 3 else "10.0.0.1",
        }
        for n in range(6)
    ]
    assert live_store.write(events) == 6
    live_store.refresh()
    site = Scope(frozenset({1}))
    assert len(live_store.search(EventQuery(), site).events) == 3
    assert len(live_store.search(EventQuery(text="user2"), Scope.everything()).events) == 1
    first = live_store.search(EventQuery(page_size=4), Scope.everything())
    second = live_store.search(EventQuery(page_size=4, after=first.next_cursor), Scope.everything())
    assert len(first.events) + len(second.events) == 6
    assert live_store.purge(1, before=T0 + timedelta(minutes=3)) == 2


def test_a_lookup_by_reference_is_scoped() -> None:
    from ght_soc.events.elastic_store import build_lookup

    body = build_lookup(["b", "a"], Scope(frozenset({3})))
    assert body is not None
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"event.id": ["a", "b"]}},
        {"terms": {"establishment_id": [3]}},
    ]
    assert build_lookup(["a"], Scope.nothing()) is None
