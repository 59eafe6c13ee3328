"""A full sync against a real AD (Samba): what the DC computes is what the hub reads.

`objectSid`, `memberOf`, `primaryGroupID` and `tokenGroups` are written by the DC, not by the test: these
tests pin the AD semantics the connector and the hygiene rules rely on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import ldap

from connectors.ldap.connector import SEARCHES
from connectors.ldap.decode import rid, sid_to_string
from connectors.ldap.hygiene import PRIVILEGED_RIDS, privileged_members
from connectors.ldap.records import DirectoryAccount, DirectoryGroup, DirectoryRecord
from tests.connectors.ldap.samba.dc import BASE_DN
from tests.connectors.ldap.samba.population import (
    ADMINISTRATOR,
    DOMAIN_ADMINS,
    DOMAIN_USERS,
    HELENE,
    HIDDEN_ADMIN,
    KRBTGT,
    NESTED_ADMIN,
    NESTED_GROUP,
    OLD_PC,
    STALE_LOGON,
    SambaDomain,
    as_admin,
    sync,
)

IN_CHAIN = "1.2.840.113556.1.4.1941"  # LDAP_MATCHING_RULE_IN_CHAIN


def by_dn(records: list[DirectoryRecord]) -> dict[str, DirectoryRecord]:
    return {r.dn.lower(): r for r in records}


def account(records: list[DirectoryRecord], dn: str) -> DirectoryAccount:
    found = by_dn(records)[dn.lower()]
    assert isinstance(found, DirectoryAccount)
    return found


def group(records: list[DirectoryRecord], dn: str) -> DirectoryGroup:
    found = by_dn(records)[dn.lower()]
    assert isinstance(found, DirectoryGroup)
    return found


def count(connection: Any, search_filter: str) -> int:
    """Entries matching `search_filter`, counted by a plain paged-free search as Administrator."""
    return len(
        [dn for dn, _ in connection.search_s(BASE_DN, ldap.SCOPE_SUBTREE, search_filter, ["1.1"]) if dn]
    )


def test_a_full_ldaps_sync_reads_every_account_computer_and_group_over_several_pages(
    samba: SambaDomain,
) -> None:
    summary, records = sync(samba.dc)
    expected = as_admin(
        samba.dc, lambda c: {kind: count(c, f) for kind, f in SEARCHES["active_directory"].items()}
    )
    assert summary.complete and summary.error is None and summary.mode == "full"
    assert summary.counts == expected
    assert expected["user"] > 3 * 10  # four pages of 10 at least
    logins = {r.login for r in records if isinstance(r, DirectoryAccount)}
    assert {"Administrator", "krbtgt", "svc-ghtsoc", "hdupre", "PC-URG-01$", "DC01$"} <= logins
    assert len(by_dn(records)) == len(records)  # no entry read twice across pages


def test_the_dc_assigns_object_sids_with_the_well_known_rids(samba: SambaDomain) -> None:
    _, records = sync(samba.dc)
    domain_sid = as_admin(
        samba.dc,
        lambda c: sid_to_string(
            c.search_s(BASE_DN, ldap.SCOPE_BASE, attrlist=["objectSid"])[0][1]["objectSid"][0]
        ),
    )
    assert domain_sid is not None and domain_sid.startswith("S-1-5-21-")
    assert account(records, ADMINISTRATOR).sid == f"{domain_sid}-500"
    assert account(records, KRBTGT).sid == f"{domain_sid}-502"
    assert group(records, DOMAIN_ADMINS).sid == f"{domain_sid}-512"
    created = [account(records, dn) for dn in samba.population.users]
    assert all((a.sid or "").startswith(domain_sid + "-") and (rid(a.sid) or 0) >= 1000 for a in created)
    assert len({a.sid for a in created}) == len(created)


def test_member_of_is_computed_by_the_dc_and_lists_direct_groups_only(samba: SambaDomain) -> None:
    _, records = sync(samba.dc)
    # The test only wrote `member` on the groups; `memberOf` is the DC's back link.
    assert [g.lower() for g in account(records, HELENE).member_of] == [DOMAIN_ADMINS.lower()]
    assert [g.lower() for g in account(records, NESTED_ADMIN).member_of] == [NESTED_GROUP.lower()]
    assert {m.lower() for m in group(records, DOMAIN_ADMINS).members} == {
        ADMINISTRATOR.lower(),
        HELENE.lower(),
        NESTED_GROUP.lower(),
    }


def test_primary_group_membership_appears_only_in_primary_group_id(samba: SambaDomain) -> None:
    _, records = sync(samba.dc)
    agent = account(records, samba.population.users[1])
    domain_users = group(records, DOMAIN_USERS)
    assert rid(agent.primary_group_sid) == 513 and agent.primary_group_sid == domain_users.sid
    assert DOMAIN_USERS.lower() not in {g.lower() for g in agent.member_of}
    assert agent.dn.lower() not in {m.lower() for m in domain_users.members}
    # An account whose primary group is Domain Admins is missing from the group's `member` list...
    hidden = account(records, HIDDEN_ADMIN)
    assert rid(hidden.primary_group_sid) == 512
    assert HIDDEN_ADMIN.lower() not in {m.lower() for m in group(records, DOMAIN_ADMINS).members}
    # ...and still a Domain Admin for the hub.
    assert DOMAIN_ADMINS in privileged_members(records)[HIDDEN_ADMIN.lower()]
    assert rid(account(records, OLD_PC).primary_group_sid) == 515  # Domain Computers


def test_the_hubs_privileged_set_equals_the_dcs_token_groups(samba: SambaDomain) -> None:
    """tokenGroups (nesting and primary group included) is AD's own answer to "who is privileged"."""
    _, records = sync(samba.dc)
    users = [r for r in records if isinstance(r, DirectoryAccount) and r.kind == "user"]

    def privileged_by_token(connection: Any) -> set[str]:
        found = set()
        for user in users:
            entry = connection.search_s(user.dn, ldap.SCOPE_BASE, attrlist=["tokenGroups"])[0][1]
            if {rid(sid_to_string(raw)) for raw in entry.get("tokenGroups", [])} & PRIVILEGED_RIDS:
                found.add(user.dn.lower())
        return found

    truth = as_admin(samba.dc, privileged_by_token)
    assert truth == {ADMINISTRATOR.lower(), HELENE.lower(), NESTED_ADMIN.lower(), HIDDEN_ADMIN.lower()}
    assert set(privileged_members(records)) == truth


