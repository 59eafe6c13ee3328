"""Automatic evidence from every connector: SNMP device findings and late declarations join the directory's."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import DeviceFinding, NetworkDevice
from ght_soc.services.governance_evidence import observe_all
from tests.conftest import Establishments

AT = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def test_an_open_snmp_finding_is_evidence_for_its_establishment_under_its_catalogue_name(
    app: Flask, establishments: Establishments
) -> None:
    chu = establishments["chu-tours-demo"].id
    with db.session_for(SYSTEM, app) as session:
        device = NetworkDevice(
            establishment_id=chu, target="coeur", address="10.37.1.1", poll_status="ok",
            first_seen_at=AT, last_polled_at=AT, last_answered_at=AT,
        )  # fmt: skip
        session.add(device)
        session.flush()
        session.add(
            DeviceFinding(
                establishment_id=chu, device_id=device.id, kind="default_community", subject="public",
                first_seen_at=AT, updated_at=AT,
            )
        )  # fmt: skip
        session.flush()
        observed = {o.source: o for o in observe_all(session=session)}
    assert set(observed) == {"ldap", "snmp", "declarations"}
    snmp = observed["snmp"]
    assert snmp.coverage == {chu: AT}
    assert [(f.establishment_id, f.finding) for f in snmp.findings] == [(chu, "snmp.default_community")]
