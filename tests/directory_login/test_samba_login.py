"""The same checks against a real Active Directory (Samba AD DC): tokenGroups, the in-chain rule, UPNs, and
AD's own refusal of a disabled account's bind. Skipped, saying why, where Samba cannot run."""

from __future__ import annotations

from functools import partial

import pytest

from connectors.ldap.authenticate import BadCredentials, DirectoryIdentity, authenticate, normalise_dn
from tests.connectors.ldap.samba.dc import DNS_DOMAIN
from tests.connectors.ldap.samba.population import (
    DOMAIN_ADMINS,
    NESTED_GROUP,
    PASSWORD,
    SambaDomain,
    service_settings,
)


def login(samba: SambaDomain, name: str, password: str = PASSWORD) -> DirectoryIdentity:
    return samba.dc.call(partial(authenticate, service_settings(samba.dc), name, password))


def test_a_direct_domain_admin_is_seen_by_group_dn_and_by_sid(samba: SambaDomain) -> None:
    identity = login(samba, "hdupre")
    assert normalise_dn(DOMAIN_ADMINS) in identity.group_dns
    assert any(sid.endswith("-512") for sid in identity.group_sids)


def test_a_nested_member_is_seen_through_the_in_chain_rule(samba: SambaDomain) -> None:
    identity = login(samba, "agent07")
    assert {normalise_dn(NESTED_GROUP), normalise_dn(DOMAIN_ADMINS)} <= identity.group_dns


def test_a_primary_group_absent_from_member_is_still_seen_through_token_groups(samba: SambaDomain) -> None:
    identity = login(samba, "svc-sauvegarde")
    assert any(sid.endswith("-512") for sid in identity.group_sids)


def test_a_user_principal_name_logs_in_too(samba: SambaDomain) -> None:
    assert login(samba, f"hdupre@{DNS_DOMAIN}").login == "hdupre"


@pytest.mark.parametrize(
    ("name", "password"),
    [("hdupre", "pas-le-bon-2026!"), ("hdupre", ""), ("agent00", PASSWORD), ("*", PASSWORD)],
    ids=["wrong-password", "empty-password", "disabled-account", "wildcard"],
)
def test_active_directory_refusals(samba: SambaDomain, name: str, password: str) -> None:
    with pytest.raises(BadCredentials):
        login(samba, name, password)
