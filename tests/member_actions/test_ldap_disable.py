"""Disabling a directory account against a real slapd: AD-style userAccountControl and OpenLDAP ppolicy."""

from __future__ import annotations

import ldap
import pytest

from connectors.ldap.actions import (
    PERMANENT_LOCK,
    AccountAmbiguous,
    AccountNotFound,
    DisableRefused,
    disable_account,
)
from connectors.ldap.connector import LdapUnavailable
from connectors.ldap.settings import LdapSettings
from ght_soc.demo_directory import AdLikeSlapd
from tests.connectors.ldap.directory import SLAPD_MISSING, SUFFIX, settings
from tests.connectors.snmp.snmpsim import free_udp_port
from tests.member_actions.directory import JEANNE_PASSWORD, PEOPLE, PpolicySlapd

pytestmark = SLAPD_MISSING
USERS = f"OU=Utilisateurs,{SUFFIX}"


def writer(server: AdLikeSlapd, **overrides: object) -> LdapSettings:
    """An account allowed to write (here the root DN; in an AD, one delegated "disable users")."""
    return settings(server, bind_dn=server.root_dn, password=server.root_pw, **overrides)


def read(server: AdLikeSlapd, dn: str, attribute: str) -> list[bytes]:
    connection = ldap.initialize(server.ldap_uri)
    try:
        connection.simple_bind_s(server.root_dn, server.root_pw)
        ((_, entry),) = connection.search_s(dn, ldap.SCOPE_BASE, attrlist=[attribute, "modifyTimestamp"])
        return list(entry.get(attribute, []))
    finally:
        connection.unbind_s()


@pytest.mark.parametrize(
    ("account", "dn", "before", "after"),
    [
        ("agent1", f"CN=Agent 1,{USERS}", "512", "514"),
        # Every other bit (DONT_EXPIRE_PASSWORD, DONT_REQ_PREAUTH) is kept.
        ("HDUPRE", f"CN=Hélène Dupré,{USERS}", str(512 + 0x10000 + 0x400000), str(514 + 0x10000 + 0x400000)),
    ],
    ids=["plain-user", "admin-with-other-bits-and-other-case"],
)
def test_an_active_directory_account_is_disabled_by_setting_bit_0x2(
    ad_slapd: AdLikeSlapd, account: str, dn: str, before: str, after: str
) -> None:
    done = disable_account(writer(ad_slapd), account)
    assert (done.dn.lower(), done.previous, done.current) == (dn.lower(), before, after)
    assert done.attribute == "userAccountControl" and not done.already_disabled
    assert read(ad_slapd, dn, "userAccountControl") == [after.encode()]


def test_an_account_already_disabled_is_reported_and_not_written(ad_slapd: AdLikeSlapd) -> None:
    dn = f"CN=Agent 0,{USERS}"
    stamp = read(ad_slapd, dn, "modifyTimestamp")
    done = disable_account(writer(ad_slapd), "agent0")
    assert done.already_disabled and done.previous == done.current == "514"
    assert read(ad_slapd, dn, "modifyTimestamp") == stamp


def test_an_unknown_account_is_not_found(ad_slapd: AdLikeSlapd) -> None:
    with pytest.raises(AccountNotFound):
        disable_account(writer(ad_slapd), "personne")


def test_a_name_held_by_two_entries_is_ambiguous_and_neither_is_touched(ad_slapd: AdLikeSlapd) -> None:
    with pytest.raises(AccountAmbiguous) as raised:
        disable_account(writer(ad_slapd), "doublon")
    assert len(raised.value.dns) == 2
    for n in (1, 2):
        assert read(ad_slapd, f"CN=Doublon {n},{USERS}", "userAccountControl") == [b"512"]


@pytest.mark.parametrize(
    "account", ["*", "*)(uid=*", "agent*", "agent3)(sAMAccountName=*", "agent3\\2a", "agent3\x00"]
)
def test_a_filter_injection_matches_nothing_and_changes_nothing(ad_slapd: AdLikeSlapd, account: str) -> None:
    with pytest.raises(AccountNotFound):
        disable_account(writer(ad_slapd), account)
    assert read(ad_slapd, f"CN=Agent 3,{USERS}", "userAccountControl") == [b"512"]


def test_a_bind_account_without_write_rights_is_refused_and_nothing_changes(ad_slapd: AdLikeSlapd) -> None:
    with pytest.raises(DisableRefused):
        disable_account(settings(ad_slapd), "agent2")  # the read-only sync account
    assert read(ad_slapd, f"CN=Agent 2,{USERS}", "userAccountControl") == [b"512"]


def test_an_unreachable_directory_is_a_typed_error() -> None:
    nowhere = LdapSettings(
        establishment="chu",
        uri=f"ldap://127.0.0.1:{free_udp_port()}",
        bind_dn="cn=x",
        password="x",
        base_dns=(SUFFIX,),
        start_tls=False,
        allow_plain_ldap=True,
        timeout=2,
    )
    with pytest.raises(LdapUnavailable):
        disable_account(nowhere, "agent1")


def test_an_openldap_account_is_locked_by_ppolicy_and_can_no_longer_bind(ppolicy_slapd: PpolicySlapd) -> None:
    jeanne = f"uid=jdupont,{PEOPLE}"
    options = {"profile": "openldap"}
    done = disable_account(writer(ppolicy_slapd, **options), "jdupont")
    assert (done.dn, done.attribute, done.previous, done.current) == (
        jeanne,
        "pwdAccountLockedTime",
        None,
        PERMANENT_LOCK,
    )
    connection = ldap.initialize(ppolicy_slapd.ldap_uri)
    with pytest.raises(ldap.INVALID_CREDENTIALS):
        connection.simple_bind_s(jeanne, JEANNE_PASSWORD)
    again = disable_account(writer(ppolicy_slapd, **options), "jdupont")
    assert again.already_disabled and again.previous == PERMANENT_LOCK
