"""A directory's syncs applied to the hub: inventory kept, deletions only from complete full syncs, findings,
and a member added to Domain Admins raising an alert."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import func, select

from connectors.base import CollectingSink
from connectors.ldap.connector import LdapConnector
from connectors.ldap.records import DirectoryRecord, SyncSummary
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.demo_directory import AdLikeSlapd
from ght_soc.domain import Role
from ght_soc.models import Alert, DirectoryFinding, DirectoryObject
from ght_soc.services.directories import apply_sync
from tests.conftest import Establishments, HubClient
from tests.connectors.ldap.directory import SLAPD_MISSING, SUFFIX, USERS, directory, settings

pytestmark = SLAPD_MISSING
NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def sync(
    app: Flask,
    server: AdLikeSlapd,
    establishment_id: int,
    sink: CollectingSink[DirectoryRecord] | None = None,
):
    sink = sink or CollectingSink()
    summary = LdapConnector(settings(server), sink).sync()
    with db.session_for(SYSTEM, app) as session:
        return summary, apply_sync(
            session=session,
            establishment_id=establishment_id,
            directory="ad-chu",
            records=sink.records,
            summary=summary,
            now=NOW,
        )


def objects(app: Flask, **where: object) -> int:
    with db.session_for(SYSTEM, app) as session:
        query = select(func.count()).select_from(DirectoryObject).filter_by(**where)
        return int(session.scalar(query) or 0)


def test_syncs_keep_the_inventory_and_only_a_complete_full_sync_deletes(
    app: Flask, establishments: Establishments
) -> None:
    chu = establishments["chu-tours-demo"].id
    server = AdLikeSlapd(directory())
    server.start()
    try:
        summary, first = sync(app, server, chu)
        assert summary.complete and first.alerts_created == 0
        total = objects(app, establishment_id=chu)
        assert total == USERS + 3 + 1 + 2  # users (+ admin, krbtgt, former admin), a computer, two groups
        assert objects(app, establishment_id=chu, privileged=True) == 2
        with db.session_for(SYSTEM, app) as session:
            kinds = {f.finding for f in session.scalars(select(DirectoryFinding))}
        assert "ldap.privileged_kerberoastable" in kinds and "ldap.unsupported_windows" in kinds

        server.ldapdelete(f"CN=Agent 5,OU=Utilisateurs,{SUFFIX}")
        partial = SyncSummary("chu", "full", False, 10, None, NOW, NOW, error="connexion perdue")
        with db.session_for(SYSTEM, app) as session:
            apply_sync(
                session=session,
                establishment_id=chu,
                directory="ad-chu",
                records=[],
                summary=partial,
                now=NOW,
            )
        assert objects(app, establishment_id=chu, deleted_at=None) == total  # nothing concluded from it

        server.ldapmodify(
            f"dn: CN=Admins du domaine,OU=Utilisateurs,{SUFFIX}\nchangetype: modify\nadd: member\n"
            f"member: CN=Agent 99,OU=Utilisateurs,{SUFFIX}\n"
        )
        _, second = sync(app, server, chu)
    finally:
        server.stop()
    assert second.deleted == 1 and objects(app, establishment_id=chu, deleted_at=None) == total - 1
    assert second.alerts_created == 1
    with db.session_for(SYSTEM, app) as session:
        (alert,) = session.scalars(select(Alert).where(Alert.source == "ldap"))
        assert alert.establishment_id == chu and alert.severity.value == "critical"
        assert alert.title == f"Nouveau compte privilégié : cn=agent 99,ou=utilisateurs,{SUFFIX}"


def test_the_inventory_page_shows_objects_and_findings(
    app: Flask, establishments: Establishments, make_user, make_client
) -> None:
    server = AdLikeSlapd(directory())
    server.start()
    try:
        sync(app, server, establishments["chu-tours-demo"].id)
    finally:
        server.stop()
    make_user("rssi", Role.GHT_RSSI)
    client: HubClient = make_client()
    client.login("rssi")
    page = html.unescape(client.get("/inventory/?privileged=1").text)
    assert "hdupre" in page and "agent7" in page and "agent8" not in page
    assert "Comptes privilégiés avec un SPN (kerberoasting)" in page
