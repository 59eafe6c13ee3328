"""Opening the configured event store; the app opens it on first use, never at import or creation."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import Flask

from ght_soc.events.store import EventStore
from ght_soc.settings import LoadedConfig

EXTENSION = "ght_soc.events"


def open_event_store(config: LoadedConfig) -> EventStore:
    settings = config.settings.logs.store
    if settings.backend == "sqlite":
        from ght_soc.events.sqlite_store import SqliteEventStore

        return SqliteEventStore(Path(settings.path))
    from elasticsearch import Elasticsearch

    from ght_soc.events.elastic_store import ElasticEventStore

    options: dict[str, Any] = {}  # only the settings given: the client keeps its defaults for the rest
    if settings.ca_file:
        options["ca_certs"] = settings.ca_file
    if config.secrets.es_api_key:
        options["api_key"] = config.secrets.es_api_key
    client = Elasticsearch(str(settings.url), **options)
    return ElasticEventStore(client, prefix=settings.index_prefix)


_OPENING = threading.Lock()


def event_store(app: Flask) -> EventStore:
    """The app's event store, opened on first use (tests may put one in place beforehand).

    Opened once even when the listener and the scheduler's first job ask at the same moment (the demo's single
    process): two stores creating the same SQLite file at once made one of them fail "database is locked"."""
    store: EventStore | None = app.extensions.get(EXTENSION)
    if store is None:
        with _OPENING:
            store = app.extensions.get(EXTENSION)
            if store is None:
                store = open_event_store(app.extensions["ght_soc.config"])
                app.extensions[EXTENSION] = store
    return store
