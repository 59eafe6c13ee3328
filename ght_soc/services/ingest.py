"""The hub's side of the log pipeline: store a batch, evaluate the rules on it, raise or grow alerts.

The listener (connectors/) only emits events; this is what its sink calls, once per batch, in one unit of
work for the alerts. Events are stored before detection runs: an alert always points at stored events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ght_soc.detection.detections import Detector
from ght_soc.events.store import EventStore
from ght_soc.services.detections import record_detections


@dataclass(frozen=True)
class IngestResult:
    stored: int
    detections: int
    alerts_created: int


class EventIngestor:
    """Stores events and turns what the rules find into alerts."""

    def __init__(
        self,
        *,
        store: EventStore,
        detector: Detector | None,
        unit_of_work: Callable[[], AbstractContextManager[Session]],
    ) -> None:
        self._store = store
        self._detector = detector
        self._unit_of_work = unit_of_work

    def ingest(self, events: Iterable[Mapping[str, Any]]) -> IngestResult:
        if self._detector is None:  # no rules
            return IngestResult(stored=self._store.write(events), detections=0, alerts_created=0)
        stored, detections = self._detector.store_and_detect(events)
        if not detections:
            return IngestResult(stored=stored, detections=0, alerts_created=0)
        with self._unit_of_work() as session:
            recorded = record_detections(session=session, detections=detections)
        return IngestResult(
            stored=stored, detections=len(detections), alerts_created=sum(1 for r in recorded if r.created)
        )
