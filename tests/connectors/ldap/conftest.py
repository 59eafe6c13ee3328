"""A real slapd for the LDAP connector tests, started once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ght_soc.demo_directory import AdLikeSlapd
from tests.connectors.ldap.directory import directory


@pytest.fixture(scope="module")
def slapd() -> Iterator[AdLikeSlapd]:
    server = AdLikeSlapd(directory())
    server.start()
    yield server
    server.stop()
