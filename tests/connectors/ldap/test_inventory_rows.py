"""What the hub writes for each sync, compared by digest: unchanged objects untouched, privileges following
the groups, objects coming back, incremental syncs judged on the whole directory, alerts raised once, and
the establishment checked against the session's scope (the rows are written by Core statements)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
from flask import Flask
from sqlalchemy import func, select

from connectors.base import CollectingSink
from connectors.ldap.connector import LdapConnector
from connectors.ldap.records import DirectoryGroup, DirectoryRecord, SyncSummary
from ght_soc.access import SYSTEM, Grant, Principal
from ght_soc.database import db
from ght_soc.demo_directory import AdLikeSlapd
from ght_soc.domain import Role
from ght_soc.models import Alert, DirectoryFinding, DirectoryObject
from ght_soc.services.directories import DirectorySyncResult, OutOfScopeError, apply_sync
from tests.conftest import Establishments
from tests.connectors.ldap.directory import SLAPD_MISSING, SUFFIX, settings

pytestmark = SLAPD_MISSING
NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
CHU = "chu-tours-demo"
AGENT_3 = f"cn=agent 3,ou=utilisateurs,{SUFFIX}"
AGENT_99 = f"cn=agent 99,ou=utilisateurs,{SUFFIX}"
ADMINS = f"cn=admins du domaine,ou=utilisateurs,{SUFFIX}"


@pytest.fixture(scope="module")
def records(slapd: AdLikeSlapd) -> list[DirectoryRecord]:
    sink: CollectingSink[DirectoryRecord] = CollectingSink()
    assert LdapConnector(settings(slapd), sink).sync().complete
    return sink.records


def apply(
    app: Flask,
    establishment_id: int,
    records: Sequence[DirectoryRecord],
    now: datetime = NOW,
    mode: Literal["full", "incremental"] = "full",
    principal: Principal = SYSTEM,
) -> DirectorySyncResult:
    summary = SyncSummary("chu", mode, True, len(records), None, now, now)
    with db.session_for(principal, app) as session:
        return apply_sync(
            session=session,
            establishment_id=establishment_id,
            directory="ad-chu",
            records=records,
            summary=summary,
            now=now,
        )


def rows(app: Flask) -> dict[str, dict[str, Any]]:
    with db.session_for(SYSTEM, app) as session:
        return {
            row.dn: {
                "id": row.id,
                "digest": row.digest,
                "attributes": row.attributes,
                "privileged": row.privileged,
                "first_seen_at": row.first_seen_at,
                "last_seen_at": row.last_seen_at,
                "deleted_at": row.deleted_at,
            }
            for row in session.scalars(select(DirectoryObject).where(DirectoryObject.directory == "ad-chu"))
        }


def with_admin(records: Sequence[DirectoryRecord], member: str) -> list[DirectoryRecord]:
    """The same directory with `member` added to Domain Admins: only the group's record changes."""
    return [
        replace(r, members=(*r.members, member))
        if isinstance(r, DirectoryGroup) and r.dn.lower() == ADMINS
        else r
        for r in records
    ]


def test_an_unchanged_sync_only_moves_last_seen_and_a_change_rewrites_its_row(
    app: Flask, establishments: Establishments, records: list[DirectoryRecord]
) -> None:
    chu = establishments[CHU].id
    first = apply(app, chu, records)
    before = rows(app)
    assert all(row["digest"] for row in before.values())
    later = NOW + timedelta(hours=1)
    changed = [replace(r, display_name="Agent Trois") if r.dn.lower() == AGENT_3 else r for r in records]
    assert apply(app, chu, changed, now=later) == DirectorySyncResult(len(records), 0, first.findings, 0)
    after = rows(app)
    assert after.keys() == before.keys()
    for dn, row in after.items():
        assert row["last_seen_at"] == later and row["first_seen_at"] == NOW and row["id"] == before[dn]["id"]
        if dn != AGENT_3:
            assert row["digest"] == before[dn]["digest"] and row["attributes"] == before[dn]["attributes"]
    assert after[AGENT_3]["digest"] != before[AGENT_3]["digest"]
    assert after[AGENT_3]["attributes"]["display_name"] == "Agent Trois"