def test_the_in_chain_matching_rule_resolves_nesting_but_not_primary_groups(samba: SambaDomain) -> None:
    in_chain = as_admin(
        samba.dc,
        lambda c: {
            dn.lower()
            for dn, _ in c.search_s(
                BASE_DN, ldap.SCOPE_SUBTREE, f"(memberOf:{IN_CHAIN}:={DOMAIN_ADMINS})", ["1.1"]
            )
            if dn
        },
    )
    assert in_chain == {ADMINISTRATOR.lower(), HELENE.lower(), NESTED_ADMIN.lower(), NESTED_GROUP.lower()}
    # The one the rule misses is the primary-group member: why the hub reads primaryGroupID too.
    assert HIDDEN_ADMIN.lower() not in in_chain


def test_filetimes_and_account_flags_are_decoded(samba: SambaDomain) -> None:
    _, records = sync(samba.dc)
    now = datetime.now(UTC)
    helene = account(records, HELENE)
    assert helene.password_last_set is not None and now - helene.password_last_set < timedelta(hours=1)
    assert helene.password_never_expires and helene.enabled and not helene.preauth_not_required
    assert helene.display_name == "Hélène Dupré" and helene.login == "hdupre"
    stale = account(records, HIDDEN_ADMIN).last_logon
    assert stale == datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=STALE_LOGON // 10)
    assert not account(records, samba.population.users[1]).enabled  # Agent 00: disabled at creation
    assert not account(records, KRBTGT).enabled
    old_pc = account(records, OLD_PC)
    assert (old_pc.kind, old_pc.operating_system, old_pc.dns_name) == (
        "computer",
        "Windows 7 Professionnel",
        "pc-urg-01.chu-demo.local",
    )


def test_display_names_are_the_dcs_display_name_else_its_cn(samba: SambaDomain) -> None:
    # The connector does not ask AD for an account's cn: it reads it from the DN's first RDN. On a real AD,
    # that is the cn the DC holds (Administrator, krbtgt and computers have no displayName).
    _, records = sync(samba.dc)

    def names(connection: Any) -> dict[str, str]:
        found = connection.search_s(BASE_DN, ldap.SCOPE_SUBTREE, "(objectClass=user)", ["displayName", "cn"])
        return {
            dn.lower(): (entry.get("displayName") or entry["cn"])[0].decode() for dn, entry in found if dn
        }

    truth = as_admin(samba.dc, names)
    accounts = {r.dn.lower(): r.display_name for r in records if isinstance(r, DirectoryAccount)}
    assert accounts == truth
    assert accounts[ADMINISTRATOR.lower()] == "Administrator" and accounts[OLD_PC.lower()] == "PC-URG-01"


def test_group_members_read_range_by_range_are_the_whole_membership(samba: SambaDomain) -> None:
    # AD gives at most MaxValRange (1500) members per read and announces the rest as `member;range=0-1499`;
    # with ranges of one member, every group of several members takes the follow-up reads a big group would.
    _, whole = sync(samba.dc)
    _, ranged = sync(samba.dc, member_range=1)
    groups = {r.dn: set(r.members) for r in whole if isinstance(r, DirectoryGroup)}
    assert {r.dn: set(r.members) for r in ranged if isinstance(r, DirectoryGroup)} == groups
    admins = next(members for dn, members in groups.items() if dn.lower() == DOMAIN_ADMINS.lower())
    assert {HELENE.lower(), NESTED_GROUP.lower()} <= {m.lower() for m in admins} and len(admins) >= 3
    assert privileged_members(ranged) == privileged_members(whole)
