"""Hygiene findings on a real AD: privileged groups by RID (renamed in French too), risky accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import ldap

from connectors.ldap.hygiene import HygieneThresholds, findings, privileged_members
from connectors.ldap.records import DirectoryRecord
from tests.connectors.ldap.samba.population import (
    ADMINISTRATOR,
    BUILTIN_USERS,
    DOMAIN_ADMINS,
    FORMER_ADMIN,
    HELENE,
    HIDDEN_ADMIN,
    KRBTGT,
    NESTED_ADMIN,
    NO_PREAUTH,
    OLD_PC,
    SambaDomain,
    as_admin,
    sync,
)

PRIVILEGED = {ADMINISTRATOR, HELENE, NESTED_ADMIN, HIDDEN_ADMIN}


def found(records: list[DirectoryRecord], now: datetime) -> dict[str, set[str]]:
    return {f.id: {dn.lower() for dn in f.objects} for f in findings(records, now, HygieneThresholds())}


def lower(*dns: str) -> set[str]:
    return {dn.lower() for dn in dns}


# (finding id, the objects a real AD gives it): a fresh domain, judged 181 days later so krbtgt is due.
EXPECTED = [
    ("ldap.privileged_members", lower(*PRIVILEGED)),
    ("ldap.privileged_password_never_expires", lower(HELENE)),
    ("ldap.privileged_kerberoastable", lower(HELENE)),
    ("ldap.preauth_not_required", lower(NO_PREAUTH)),
    ("ldap.unsupported_windows", lower(OLD_PC)),
    ("ldap.krbtgt_password_old", lower(KRBTGT)),
    # krbtgt has adminCount=1 on every AD by design: only the real leftover is reported.
    ("ldap.admincount_orphans", lower(FORMER_ADMIN)),
]


def test_every_finding_on_a_real_domain(samba: SambaDomain) -> None:
    _, records = sync(samba.dc)
    result = found(records, datetime.now(UTC) + timedelta(days=181))
    for identifier, objects in EXPECTED:
        assert result.get(identifier) == objects, identifier
    # Never logged on, or long ago; disabled accounts are another matter.
    inactive = result["ldap.inactive_enabled_accounts"]
    assert HIDDEN_ADMIN.lower() in inactive and KRBTGT.lower() not in inactive
    assert "ldap.privileged_password_old" not in result  # every password here is new


def test_a_fresh_domain_has_no_krbtgt_finding_yet(samba: SambaDomain) -> None:
    _, records = sync(samba.dc)
    assert "ldap.krbtgt_password_old" not in found(records, datetime.now(UTC))


def test_domain_admins_renamed_in_french_stays_privileged(samba: SambaDomain) -> None:
    french = f"CN=Admins du domaine,{BUILTIN_USERS}"

    def rename(old: str, new_rdn: str, account_name: bytes) -> None:
        def work(connection: Any) -> None:
            connection.rename_s(old, new_rdn)
            target = f"{new_rdn},{BUILTIN_USERS}"
            connection.modify_s(target, [(ldap.MOD_REPLACE, "sAMAccountName", [account_name])])

        as_admin(samba.dc, work)

    rename(DOMAIN_ADMINS, "CN=Admins du domaine", b"Admins du domaine")
    try:
        _, records = sync(samba.dc)
    finally:
        rename(french, "CN=Domain Admins", b"Domain Admins")
    members = privileged_members(records)
    assert set(members) == lower(*PRIVILEGED)
    assert french in members[HELENE.lower()]
