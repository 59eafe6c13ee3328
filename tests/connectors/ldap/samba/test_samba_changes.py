"""Incremental sync by uSNChanged on a real AD, and the change alert when someone becomes Domain Admin."""

from __future__ import annotations

import uuid
from typing import Any

import ldap

from connectors.ldap.changes import changes
from connectors.ldap.records import DirectoryRecord
from tests.connectors.ldap.samba.population import DOMAIN_ADMINS, USERS_OU, SambaDomain, as_admin, sync

NEWCOMER = f"CN=Agent 03,{USERS_OU}"


def merged(previous: list[DirectoryRecord], increment: list[DirectoryRecord]) -> list[DirectoryRecord]:
    """What the hub's view becomes after an incremental sync: changed entries replace their old version."""
    view = {r.dn.lower(): r for r in previous}
    view.update({r.dn.lower(): r for r in increment})
    return list(view.values())


def test_the_server_identity_is_the_dc_and_its_invocation_id(samba: SambaDomain) -> None:
    summary, _ = sync(samba.dc)

    def read(connection: Any) -> str:
        root = connection.search_s("", ldap.SCOPE_BASE, attrlist=["dsServiceName"])
        service = root[0][1]["dsServiceName"][0].decode()
        ntds = connection.search_s(service, ldap.SCOPE_BASE, attrlist=["invocationId"])
        return f"{service}#{uuid.UUID(bytes_le=ntds[0][1]['invocationId'][0])}"

    assert summary.server_identity == as_admin(samba.dc, read)
    assert (summary.server_identity or "").startswith("CN=NTDS Settings,CN=DC01,")


def test_an_incremental_sync_reads_only_entries_changed_since_the_watermark(samba: SambaDomain) -> None:
    full, _ = sync(samba.dc)
    assert full.watermark is not None and full.watermark.isdigit()
    nothing, records = sync(samba.dc, since=str(int(full.watermark) + 1))
    assert (nothing.complete, nothing.entries, records) == (True, 0, [])
    agent = f"CN=Agent 05,{USERS_OU}"
    as_admin(samba.dc, lambda c: c.modify_s(agent, [(ldap.MOD_REPLACE, "description", [b"Urgences, nuit"])]))
    changed, records = sync(samba.dc, since=str(int(full.watermark) + 1))
    assert changed.mode == "incremental" and changed.complete
    assert [r.dn for r in records] == [agent]
    assert int(changed.watermark or 0) > int(full.watermark)
    assert changed.server_identity == full.server_identity


def test_adding_a_member_to_domain_admins_changes_the_group_and_raises_a_critical_alert(
    samba: SambaDomain,
) -> None:
    before, previous = sync(samba.dc)
    assert changes(previous, previous) == []
    as_admin(samba.dc, lambda c: c.modify_s(DOMAIN_ADMINS, [(ldap.MOD_ADD, "member", [NEWCOMER.encode()])]))
    try:
        summary, increment = sync(samba.dc, since=str(int(before.watermark or 0) + 1))
    finally:  # the DC is shared by the session
        as_admin(
            samba.dc, lambda c: c.modify_s(DOMAIN_ADMINS, [(ldap.MOD_DELETE, "member", [NEWCOMER.encode()])])
        )
    # The DC bumps the group's uSNChanged, not the member's (memberOf is a back link): the increment is the
    # group with its whole member list, which is enough to see the newcomer.
    assert summary.complete and [r.dn for r in increment] == [DOMAIN_ADMINS]
    (change,) = changes(previous, merged(previous, increment))
    assert (change.kind, change.severity) == ("privileged_member_added", "critical")
    assert change.objects == (NEWCOMER.lower(),)
    assert change.title.startswith("Nouveau compte privilégié")
    # Domain Admins, and Administrators (BUILTIN) into which the DC nests Domain Admins.
    assert {g.split(",")[0] for g in change.groups} == {"CN=Domain Admins", "CN=Administrators"}
