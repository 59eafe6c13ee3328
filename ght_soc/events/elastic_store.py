"""The Elasticsearch event store: daily indices under one composable template, bulk writes, scoped searches.

Queries and mappings are built by pure functions (tested as data); the class only sends them with the
official client. Nothing is contacted at construction: `setup()` installs the template when the hub starts.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers

from ght_soc.access import Scope
from ght_soc.events.store import (
    CORE_FIELDS,
    Event,
    EventPage,
    EventQuery,
    EventStoreError,
    allowed_establishments,
)

DEFAULT_PREFIX = "ght-soc-events"
_KEYWORD = {"type": "keyword", "ignore_above": 1024, "normalizer": "ght_lowercase"}
_IP_FIELDS = ("source.ip", "destination.ip")
_PORT_FIELDS = ("source.port", "destination.port")


def index_template(prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """The composable index template: ECS core fields typed, other strings as keywords, message as text."""
    properties: dict[str, Any] = {
        "@timestamp": {"type": "date"},
        "event.ingested": {"type": "date"},
        "establishment_id": {"type": "integer"},
        "message": {"type": "text"},
        "event.original": {"type": "text", "index": False},
        "event.id": {"type": "keyword"},
    }
    for name in CORE_FIELDS:
        properties[name] = _KEYWORD
    for name in _IP_FIELDS:
        properties[name] = {"type": "ip", "ignore_malformed": True}
    for name in _PORT_FIELDS:
        properties[name] = {"type": "integer", "ignore_malformed": True}
    return {
        "index_patterns": [f"{prefix}-*"],
        "template": {
            "settings": {
                "number_of_shards": 1,
                "index.mapping.ignore_malformed": True,
                # Sigma matches without regard to case: keywords are stored and queried in lower case.
                "analysis": {"normalizer": {"ght_lowercase": {"type": "custom", "filter": ["lowercase"]}}},
            },
            "mappings": {
                # Dotted names stay flat (no object expansion) so that they read like the SQLite columns.
                "subobjects": False,
                "dynamic_templates": [
                    {
                        "strings": {
                            "match_mapping_type": "string",
                            "mapping": _KEYWORD,
                        }
                    }
                ],
                "properties": properties,
            },
        },
        "priority": 200,
        "_meta": {"managed_by": "ght-soc"},
    }


def index_for(timestamp: datetime, prefix: str = DEFAULT_PREFIX) -> str:
    """One index per UTC day: retention can drop whole days, searches can name a range of them."""
    return f"{prefix}-{timestamp.astimezone(UTC):%Y.%m.%d}"


def build_search(query: EventQuery, scope: Scope) -> dict[str, Any] | None:
    """The search request body for `query` within `scope`; None when the scope allows nothing."""
    filters: list[dict[str, Any]] = []
    if query.unattributed:
        if not scope.is_everything:
            return None
        filters.append({"bool": {"must_not": {"exists": {"field": "establishment_id"}}}})
    else:
        allowed = allowed_establishments(query, scope)
        if allowed is not None:
            if not allowed:
                return None
            filters.append({"terms": {"establishment_id": sorted(allowed)}})
    time_range: dict[str, str] = {}
    if query.start is not None:
        time_range["gte"] = query.start.astimezone(UTC).isoformat()
    if query.end is not None:
        time_range["lt"] = query.end.astimezone(UTC).isoformat()
    if time_range:
        filters.append({"range": {"@timestamp": time_range}})
    criteria = dict(query.fields)
    if query.host:
        criteria["host.name"] = query.host
    for name, value in criteria.items():
        filters.append({"term": {name: {"value": value, "case_insensitive": True}}})
    must: list[dict[str, Any]] = []
    if query.text and query.text.strip():
        must.append({"match": {"message": {"query": query.text, "operator": "and"}}})
    body: dict[str, Any] = {
        "query": {"bool": {"filter": filters, "must": must}},
        "sort": [{"@timestamp": "desc"}, {"event.id": "desc"}],
        "size": max(1, min(query.page_size, 500)),
        "track_total_hits": False,
    }
    if query.after:
        body["search_after"] = _decode_cursor(query.after)
    return body


def build_lookup(refs: Sequence[str], scope: Scope) -> dict[str, Any] | None:
    """The events with these `event.id`s, within the scope, oldest first."""
    filters: list[dict[str, Any]] = [{"terms": {"event.id": sorted(set(refs))}}]
    if scope.establishment_ids is not None:
        if not scope.establishment_ids or not refs:
            return None
        filters.append({"terms": {"establishment_id": sorted(scope.establishment_ids)}})
    return {"query": {"bool": {"filter": filters}}, "sort": [{"@timestamp": "asc"}], "size": len(set(refs))}


def build_purge(establishment_id: int | None, before: datetime) -> dict[str, Any]:
    """The delete-by-query body removing one establishment's events older than `before`."""
    owner: dict[str, Any] = (
        {"bool": {"must_not": {"exists": {"field": "establishment_id"}}}}
        if establishment_id is None
        else {"term": {"establishment_id": establishment_id}}
    )
    return {
        "query": {
            "bool": {"filter": [owner, {"range": {"@timestamp": {"lt": before.astimezone(UTC).isoformat()}}}]}
        }
    }


