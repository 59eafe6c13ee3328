"""Change alerts between two real syncs: a member added to Domain Admins, a re-enabled admin, a mass."""

from __future__ import annotations

from connectors.base import CollectingSink
from connectors.ldap.changes import changes
from connectors.ldap.connector import LdapConnector
from connectors.ldap.records import DirectoryRecord
from ght_soc.demo_directory import AdLikeSlapd
from tests.connectors.ldap.directory import SLAPD_MISSING, SUFFIX, directory, settings

pytestmark = SLAPD_MISSING
USERS_OU = f"ou=utilisateurs,{SUFFIX}"


def snapshot(server: AdLikeSlapd) -> list[DirectoryRecord]:
    sink: CollectingSink[DirectoryRecord] = CollectingSink()
    assert LdapConnector(settings(server), sink).sync().complete
    return sink.records


def test_adding_a_user_to_domain_admins_is_a_critical_change() -> None:
    server = AdLikeSlapd(directory())
    server.start()
    try:
        before = snapshot(server)
        assert changes(before, before) == []
        server.ldapmodify(
            f"dn: CN=Admins du domaine,OU=Utilisateurs,{SUFFIX}\nchangetype: modify\nadd: member\n"
            f"member: CN=Agent 99,OU=Utilisateurs,{SUFFIX}\n"
        )
        (change,) = changes(before, snapshot(server))
    finally:
        server.stop()
    assert change.kind == "privileged_member_added" and change.severity == "critical"
    assert change.objects == (f"cn=agent 99,{USERS_OU}",)
    assert change.title.startswith("Nouveau compte privilégié")
    assert [g.lower() for g in change.groups] == [f"cn=admins du domaine,{USERS_OU}"]


def test_a_disabled_admin_reenabled_and_a_mass_of_new_accounts(slapd: AdLikeSlapd) -> None:
    current = snapshot(slapd)
    admin = next(r for r in current if r.dn.lower() == f"cn=hélène dupré,{USERS_OU}")
    from dataclasses import replace

    previous = [replace(r, enabled=False) if r is admin else r for r in current]
    previous = [r for r in previous if not r.dn.lower().startswith("cn=agent 1")]  # ~1,100 accounts "new" now
    found = {c.kind: c for c in changes(previous, current)}
    assert found["privileged_account_reenabled"].objects == (f"cn=hélène dupré,{USERS_OU}",)
    assert len(found["mass_account_creation"].objects) > 1000
