"""The test directory: a few thousand agents, administrators (one through a nested group), a krbtgt account,
an old Windows 7 computer, accents in names and DNs."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.ldap.settings import LdapSettings
from ght_soc.demo_directory import AdLikeSlapd, entry, sid
from ght_soc.demo_directory import filetime as to_filetime

# Skipped on a developer machine without slapd; under CI (which installs it) a missing slapd fails instead.
SLAPD_MISSING = pytest.mark.skipif(
    shutil.which("slapd") is None and not Path("/usr/sbin/slapd").exists() and os.environ.get("CI") != "true",
    reason="slapd is not installed (scripts/bootstrap.sh installs it)",
)
SUFFIX = AdLikeSlapd.suffix
USERS = 2500  # more than the 1,000 entries an unpaged search may return
# The hub binds as a service account, not as the directory's root: the server's limits apply to it.
SERVICE_ACCOUNT = f"cn=svc-ghtsoc,{SUFFIX}"
SERVICE_PASSWORD = "lecture-seule-0123456789"
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def directory() -> str:
    ou_users, ou_computers = f"OU=Utilisateurs,{SUFFIX}", f"OU=Ordinateurs,{SUFFIX}"
    parts = [
        entry(SUFFIX, objectClass=["dcObject", "organization"], dc="chu-demo", o="CHU démo"),
        entry(
            SERVICE_ACCOUNT,
            objectClass=["person"],
            cn="svc-ghtsoc",
            sn="ght-soc",
            userPassword=SERVICE_PASSWORD,
        ),
        entry(ou_users, objectClass="organizationalUnit", ou="Utilisateurs"),
        entry(ou_computers, objectClass="organizationalUnit", ou="Ordinateurs"),
    ]
    for n in range(USERS):
        parts.append(
            entry(
                f"CN=Agent {n},{ou_users}",
                objectClass="user",
                cn=f"Agent {n}",
                sn=f"{n}",
                sAMAccountName=f"agent{n}",
                objectSid=sid(2000 + n),
                userAccountControl=512 + (2 if n % 10 == 0 else 0),
                lastLogonTimestamp=to_filetime(NOW - timedelta(days=n % 400)),
                pwdLastSet=to_filetime(NOW),
                uSNChanged=10_000 + n,
            )
        )
    admin_dn = f"CN=Hélène Dupré,{ou_users}"
    parts.append(
        entry(
            admin_dn,
            objectClass="user",
            cn="Hélène Dupré",
            sn="Dupré",
            sAMAccountName="hdupre",
            displayName="Hélène Dupré",
            objectSid=sid(1105),
            userAccountControl=512 + 0x10000 + 0x400000,
            adminCount=1,
            servicePrincipalName="MSSQLSvc/srv-dpi.chu-demo.local:1433",
            pwdLastSet=to_filetime(NOW - timedelta(days=900)),
            memberOf=f"CN=Admins du domaine,{ou_users}",
            uSNChanged=20_000,
        )
    )
    parts.append(
        entry(
            f"CN=krbtgt,{ou_users}",
            objectClass="user",
            cn="krbtgt",
            sn="krbtgt",
            sAMAccountName="krbtgt",
            objectSid=sid(502),
            userAccountControl=514,
            pwdLastSet=to_filetime(NOW - timedelta(days=400)),
        )
    )
    parts.append(
        entry(
            f"CN=Ancien Admin,{ou_users}",
            objectClass="user",
            cn="Ancien Admin",
            sn="Admin",
            sAMAccountName="ancien.admin",
            objectSid=sid(1300),
            userAccountControl=512,
            adminCount=1,
            lastLogonTimestamp=to_filetime(NOW),
        )
    )
    parts.append(
        entry(
            f"CN=PC-URG-01,{ou_computers}",
            objectClass="computer",
            cn="PC-URG-01",
            sn="pc",
            sAMAccountName="PC-URG-01$",
            objectSid=sid(3001),
            userAccountControl=4096,
            dNSHostName="pc-urg-01.chu-demo.local",
            operatingSystem="Windows 7 Professionnel",
            operatingSystemVersion="6.1 (7601)",
            uSNChanged=20_001,
        )
    )
    parts.append(
        entry(
            f"CN=Admins du domaine,{ou_users}",
            objectClass="group",
            cn="Admins du domaine",
            sAMAccountName="Admins du domaine",
            objectSid=sid(512),
            member=[admin_dn, f"CN=Admins délégués,{ou_users}"],
            uSNChanged=20_002,
        )
    )
    parts.append(
        entry(
            f"CN=Admins délégués,{ou_users}",
            objectClass="group",
            cn="Admins délégués",
            objectSid=sid(1200),
            member=f"CN=Agent 7,{ou_users}",
            uSNChanged=20_003,
        )
    )
    return "\n".join(parts)


def settings(server: AdLikeSlapd, **overrides: object) -> LdapSettings:
    values: dict[str, object] = {
        "establishment": "chu",
        "uri": server.ldap_uri,
        "bind_dn": SERVICE_ACCOUNT,
        "password": SERVICE_PASSWORD,
        "base_dns": (SUFFIX,),
        "start_tls": False,
        "allow_plain_ldap": True,
        "page_size": 400,
        "timeout": 10,
    }
    values.update(overrides)
    return LdapSettings(**values)  # type: ignore[arg-type]
