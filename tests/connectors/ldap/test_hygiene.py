"""Hygiene findings on what a real sync read: privileged groups by RID (nested), stale and risky accounts."""

from __future__ import annotations

from connectors.base import CollectingSink
from connectors.ldap.connector import LdapConnector
from connectors.ldap.hygiene import HygieneThresholds, findings, privileged_members
from connectors.ldap.records import DirectoryGroup, DirectoryRecord
from ght_soc.demo_directory import AdLikeSlapd, sid
from tests.connectors.ldap.directory import NOW, SLAPD_MISSING, SUFFIX, settings

pytestmark = SLAPD_MISSING
USERS_OU = f"ou=utilisateurs,{SUFFIX}"


def read(server: AdLikeSlapd) -> list[DirectoryRecord]:
    sink: CollectingSink[DirectoryRecord] = CollectingSink()
    assert LdapConnector(settings(server), sink).sync().complete
    return sink.records


def by_id(server: AdLikeSlapd) -> dict[str, tuple[str, ...]]:
    return {
        f.id: tuple(dn.lower() for dn in f.objects) for f in findings(read(server), NOW, HygieneThresholds())
    }


def test_privileged_members_are_found_by_rid_through_nested_groups(slapd: AdLikeSlapd) -> None:
    members = privileged_members(read(slapd))
    assert set(members) == {f"cn=hélène dupré,{USERS_OU}", f"cn=agent 7,{USERS_OU}"}


def test_a_group_renamed_or_named_in_french_is_still_privileged() -> None:
    renamed = DirectoryGroup("chu", "cn=Groupe X,dc=x", "Groupe X", "S-1-5-21-1-2-3-512", ("cn=a,dc=x",))
    ordinary = DirectoryGroup(
        "chu", "cn=Domain Admins,dc=x", "Domain Admins", "S-1-5-21-1-2-3-1500", ("cn=b,dc=x",)
    )
    assert set(privileged_members([renamed, ordinary])) == {"cn=a,dc=x"}


def test_nesting_cycles_end() -> None:
    a = DirectoryGroup("chu", "cn=A,dc=x", "A", "S-1-5-21-1-2-3-512", ("cn=B,dc=x", "cn=u,dc=x"))
    b = DirectoryGroup("chu", "cn=B,dc=x", "B", None, ("cn=A,dc=x", "cn=v,dc=x"))
    assert set(privileged_members([a, b])) == {"cn=u,dc=x", "cn=v,dc=x"}


def test_every_finding_of_the_test_directory(slapd: AdLikeSlapd) -> None:
    found = by_id(slapd)
    admin = f"cn=hélène dupré,{USERS_OU}"
    assert found["ldap.privileged_members"] == tuple(sorted((f"cn=agent 7,{USERS_OU}", admin)))
    assert found["ldap.privileged_password_never_expires"] == (admin,)
    assert found["ldap.privileged_password_old"] == (admin,)
    assert found["ldap.privileged_kerberoastable"] == (admin,)
    assert found["ldap.preauth_not_required"] == (admin,)
    assert found["ldap.krbtgt_password_old"] == (f"cn=krbtgt,{USERS_OU}",)
    assert found["ldap.unsupported_windows"] == (f"cn=pc-urg-01,ou=ordinateurs,{SUFFIX}",)
    assert found["ldap.admincount_orphans"] == (f"cn=ancien admin,{USERS_OU}",)
    inactive = found["ldap.inactive_enabled_accounts"]
    assert admin in inactive and f"cn=ancien admin,{USERS_OU}" not in inactive
    assert f"cn=agent 0,{USERS_OU}" not in inactive  # disabled accounts are another matter


def test_findings_have_french_explanations_and_stable_ids(slapd: AdLikeSlapd) -> None:
    first = findings(read(slapd), NOW, HygieneThresholds())
    second = findings(read(slapd), NOW, HygieneThresholds())
    assert [f.id for f in first] == [f.id for f in second]
    assert all(f.explanation and f.title for f in first)
    assert sid(512) != sid(513)
