"""Fixtures of the journeys: one live hub for the session (SQLite), a fresh Chromium per person.

The journeys skip when Debian's Chromium is not installed, except under CI=true, where scripts/bootstrap.sh
installs it: there a missing browser is a failure, not a silent skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.journeys.browser import CHROMEDRIVER, CHROMIUM, DESKTOP, PHONE, Browser, chromium
from tests.journeys.hub import LiveHub, live_hub


@pytest.fixture(scope="session")
def hub(
    tmp_path_factory: pytest.TempPathFactory, fresh_database_url: Callable[[str, str], str]
) -> Iterator[LiveHub]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        message = f"Debian's chromium and chromium-driver are needed ({', '.join(missing)} absent)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with live_hub(tmp_path_factory.mktemp("hub"), fresh_database_url("sqlite", "journeys")) as running:
        yield running


@pytest.fixture()
def open_browser(hub: LiveHub, tmp_path: Path) -> Iterator[Callable[..., Browser]]:
    """Open a person's browser (desktop, or a phone with `phone=True`); closed after the test."""
    with ExitStack() as stack:

        def open_(journey: str, *, phone: bool = False) -> Browser:
            profile = tmp_path / f"profile-{journey}"
            driver = stack.enter_context(chromium(profile, PHONE if phone else DESKTOP, phone=phone))
            return Browser(driver, hub.url, journey)

        yield open_
