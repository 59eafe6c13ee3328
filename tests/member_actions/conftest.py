"""Real directories, started once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ght_soc.demo_directory import AdLikeSlapd
from tests.member_actions.directory import PpolicySlapd, ad_directory, openldap_directory


@pytest.fixture(scope="module")
def ad_slapd() -> Iterator[AdLikeSlapd]:
    server = AdLikeSlapd(ad_directory())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ppolicy_slapd() -> Iterator[PpolicySlapd]:
    server = PpolicySlapd(openldap_directory())
    server.start()
    yield server
    server.stop()
