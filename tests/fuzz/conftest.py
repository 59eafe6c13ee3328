"""A hang is a failure: each fuzz test is stopped by SIGALRM after `hang_seconds()` (per-example deadlines
only report slow examples that did end)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from tests.fuzz.budget import hang_seconds


class Hang(Exception):
    """The test ran past its time: some input made a parser loop or backtrack without end."""


def _raise_hang(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"still running after {hang_seconds()} s")


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _raise_hang)
    signal.alarm(hang_seconds())
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