def test_privileges_follow_the_groups_and_an_alert_is_raised_once(
    app: Flask, establishments: Establishments, records: list[DirectoryRecord]
) -> None:
    chu = establishments[CHU].id
    apply(app, chu, records)
    promoted = with_admin(records, f"CN=Agent 99,OU=Utilisateurs,{SUFFIX}")
    assert apply(app, chu, promoted).alerts_created == 1
    assert rows(app)[AGENT_99]["privileged"]  # its own record did not change: the flag did
    assert apply(app, chu, records).alerts_created == 0
    assert not rows(app)[AGENT_99]["privileged"]
    assert apply(app, chu, promoted).alerts_created == 0  # the same change again: the alert exists already
    assert rows(app)[AGENT_99]["privileged"]
    with db.session_for(SYSTEM, app) as session:
        assert session.scalar(select(func.count()).select_from(Alert).where(Alert.source == "ldap")) == 1


def test_an_object_that_comes_back_is_alive_again_and_keeps_its_row(
    app: Flask, establishments: Establishments, records: list[DirectoryRecord]
) -> None:
    chu = establishments[CHU].id
    apply(app, chu, records)
    first = rows(app)[AGENT_3]
    without = [r for r in records if r.dn.lower() != AGENT_3]
    assert apply(app, chu, without).deleted == 1
    assert rows(app)[AGENT_3]["deleted_at"] == NOW
    assert apply(app, chu, records).deleted == 0
    back = rows(app)[AGENT_3]
    assert back["deleted_at"] is None and back["id"] == first["id"] and back["first_seen_at"] == NOW


def test_an_incremental_sync_is_judged_on_the_whole_directory(
    app: Flask, establishments: Establishments, records: list[DirectoryRecord]
) -> None:
    chu = establishments[CHU].id
    full = apply(app, chu, records)
    later = NOW + timedelta(hours=1)
    (agent_3,) = (replace(r, display_name="Agent Trois") for r in records if r.dn.lower() == AGENT_3)
    incremental = apply(app, chu, [agent_3], now=later, mode="incremental")
    assert incremental.deleted == 0 and incremental.findings == full.findings
    with db.session_for(SYSTEM, app) as session:
        open_findings = session.scalars(
            select(DirectoryFinding).where(DirectoryFinding.resolved_at.is_(None))
        )
        assert {f.finding for f in open_findings} >= {
            "ldap.privileged_kerberoastable",
            "ldap.unsupported_windows",
        }
    after = rows(app)
    assert (
        after[AGENT_3]["last_seen_at"] == later
        and after[AGENT_3]["attributes"]["display_name"] == "Agent Trois"
    )
    assert sum(row["last_seen_at"] == later for row in after.values()) == 1  # only what it read was seen
    assert sum(row["privileged"] for row in after.values()) == 2


def test_a_session_scoped_to_another_establishment_cannot_apply_a_directory(
    app: Flask, establishments: Establishments, records: list[DirectoryRecord]
) -> None:
    elsewhere = Principal(
        "correspondant", (Grant(Role.SITE_CORRESPONDENT, establishments["ehpad-blois-demo"].id),)
    )
    with pytest.raises(OutOfScopeError):
        apply(app, establishments[CHU].id, records, principal=elsewhere)
    assert rows(app) == {}


def test_two_establishments_with_a_directory_of_the_same_name_never_touch_each_other(
    app: Flask, establishments: Establishments, records: list[DirectoryRecord]
) -> None:
    chu, other = establishments[CHU].id, establishments["ehpad-blois-demo"].id
    apply(app, chu, records)
    apply(app, other, records)
    later = NOW + timedelta(hours=1)
    assert apply(app, other, [r for r in records if r.dn.lower() != AGENT_3], now=later).deleted == 1
    with db.session_for(SYSTEM, app) as session:
        by_establishment = dict(
            session.execute(
                select(DirectoryObject.establishment_id, func.count())
                .where(DirectoryObject.deleted_at.is_(None), DirectoryObject.last_seen_at == NOW)
                .group_by(DirectoryObject.establishment_id)
            ).all()
        )
    assert by_establishment == {chu: len(records)}  # the other one's sync neither deleted nor touched these
