"""Binding to a real AD: LDAPS or StartTLS with the DC's CA, never a plain simple bind; typed refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import ConnectorError
from connectors.ldap.connector import (
    LdapAuthenticationFailed,
    LdapEncryptionRequired,
    LdapTlsError,
)
from tests.certificates import make_ca
from tests.connectors.ldap.samba.population import SERVICE_LOGIN, USERS_OU, SambaDomain, sync


def test_a_service_account_binds_by_upn_over_ldaps(samba: SambaDomain) -> None:
    summary, _ = sync(samba.dc)
    assert summary.complete and summary.entries > 0


@pytest.mark.parametrize(
    "bind_dn",
    [f"CN={SERVICE_LOGIN},{USERS_OU}", f"CHUDEMO\\{SERVICE_LOGIN}"],
    ids=["distinguished-name", "down-level-logon-name"],
)
def test_ad_also_accepts_the_accounts_dn_and_down_level_name(samba: SambaDomain, bind_dn: str) -> None:
    summary, _ = sync(samba.dc, bind_dn=bind_dn)
    assert summary.complete


def test_start_tls_on_389_is_accepted(samba: SambaDomain) -> None:
    summary, _ = sync(samba.dc, uri="ldap://127.0.0.1", start_tls=True)
    assert summary.complete and summary.entries > 0


# (uri, settings, the typed error the connector raises)
REFUSALS: list[tuple[str, dict[str, object], type[ConnectorError]]] = [
    # Samba's default `ldap server require strong auth = yes`, like AD's LDAP signing policy.
    (
        "plain-simple-bind",
        {"uri": "ldap://127.0.0.1", "start_tls": False, "allow_plain_ldap": True},
        LdapEncryptionRequired,
    ),
    ("wrong-password", {"password": "pas-le-bon-2026!"}, LdapAuthenticationFailed),
    ("unknown-account", {"bind_dn": "personne@chu-demo.local"}, LdapAuthenticationFailed),
]


@pytest.mark.parametrize(("case", "overrides", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_are_typed_errors(
    samba: SambaDomain, case: str, overrides: dict[str, object], error: type[ConnectorError]
) -> None:
    with pytest.raises(error):
        sync(samba.dc, None, **overrides)


def test_a_ca_that_did_not_sign_the_dcs_certificate_is_refused(samba: SambaDomain, tmp_path: Path) -> None:
    with pytest.raises(LdapTlsError):
        sync(samba.dc, ca_file=make_ca(tmp_path))
