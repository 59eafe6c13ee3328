"""Governance fixtures: a few shared people with designations, seeded through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.governance.enums import DesignationRole, ResourceKind, ShareUnit
from ght_soc.governance.shares import Share
from ght_soc.services.shared_resources import NewDesignation, NewResource, create_resource, designate
from tests.conftest import Establishments, HubClient

AT = datetime(2026, 11, 20, 9, tzinfo=UTC)
CHU, EHPAD, EPSM = "chu-tours-demo", "ehpad-blois-demo", "epsm-loches-demo"


@pytest.fixture()
def client(client: HubClient, app: Flask) -> HubClient:
    """The shared client, reading the pages in English: these tests quote the English wording.

    French stays the product default (tests/test_i18n.py); a complete French catalogue would otherwise hide it.
    """
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    return client


@dataclass(frozen=True)
class People:
    rssi_id: int
    epsm_only_id: int


@pytest.fixture()
def people(app: Flask, establishments: Establishments, make_user) -> People:
    """A pooled RSSI over three establishments (120 % in all) and a correspondent of the EPSM only."""
    make_user("rssi", Role.GHT_RSSI)
    make_user("correspondant", Role.SITE_CORRESPONDENT, EHPAD)
    with db.session_for(SYSTEM, app) as session:
        rssi = create_resource(
            session=session, resource=NewResource(ResourceKind.PERSON, "Claire Martin", "CHU Tours"), now=AT
        )
        secret = create_resource(
            session=session,
            resource=NewResource(ResourceKind.PERSON, "Correspondant secret de l'EPSM"),
            now=AT,
        )
        for key, share in (
            (CHU, Share(60, ShareUnit.PERCENT)),
            (EHPAD, Share(8, ShareUnit.DAYS_PER_MONTH)),
            (EPSM, Share(20, ShareUnit.PERCENT)),
        ):
            designate(
                session=session,
                establishment_id=establishments[key].id,
                designation=NewDesignation(
                    rssi.id,
                    DesignationRole.POOLED_RSSI,
                    share,
                    date(2025, 1, 1),
                    act_reference=f"Décision {key}",
                ),
                actor="test",
                now=AT,
            )
        designate(
            session=session,
            establishment_id=establishments[EPSM].id,
            designation=NewDesignation(
                secret.id,
                DesignationRole.SECURITY_CORRESPONDENT,
                Share(50, ShareUnit.PERCENT),
                date(2025, 1, 1),
            ),
            actor="test",
            now=AT,
        )
        return People(rssi.id, secret.id)
