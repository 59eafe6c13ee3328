"""LDAP benchmark: the connector's full and incremental syncs against `ldapsearch`, on the same slapd.

Loads 50,000 users and 12,500 computers (AD-like schema) with slapadd, then times a full sync, a no-change
incremental sync, and `ldapsearch -E pr=1000/noprompt` dumping the same entries to /dev/null. The last line
of output is one JSON object with the figures.

What "full sync" covers: the connector only (paged searches, entries decoded into records, records counted
by the sink, not kept). Storing them in the hub (`apply_sync`) is timed apart, with `--hub`, on a fresh
SQLite database: a first sync (everything new), the same sync again (nothing changed), and an incremental
sync that read nothing (the hub judges it on the stored directory, which it reads back): wall and CPU time
of each, and the process's peak RSS after each (the sync's 62,500 records, about 50 MB, included).

Timings are the best of `--repeat` runs, full syncs and ldapsearch interleaved, so that a busy machine
disturbs both sides alike. The `*_cpu_s` figures are the client's own CPU time (this process, or the
ldapsearch process), which a busy machine disturbs far less than wall time: `python_ldap_read_cpu_s` is
python-ldap reading the same pages and building nothing, the floor of any sync written on python-ldap.

    .venv/bin/python bench/ldap_sync.py [--users 50000 --computers 12500 --repeat 3 --hub]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ldap  # noqa: E402
from ldap.controls import SimplePagedResultsControl  # noqa: E402

from connectors.base import CollectingSink  # noqa: E402
from connectors.ldap.connector import (  # noqa: E402
    ACCOUNT_ATTRIBUTES,
    GROUP_ATTRIBUTES,
    SEARCHES,
    LdapConnector,
)
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


def ldapsearch(server: AdLikeSlapd) -> tuple[float, float]:
    """Wall and CPU time of ldapsearch dumping the entries the connector reads."""
    start, before = time.monotonic(), os.times()
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
            # every attribute the connector may ask for (the reference of the first figures: AD is no longer
            # asked for the accounts' cn and uid, ldapsearch still is)
            *sorted(
                {*ACCOUNT_ATTRIBUTES["active_directory"], *ACCOUNT_ATTRIBUTES["openldap"], *GROUP_ATTRIBUTES}
            ),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    after = os.times()
    cpu = after.children_user + after.children_system - before.children_user - before.children_system
    return time.monotonic() - start, cpu


def python_ldap_read(settings: LdapSettings) -> float:
    """CPU time of the connector's searches read page after page, with nothing built from the entries."""
    connection = ldap.initialize(settings.uri)
    connection.simple_bind_s(settings.bind_dn, settings.password)
    start = time.process_time()
    for kind, search_filter in SEARCHES[settings.profile].items():
        attributes = GROUP_ATTRIBUTES if kind == "group" else ACCOUNT_ATTRIBUTES[settings.profile]
        control = SimplePagedResultsControl(True, size=settings.page_size, cookie="")
        while True:
            message = connection.search_ext(
                SUFFIX, ldap.SCOPE_SUBTREE, search_filter, attributes, serverctrls=[control]
            )
            _type, _entries, _id, controls = connection.result3(message)
            cookies = [c.cookie for c in controls if c.controlType == control.controlType]
            if not cookies or not cookies[0]:
                break
            control.cookie = cookies[0]
    elapsed = time.process_time() - start
    connection.unbind_s()
    return elapsed


