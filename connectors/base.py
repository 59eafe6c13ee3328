"""What every connector shares: it gets its settings in its constructor and only emits records to a sink.

Records are frozen dataclasses defined by each connector family (log events, directory entries, devices,
findings...). The hub provides the sink that stores them; tests and the CLI use :class:`CollectingSink`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)


class Sink(Protocol[R_contra]):
    """Where a connector sends what it collected. `emit_many` lets hot paths hand over whole batches."""

    def emit(self, record: R_contra) -> None: ...

    def emit_many(self, records: Iterable[R_contra]) -> None: ...


@dataclass
class CollectingSink(Generic[R]):
    """Keeps every record in memory, in order (tests, dry runs)."""

    records: list[R] = field(default_factory=list)

    def emit(self, record: R) -> None:
        self.records.append(record)

    def emit_many(self, records: Iterable[R]) -> None:
        self.records.extend(records)


class ConnectorError(Exception):
    """A connector could not do its work; subclasses say which way (unreachable, refused, partial...)."""
