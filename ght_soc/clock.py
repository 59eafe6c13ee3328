"""The one place the hub reads the time; services receive `now` as an argument instead."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
