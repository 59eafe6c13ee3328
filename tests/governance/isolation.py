"""Governance rows of one establishment only, for the route-by-route isolation walk (tests/test_scoping.py)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.governance.enums import DesignationRole, ResourceKind, ShareUnit
from ght_soc.governance.shares import Share
from ght_soc.services.obligations import Actor, store_evidence
from ght_soc.services.shared_resources import NewDesignation, NewResource, create_resource, designate

OTHER_PERSON = "Correspondante secrète de l'EPSM"


def governance_of(app: Flask, establishment_id: int, at: datetime) -> dict[str, int]:
    """A person designated for this establishment only, and an evidence document of it: their URL ids."""
    with db.session_for(SYSTEM, app) as session:
        person = create_resource(
            session=session, resource=NewResource(ResourceKind.PERSON, OTHER_PERSON), now=at
        )
        document = store_evidence(
            session=session,
            establishment_id=establishment_id,
            filename="acte.pdf",
            content_type="application/pdf",
            data=b"%PDF",
            actor=Actor("test"),
            now=at,
        )
        designation = designate(
            session=session,
            establishment_id=establishment_id,
            designation=NewDesignation(
                person.id,
                DesignationRole.SECURITY_CORRESPONDENT,
                Share(50, ShareUnit.PERCENT),
                date(2025, 1, 1),
                act_document_id=document.id,
            ),
            actor="test",
            now=at,
        )
        return {"resource_id": person.id, "document_id": document.id, "designation_id": designation.id}
