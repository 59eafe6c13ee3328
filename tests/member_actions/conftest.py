"""Real directories and a real SNMP agent, started once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ght_soc.demo_directory import AdLikeSlapd
from tests.member_actions.directory import PpolicySlapd, ad_directory, openldap_directory
from tests.member_actions.snmpd_netns import Agent, namespaced_snmpd, namespaces_missing


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


@pytest.fixture(scope="module")
def agent() -> Iterator[Agent]:
    """snmpd in its own network namespace, with interfaces it may shut (snmpd_netns.py)."""
    reason = namespaces_missing()
    if reason:
        pytest.skip(reason)
    with namespaced_snmpd() as running:
        yield running


@pytest.fixture()
def fresh_agent() -> Iterator[Agent]:
    """The same, with every port up again: for tests run once per database backend."""
    reason = namespaces_missing()
    if reason:
        pytest.skip(reason)
    with namespaced_snmpd() as running:
        yield running
