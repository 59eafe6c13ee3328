"""LDAP benchmark: the connector's full and incremental syncs against `ldapsearch`, on the same slapd.

Loads 50,000 users and 12,500 computers (AD-like schema) with slapadd, then times a full sync (records
counted, not kept), a no-change incremental sync, and `ldapsearch -E pr=1000/noprompt` dumping the same
entries to /dev/null. The last line of output is one JSON object with the figures.

    .venv/bin/python bench/ldap_sync.py [--users 50000 --computers 12500]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.ldap.connector import ACCOUNT_ATTRIBUTES, GROUP_ATTRIBUTES, LdapConnector  # noqa: E402
from connectors.ldap.records import DirectoryRecord  # noqa: E402
from connectors.ldap.settings import LdapSettings  # noqa: E402
from ght_soc.demo_directory import AdLikeSlapd, entry, filetime, sid  # noqa: E402

SUFFIX = AdLikeSlapd.suffix
PASSWORD = "lecture-seule-0123456789"
NOW = datetime.now(UTC)


class CountingSink:
    def __init__(self) -> None:
        self.count = 0

    def emit(self, record: DirectoryRecord) -> None:
        self.count += 1

    def emit_many(self, records: object) -> None:
        raise NotImplementedError


def directory(users: int, computers: int) -> str:
    parts = [
        entry(SUFFIX, objectClass=["dcObject", "organization"], dc="chu-demo", o="CHU"),
        entry(
            f"cn=svc-ghtsoc,{SUFFIX}", objectClass="person", cn="svc-ghtsoc", sn="s", userPassword=PASSWORD
        ),
        entry(f"OU=U,{SUFFIX}", objectClass="organizationalUnit", ou="U"),
        entry(f"OU=C,{SUFFIX}", objectClass="organizationalUnit", ou="C"),
    ]
    for n in range(users):
        parts.append(
            entry(
                f"CN=Agent {n},OU=U,{SUFFIX}",
                objectClass="user",
                cn=f"Agent {n}",
                sn=str(n),
                sAMAccountName=f"a{n}",
                objectSid=sid(5000 + n),
                userAccountControl=512,
                uSNChanged=100_000 + n,
                lastLogonTimestamp=filetime(NOW - timedelta(days=n % 300)),
                pwdLastSet=filetime(NOW),
                memberOf=f"CN=Groupe {n % 50},OU=U,{SUFFIX}",
            )
        )
    for n in range(computers):
        parts.append(
            entry(
                f"CN=PC-{n:05d},OU=C,{SUFFIX}",
                objectClass="computer",
                cn=f"PC-{n:05d}",
                sn="pc",
                sAMAccountName=f"PC-{n:05d}$",
                objectSid=sid(900_000 + n),
                userAccountControl=4096,
                operatingSystem="Windows 10 Entreprise",
                operatingSystemVersion="10.0 (19045)",
                uSNChanged=500_000 + n,
                dNSHostName=f"pc-{n:05d}.chu.local",
            )
        )
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--computers", type=int, default=12_500)
    arguments = parser.parse_args()
    started = time.monotonic()
    server = AdLikeSlapd(directory(arguments.users, arguments.computers))
    server.start()
    print(
        f"slapd loaded with {arguments.users} users and {arguments.computers} computers "
        f"in {time.monotonic() - started:.1f} s"
    )
    try:
        settings = LdapSettings(
            establishment="chu",
            uri=server.ldap_uri,
            bind_dn=f"cn=svc-ghtsoc,{SUFFIX}",
            password=PASSWORD,
            base_dns=(SUFFIX,),
            start_tls=False,
            allow_plain_ldap=True,
            page_size=1000,
            timeout=120,
        )
        sink = CountingSink()
        start = time.monotonic()
        summary = LdapConnector(settings, sink).sync()
        full_s = time.monotonic() - start
        assert summary.complete, summary.error
        start = time.monotonic()
        incremental = LdapConnector(settings, CountingSink()).sync(since=str(int(str(summary.watermark)) + 1))
        incremental_s = time.monotonic() - start
        assert incremental.complete, incremental.error
        start = time.monotonic()
        subprocess.run(
            [
                "ldapsearch",
                "-x",
                "-LLL",
                "-H",
                server.ldap_uri,
                "-D",
                f"cn=svc-ghtsoc,{SUFFIX}",
                "-w",
                PASSWORD,
                "-b",
                SUFFIX,
                "-E",
                "pr=1000/noprompt",
                "(|(objectClass=user)(objectClass=group))",
                *sorted(set(ACCOUNT_ATTRIBUTES + GROUP_ATTRIBUTES)),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )
        ldapsearch_s = time.monotonic() - start
    finally:
        server.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"full sync     : {summary.entries} entries in {full_s:.2f} s ({summary.entries / full_s:,.0f}/s)")
    print(f"incremental   : {incremental.entries} entries in {incremental_s:.3f} s ({incremental.counts})")
    print(f"ldapsearch    : {ldapsearch_s:.2f} s")
    print(
        json.dumps(
            {
                "entries": summary.entries,
                "full_sync_s": round(full_s, 2),
                "ldapsearch_s": round(ldapsearch_s, 2),
                "ratio_vs_ldapsearch": round(full_s / ldapsearch_s, 2),
                "incremental_s": round(incremental_s, 3),
                "peak_rss_mb": round(peak, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
