"""connectors/ldap/authenticate.py against the real slapd: who is found, whose password is taken, which groups."""

from __future__ import annotations

import socket

import pytest

from connectors.ldap.authenticate import (
    AccountDisabled,
    BadCredentials,
    LdapUnavailable,
    ServiceAccountRefused,
    authenticate,
    find_account,
    normalise_dn,
    verify,
)
from tests.connectors.ldap.directory import SLAPD_MISSING
from tests.directory_login.directory import (
    CHU_CORRESPONDENTS,
    CORRESPONDENTS,
    ON_CALL,
    ON_CALL_NESTED,
    PASSWORD,
    RSSI_GROUP,
    LoginSlapd,
    ad_settings,
    ght_settings,
)

pytestmark = SLAPD_MISSING
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"


def test_an_active_directory_person_gets_their_groups_nested_ones_and_sids_included(
    login_slapd: LoginSlapd,
) -> None:
    identity = authenticate(ad_settings(login_slapd), "pdupuis", PASSWORD)
    assert identity.login == "pdupuis"
    assert identity.display_name == "Pierre Dupuis"
    assert identity.mail == "pdupuis@ch-amboise.example"
    assert identity.group_dns == {normalise_dn(CORRESPONDENTS), normalise_dn(ON_CALL)}
    assert identity.group_sids == {f"{DOMAIN_SID}-1500", f"{DOMAIN_SID}-1501"}

    nested = authenticate(ad_settings(login_slapd), "nnuit", PASSWORD)
    assert nested.group_dns == {normalise_dn(ON_CALL_NESTED), normalise_dn(ON_CALL)}


def test_a_user_principal_name_finds_the_same_person(login_slapd: LoginSlapd) -> None:
    identity = authenticate(ad_settings(login_slapd), "jmartin@ch-amboise.local", PASSWORD)
    assert identity.login == "jmartin"


def test_an_openldap_person_is_found_by_uid_with_groups_of_names(login_slapd: LoginSlapd) -> None:
    identity = authenticate(ght_settings(login_slapd), "rssi", PASSWORD)
    assert identity.display_name == "Régine Sécurité"
    assert identity.group_dns == {normalise_dn(RSSI_GROUP)}
    assert identity.group_sids == frozenset()
    assert (
        normalise_dn(CHU_CORRESPONDENTS)
        in authenticate(ght_settings(login_slapd), "corresp-chu", PASSWORD).group_dns
    )


@pytest.mark.parametrize(
    ("login", "password", "error"),
    [
        ("jmartin", "mauvais-mot-de-passe", BadCredentials),
        ("inconnu", PASSWORD, BadCredentials),
        ("lbloque", PASSWORD, AccountDisabled),  # said only to someone holding the right password
        ("lbloque", "mauvais-mot-de-passe", BadCredentials),
    ],
)
def test_refusals_are_typed(
    login_slapd: LoginSlapd, login: str, password: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        authenticate(ad_settings(login_slapd), login, password)


def test_an_empty_password_is_refused_before_any_connection(login_slapd: LoginSlapd) -> None:
    account = find_account(ad_settings(login_slapd), "jmartin")
    assert account is not None
    # Pointed at a port where nothing listens: a bind attempt would be "unreachable", not "bad credentials".
    nowhere = ad_settings(login_slapd, uri=f"ldap://127.0.0.1:{free_port()}")
    with pytest.raises(BadCredentials):
        verify(nowhere, account, "")
    with pytest.raises(BadCredentials):
        authenticate(nowhere, "jmartin", "")


@pytest.mark.parametrize(
    "login",
    [
        "*",
        "jmart*",
        "*)(sAMAccountName=*",
        "jmartin)(|(sAMAccountName=*",
        "*)(objectClass=*))(|(cn=*",
        "\\2a",
        "jmartin\x00",
        "*@ch-amboise.local",
        "x" * 300,
    ],
)
def test_filter_injection_strings_match_nobody(login_slapd: LoginSlapd, login: str) -> None:
    assert find_account(ad_settings(login_slapd), login) is None
    assert find_account(ght_settings(login_slapd), login) is None
    with pytest.raises(BadCredentials):
        authenticate(ad_settings(login_slapd), login, PASSWORD)


def test_an_unreachable_directory_and_a_refused_service_account_are_told_apart(
    login_slapd: LoginSlapd,
) -> None:
    with pytest.raises(LdapUnavailable):
        authenticate(
            ad_settings(login_slapd, uri=f"ldap://127.0.0.1:{free_port()}", timeout=2), "jmartin", PASSWORD
        )
    with pytest.raises(ServiceAccountRefused):
        authenticate(ad_settings(login_slapd, password="pas-le-bon"), "jmartin", PASSWORD)


def test_spellings_of_one_dn_normalise_to_one(login_slapd: LoginSlapd) -> None:
    assert normalise_dn("CN=GHT-SOC Correspondants, OU=Amboise,DC=chu-demo,DC=local") == normalise_dn(
        CORRESPONDENTS
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
