"""One Samba AD DC for the whole session: provisioned once (the slow part), populated, removed at the end."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.connectors.ldap.samba.dc import SambaDc, SambaUnavailable
from tests.connectors.ldap.samba.population import SambaDomain, as_admin, populate


@pytest.fixture(scope="session")
def samba() -> Iterator[SambaDomain]:
    dc = SambaDc()
    try:
        dc.start()
    except SambaUnavailable as reason:
        pytest.skip(f"Samba AD DC unavailable: {reason}")
    try:
        began = time.monotonic()
        population = as_admin(dc, populate)
        dc.timings["populate_s"] = time.monotonic() - began
        yield SambaDomain(dc, population)
    finally:
        dc.stop()