def hub_apply(settings: LdapSettings) -> dict[str, float]:
    """apply_sync into a fresh SQLite hub: a first full sync, the same again, then an empty incremental one."""
    import tempfile

    from sqlalchemy import select

    from ght_soc import migrate
    from ght_soc.access import SYSTEM
    from ght_soc.app import create_app
    from ght_soc.database import db, make_engine
    from ght_soc.models import Establishment
    from ght_soc.resources import bundled_config_path
    from ght_soc.services.directories import apply_sync
    from ght_soc.services.ghts import sync_from_config
    from ght_soc.settings import load_config

    full: CollectingSink[DirectoryRecord] = CollectingSink()
    summary = LdapConnector(settings, full).sync()
    quiet: CollectingSink[DirectoryRecord] = CollectingSink()
    incremental = LdapConnector(settings, quiet).sync(since=str(int(str(summary.watermark)) + 1))
    assert summary.complete and incremental.complete and not quiet.records
    secret = {"GHT_SOC_SECRET_KEY": os.environ.get("GHT_SOC_SECRET_KEY", "bench-secret-key-0123456789")}
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{Path(work) / 'hub.db'}"
        migrate.upgrade(url)
        config = load_config(bundled_config_path("ght.example.yaml"), environ=secret)
        engine = make_engine(url)
        app = create_app(config, db_bind=engine)
        with db.session_for(SYSTEM, app) as session:
            sync_from_config(session=session, settings=config.settings)
            establishment_id = session.scalars(select(Establishment.id)).first()
        figures = {}
        runs = (
            ("first", full.records, summary),
            ("unchanged", full.records, summary),
            ("incremental", [], incremental),
        )
        for label, records, applied in runs:
            start, cpu = time.monotonic(), time.process_time()
            with db.session_for(SYSTEM, app) as session:
                apply_sync(
                    session=session,
                    establishment_id=int(establishment_id or 0),
                    directory="ad-bench",
                    records=records,
                    summary=applied,
                    now=datetime.now(UTC),
                )
            figures[f"hub_apply_{label}_s"] = round(time.monotonic() - start, 2)
            figures[f"hub_apply_{label}_cpu_s"] = round(time.process_time() - cpu, 2)
            # The process's peak so far: it only grows, so each figure covers the runs before it too.
            figures[f"hub_apply_{label}_peak_rss_mb"] = round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            )
        engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--computers", type=int, default=12_500)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best one counts")
    parser.add_argument("--hub", action="store_true", help="also time apply_sync into a SQLite hub")
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
        full_runs, full_cpu, ldapsearch_runs, ldapsearch_cpu = [], [], [], []
        for _run in range(max(1, arguments.repeat)):
            start, cpu = time.monotonic(), time.process_time()
            summary = LdapConnector(settings, CountingSink()).sync()
            full_runs.append(time.monotonic() - start)
            full_cpu.append(time.process_time() - cpu)
            assert summary.complete, summary.error
            wall, cpu = ldapsearch(server)
            ldapsearch_runs.append(wall)
            ldapsearch_cpu.append(cpu)
        full_s, ldapsearch_s = min(full_runs), min(ldapsearch_runs)
        read_cpu = min(python_ldap_read(settings) for _run in range(max(1, arguments.repeat)))
        start = time.monotonic()
        incremental = LdapConnector(settings, CountingSink()).sync(since=str(int(str(summary.watermark)) + 1))
        incremental_s = time.monotonic() - start
        assert incremental.complete, incremental.error
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the hub part, if any
        hub = hub_apply(settings) if arguments.hub else {}
    finally:
        server.stop()
    runs = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(full_runs, ldapsearch_runs, strict=True))
    print(f"full sync     : {summary.entries} entries in {full_s:.2f} s ({summary.entries / full_s:,.0f}/s)")
    print(f"incremental   : {incremental.entries} entries in {incremental_s:.3f} s ({incremental.counts})")
    print(f"ldapsearch    : {ldapsearch_s:.2f} s (runs, full sync/ldapsearch: {runs})")
    print(
        f"client CPU    : full sync {min(full_cpu):.2f} s, ldapsearch {min(ldapsearch_cpu):.2f} s, "
        f"python-ldap reading the same pages and building nothing {read_cpu:.2f} s"
    )
    for label, value in hub.items():
        print(f"{label}: {value:.2f} {'MB' if label.endswith('_mb') else 's'}")
    print(
        json.dumps(
            {
                "entries": summary.entries,
                "full_sync_s": round(full_s, 2),
                "ldapsearch_s": round(ldapsearch_s, 2),
                "ratio_vs_ldapsearch": round(full_s / ldapsearch_s, 2),
                "incremental_s": round(incremental_s, 3),
                "peak_rss_mb": round(peak, 1),
                "full_sync_cpu_s": round(min(full_cpu), 2),
                "ldapsearch_cpu_s": round(min(ldapsearch_cpu), 2),
                "python_ldap_read_cpu_s": round(read_cpu, 2),
                "repeat": max(1, arguments.repeat),
                **hub,
            }
        )
    )


if __name__ == "__main__":
    main()
