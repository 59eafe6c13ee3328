"""Shutting a switch port with an SNMP SET of ifAdminStatus, against Debian's real snmpd.

The successful SETs go to an snmpd in a private network namespace (snmpd_netns.py): the interfaces it shuts
are that namespace's own, and the tests check them in the kernel. The refusals also run against an agent in
the machine's own namespace that only has read access, which cannot change anything.
"""

from __future__ import annotations

import pytest

from connectors.snmp.actions import (
    AdminStatus,
    DeviceUnreachable,
    InterfaceAmbiguous,
    InterfaceNotFound,
    PortActionError,
    PortActionSettings,
    SetRefused,
    SnmpAuthFailed,
    port_admin_down,
)
from connectors.snmp.settings import Credentials, V2cCredentials, V3Credentials
from tests.connectors.snmp.snmpd import STANDARD, running_snmpd, snmpd_missing
from tests.member_actions.snmpd_netns import Agent

WRITE_V2C = V2cCredentials("hopital-rw")
READ_V2C = V2cCredentials("hopital-ro")
V3_USER = V3Credentials("socv3", "authpass123", "privpass123")


def _settings(port: int, credentials: Credentials, timeout_s: float = 1.0) -> PortActionSettings:
    return PortActionSettings("chu", "127.0.0.1", credentials, port=port, timeout_s=timeout_s, retries=0)


def test_a_port_named_by_ifname_is_shut_over_v2c_with_the_write_community(agent: Agent) -> None:
    assert agent.is_up("ght-port1")
    done = port_admin_down(_settings(agent.port, WRITE_V2C), "ght-port1")
    assert (done.previous, done.current, done.already_down) == (AdminStatus.UP, AdminStatus.DOWN, False)
    assert done.if_index == agent.if_index("ght-port1") and done.if_name == "ght-port1"
    assert not agent.is_up("ght-port1")  # the kernel's interface, not only the agent's answer
    assert agent.is_up("lo") and agent.is_up("ght-port2")


def test_a_port_given_by_ifindex_is_shut_over_v3_authpriv(agent: Agent) -> None:
    index = agent.if_index("ght-port2")
    done = port_admin_down(_settings(agent.port, V3_USER), index)
    assert (done.if_index, done.previous, done.current) == (index, AdminStatus.UP, AdminStatus.DOWN)
    assert not agent.is_up("ght-port2")


def test_a_port_already_down_is_reported_and_not_set_again(agent: Agent) -> None:
    port_admin_down(_settings(agent.port, WRITE_V2C), "ght-port3")
    again = port_admin_down(_settings(agent.port, WRITE_V2C), "ght-port3")
    assert again.already_down and again.previous is again.current is AdminStatus.DOWN


def test_a_read_only_community_is_refused_with_no_access_and_the_port_stays_up(agent: Agent) -> None:
    with pytest.raises(SetRefused) as refused:
        port_admin_down(_settings(agent.port, READ_V2C), "ght-port4")
    assert refused.value.status == "noAccess"
    assert agent.is_up("ght-port4")


def test_a_name_differing_only_in_case_from_two_ports_is_ambiguous_and_nothing_changes(agent: Agent) -> None:
    with pytest.raises(InterfaceAmbiguous):
        port_admin_down(_settings(agent.port, WRITE_V2C), "Ght-Port4")
    assert agent.is_up("ght-port4") and agent.is_up("GHT-PORT4")


@pytest.mark.parametrize("interface", ["Gi1/0/99", 9999], ids=["unknown-name", "unknown-index"])
def test_an_unknown_interface_is_not_found(agent: Agent, interface: int | str) -> None:
    with pytest.raises(InterfaceNotFound):
        port_admin_down(_settings(agent.port, WRITE_V2C), interface)


@pytest.mark.parametrize(
    ("credentials", "error"),
    [
        (V2cCredentials("wrong-community"), DeviceUnreachable),  # agents answer a bad community with silence
        (V3Credentials("socv3", "wrongpass123", "privpass123"), SnmpAuthFailed),
        (V3Credentials("nobody", "authpass123", "privpass123"), SnmpAuthFailed),
    ],
    ids=["wrong-community", "wrong-v3-key", "unknown-v3-user"],
)
def test_wrong_credentials_are_typed_errors_and_nothing_changes(
    agent: Agent, credentials: Credentials, error: type[PortActionError]
) -> None:
    with pytest.raises(error):
        port_admin_down(_settings(agent.port, credentials, timeout_s=0.5), "GHT-PORT4")
    assert agent.is_up("GHT-PORT4")


@pytest.mark.parametrize(
    ("credentials", "status"),
    [
        (V2cCredentials("hopital-ro"), "noAccess"),
        (V3Credentials("socv3", "authpass123", "privpass123"), "noAccess"),
    ],
    ids=["v2c-rocommunity", "v3-rouser"],
)
def test_an_agent_granting_only_read_access_refuses_the_set(credentials: Credentials, status: str) -> None:
    if snmpd_missing():
        pytest.skip("Debian snmpd not installed")
    # The connector tests' agent, in the machine's own namespace: read-only, so its loopback cannot be shut.
    with running_snmpd(STANDARD) as port:
        with pytest.raises(SetRefused) as refused:
            port_admin_down(_settings(port, credentials), "lo")
    assert refused.value.status == status
