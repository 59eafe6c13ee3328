"""The OpenLDAP profile: inetOrgPerson accounts, groupOfNames groups, incremental sync by modifyTimestamp;
and entries that lack the usual attributes."""

from __future__ import annotations

import time
from datetime import timedelta

from connectors.base import CollectingSink
from connectors.ldap.connector import LdapConnector
from connectors.ldap.decode import generalized_time
from connectors.ldap.records import DirectoryAccount, DirectoryGroup, DirectoryRecord
from ght_soc.demo_directory import AdLikeSlapd, entry
from tests.connectors.ldap.directory import SERVICE_ACCOUNT, SERVICE_PASSWORD, SLAPD_MISSING, SUFFIX, settings

pytestmark = SLAPD_MISSING
PEOPLE = f"ou=people,{SUFFIX}"


def openldap_directory() -> str:
    parts = [
        entry(SUFFIX, objectClass=["dcObject", "organization"], dc="chu-demo", o="CHU"),
        entry(SERVICE_ACCOUNT, objectClass="person", cn="svc-ghtsoc", sn="s", userPassword=SERVICE_PASSWORD),
        entry(PEOPLE, objectClass="organizationalUnit", ou="people"),
        entry(
            f"uid=jdupont,{PEOPLE}",
            objectClass="inetOrgPerson",
            uid="jdupont",
            cn="Jeanne Dupont",
            sn="Dupont",
            displayName="Jeanne Dupont",
        ),
        entry(
            f"uid=bare,{PEOPLE}", objectClass="inetOrgPerson", cn="bare", sn="bare"
        ),  # no uid attribute value
        entry(f"cn=admins,{SUFFIX}", objectClass="groupOfNames", cn="admins", member=f"uid=jdupont,{PEOPLE}"),
    ]
    return "\n".join(parts)


def test_openldap_accounts_groups_and_incremental_sync() -> None:
    server = AdLikeSlapd(openldap_directory())
    server.start()
    try:
        options = {"profile": "openldap"}
        full: CollectingSink[DirectoryRecord] = CollectingSink()
        summary = LdapConnector(settings(server, **options), full).sync()
        assert summary.complete and summary.counts == {"user": 2, "computer": 0, "group": 1}
        accounts = {r.dn.lower(): r for r in full.records if isinstance(r, DirectoryAccount)}
        jeanne = accounts[f"uid=jdupont,{PEOPLE}"]
        assert jeanne.login == "jdupont" and jeanne.display_name == "Jeanne Dupont" and jeanne.enabled
        bare = accounts[f"uid=bare,{PEOPLE}"]
        assert bare.login == "bare" and bare.sid is None and bare.last_logon is None  # uid from the RDN
        (group,) = [r for r in full.records if isinstance(r, DirectoryGroup)]
        assert group.members == (f"uid=jdupont,{PEOPLE}",)
        assert summary.watermark is not None and generalized_time(summary.watermark) is not None

        time.sleep(1.1)  # modifyTimestamp has a one-second resolution
        server.ldapmodify(
            f"dn: uid=jdupont,{PEOPLE}\nchangetype: modify\nreplace: displayName\ndisplayName: J. Dupont\n"
        )
        after = generalized_time(summary.watermark)
        assert after is not None
        since = (after + timedelta(seconds=1)).strftime("%Y%m%d%H%M%SZ")
        changed: CollectingSink[DirectoryRecord] = CollectingSink()
        incremental = LdapConnector(settings(server, **options), changed).sync(since=since)
    finally:
        server.stop()
    assert incremental.mode == "incremental" and incremental.complete
    assert [getattr(r, "display_name", None) for r in changed.records] == ["J. Dupont"]
