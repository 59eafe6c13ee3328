"""A hang is a failure: each fuzz test is stopped by SIGALRM after HANG_SECONDS (per-example deadlines only
report slow examples that did end)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType

import pytest

HANG_SECONDS = 120


class Hang(Exception):
    """The test ran past HANG_SECONDS: some input made a parser loop or backtrack without end."""


def _raise_hang(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"still running after {HANG_SECONDS} s")


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _raise_hang)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