def _encode_cursor(sort_values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_values).encode()).decode()


def _decode_cursor(cursor: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        raise EventStoreError(f"invalid cursor: {cursor!r}") from None
    if not isinstance(values, list):
        raise EventStoreError(f"invalid cursor: {cursor!r}")
    return values


class ElasticEventStore:
    """Events in Elasticsearch through the official client."""

    def __init__(self, client: Elasticsearch, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix

    def setup(self) -> None:
        """Install (or update) the index template; called once when the hub starts."""
        template = index_template(self._prefix)
        self._client.indices.put_index_template(name=self._prefix, **template)

    @property
    def client(self) -> Elasticsearch:
        return self._client

    @property
    def pattern(self) -> str:
        """The index pattern covering every day's index."""
        return f"{self._prefix}-*"

    def write(self, events: Iterable[Event]) -> int:
        return len(self.append(events, refresh=False))

    def append(self, events: Iterable[Event], refresh: bool = True) -> list[str]:
        """Index a batch; returns the events' ids. With `refresh`, they are searchable when this returns."""
        now = datetime.now(UTC)
        documents = []
        for event in events:
            document = dict(event)
            document.setdefault("event.id", uuid.uuid4().hex)
            document.setdefault("event.ingested", now.isoformat())
            timestamp = _timestamp(document.get("@timestamp")) or now
            document["@timestamp"] = timestamp.isoformat()
            documents.append((index_for(timestamp, self._prefix), document))
        actions = ({"_index": index, "_source": document} for index, document in documents)
        refused: list[Any] = []
        for ok, item in helpers.streaming_bulk(
            self._client,
            actions,
            raise_on_error=False,
            chunk_size=2000,
            refresh="wait_for" if refresh else False,
        ):
            if not ok:
                refused.append(item)
        if refused:
            raise EventStoreError(f"{len(refused)} event(s) refused by Elasticsearch; first: {refused[0]!r}")
        return [str(document["event.id"]) for _, document in documents]

    def search(self, query: EventQuery, scope: Scope) -> EventPage:
        body = build_search(query, scope)
        if body is None:
            return EventPage(events=[], next_cursor=None)
        response = self._client.search(index=f"{self._prefix}-*", ignore_unavailable=True, **body)
        hits = response["hits"]["hits"]
        events = [{**hit["_source"], "_id": hit["_id"]} for hit in hits]
        cursor = _encode_cursor(hits[-1]["sort"]) if len(hits) == body["size"] else None
        return EventPage(events=events, next_cursor=cursor)

    def get(self, refs: Sequence[str], scope: Scope) -> list[dict[str, Any]]:
        body = build_lookup(refs, scope)
        if body is None:
            return []
        response = self._client.search(index=self.pattern, ignore_unavailable=True, **body)
        return [{**hit["_source"], "_id": hit["_id"]} for hit in response["hits"]["hits"]]

    def purge(self, establishment_id: int | None, before: datetime) -> int:
        response = self._client.delete_by_query(
            index=f"{self._prefix}-*",
            ignore_unavailable=True,
            refresh=True,
            conflicts="proceed",
            **build_purge(establishment_id, before),
        )
        return int(response.get("deleted", 0))

    def refresh(self) -> None:
        self._client.indices.refresh(index=f"{self._prefix}-*", ignore_unavailable=True)

    def close(self) -> None:
        self._client.close()


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
