"""Establishment scoping is one mechanism: a site user never reaches another establishment's rows, by any route."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from ght_soc.access import SYSTEM, Scope
from ght_soc.database import db
from ght_soc.declarations.breaches import BreachOrigin
from ght_soc.declarations.mandates import MandateKind
from ght_soc.domain import AlertSeverity, IncidentCategory, Role
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.models import (
    Alert,
    BreachRecord,
    DeclarantMandate,
    Declaration,
    DirectoryFinding,
    DirectoryObject,
    Establishment,
    Evidence,
    NetworkDevice,
    PlaybookRun,
    Site,
)
from ght_soc.scoping import UnscopedSessionError, set_scope
from ght_soc.services import incidents, tasks
from ght_soc.services.alerts import NewAlert, ingest_alert
from ght_soc.services.connectors import StatusReport, record_statuses
from ght_soc.services.tokens import issue_token
from tests.conftest import Establishments, HubClient
from tests.governance.isolation import OTHER_PERSON, governance_of

OWN = "ehpad-blois-demo"
OTHER = "epsm-loches-demo"
OTHER_SECRET_TITLE = "Exfiltration suspecte depuis le serveur PACS de l'EPSM"
OTHER_TOKEN_NAME = "collecteur-syslog-epsm"


# Static files hold no data; logging out would end the walk's own session (tested in test_authentication).
NOT_WALKED = frozenset({"static", "auth.logout"})


@dataclass(frozen=True)
class Fixture:
    own_alert_id: int
    other_alert_id: int
    other_token_id: int
    own_token: str
    other_markers: tuple[str, ...]
    other_incident: dict[str, int] = field(default_factory=dict)  # incident_id, task_id, evidence_id
    other_device: dict[str, int] = field(default_factory=dict)  # device_id
    other_governance: dict[str, int] = field(default_factory=dict)  # resource_id, document_id


OTHER_EVENT_MESSAGE = "sshd: Accepted password for root from 203.0.113.9 (serveur PACS EPSM)"
UNATTRIBUTED_MESSAGE = "kernel: paquet d'un émetteur inconnu 198.51.100.77"
OTHER_CONNECTOR = "annuaire-epsm-loches"
GHT_WIDE_CONNECTOR = "syslog-port-mutualise"
OTHER_ACCOUNT = "secretaire.medicale.epsm"
OTHER_FINDING = "Constat secret de l'EPSM"


@pytest.fixture()
def two_sites(
    app: Flask, establishments: Establishments, make_user, event_store: SqliteEventStore
) -> Fixture:
    own, other = establishments[OWN], establishments[OTHER]
    make_user("correspondant", Role.SITE_CORRESPONDENT, OWN)
    at = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
    with db.session_for(SYSTEM, app) as session:
        own_alert, _ = ingest_alert(
            session=session,
            establishment_id=own.id,
            alert=NewAlert(
                source="test",
                source_ref="own-1",
                title="Alerte de l'EHPAD",
                severity=AlertSeverity.LOW,
                occurred_at=at,
            ),
        )
        other_alert, _ = ingest_alert(
            session=session,
            establishment_id=other.id,
            alert=NewAlert(
                source="test",
                source_ref="other-1",
                title=OTHER_SECRET_TITLE,
                severity=AlertSeverity.HIGH,
                occurred_at=at,
            ),
        )
        other_token, _ = issue_token(
            session=session, establishment_id=other.id, name=OTHER_TOKEN_NAME, created_by_id=None, now=at
        )
        _, own_clear = issue_token(
            session=session, establishment_id=own.id, name="own", created_by_id=None, now=at
        )
        other_sites = [
            s.finess_et for s in session.scalars(select(Site).where(Site.establishment_id == other.id))
        ]
    with db.session_for(SYSTEM, app) as session:
        for establishment_id, name in ((other.id, OTHER_ACCOUNT), (own.id, "own.account")):
            session.add(
                DirectoryObject(
                    establishment_id=establishment_id,
                    directory="ad",
                    kind="user",
                    dn=f"cn={name},dc=x",
                    name=name,
                    first_seen_at=at,
                    last_seen_at=at,
                )
            )
        session.add(
            DirectoryFinding(
                establishment_id=other.id,
                directory="ad",
                finding="ldap.x",
                severity="high",
                title=OTHER_FINDING,
                explanation="-",
                objects=[],
                first_seen_at=at,
                updated_at=at,
            )
        )
        record_statuses(
            session=session,
            reports=[
                StatusReport("syslog", OTHER_CONNECTOR, other.id, 5, 1.0, 0, at),
                StatusReport("syslog", GHT_WIDE_CONNECTOR, None, 9, 2.0, 0, at),
                StatusReport("syslog", "own-connector", own.id, 1, 0.5, 0, at),
            ],
            now=at,
        )
    other_incident = _incident_of(app, other.id, at)
    other_device = _device_of(app, other.id, at)
    event_store.write(
        [
            {
                "@timestamp": at.isoformat(),
                "establishment_id": own.id,
                "message": "own event",
                "host.name": "ehpad-fw",
            },
            {"@timestamp": at.isoformat(), "establishment_id": other.id, "message": OTHER_EVENT_MESSAGE},
            {"@timestamp": at.isoformat(), "establishment_id": None, "message": UNATTRIBUTED_MESSAGE},
        ]
    )
    return Fixture(
        own_alert_id=own_alert.id,
        other_alert_id=other_alert.id,
        other_token_id=other_token.id,
        own_token=own_clear,
        other_incident=other_incident,
        other_device=other_device,
        other_governance=governance_of(app, other.id, at),
        other_markers=(
            other.name,
            other.short_name,
            other.finess_ej,
            *other_sites,
            OTHER_SECRET_TITLE,
            OTHER_TOKEN_NAME,
            OTHER_EVENT_MESSAGE,
            UNATTRIBUTED_MESSAGE,
            OTHER_CONNECTOR,
            GHT_WIDE_CONNECTOR,
            OTHER_ACCOUNT,
            OTHER_FINDING,
            OTHER_INCIDENT_TITLE,
            OTHER_BREACH_TITLE,
            OTHER_DEVICE,
            OTHER_PERSON,
        ),
    )


OTHER_INCIDENT_TITLE = "Incident secret de l'EPSM"


def _incident_of(app: Flask, establishment_id: int, at: datetime) -> dict[str, int]:
    """An incident of one establishment only, with a task and an evidence row."""
    with db.session_for(SYSTEM, app) as session:
        incident = incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                OTHER_INCIDENT_TITLE, IncidentCategory.DATA_LEAK, AlertSeverity.HIGH, (establishment_id,)
            ),
            actor=SYSTEM,
            now=at,
        )
        task = tasks.add_task(
            session=session, incident=incident, title=OTHER_INCIDENT_TITLE, actor=None, now=at
        )
        evidence = Evidence(
            incident_id=incident.id, filename="x.txt", sha256="0" * 64, size=1, content_type="text/plain"
        )
        session.add(evidence)
        session.flush()
        declaration = _declaration_of(session, incident.id, establishment_id, at)
        run = PlaybookRun(
            incident_id=incident.id, playbook_id="essai", version=1, content_hash="0" * 64, source_text="",
            title=OTHER_INCIDENT_TITLE, inputs={}, joins={}, started_by_name="x", started_at=at,
        )  # fmt: skip
        session.add(run)
        session.flush()
        return {
            "run_id": run.id,
            "step_id": "etape",  # type: ignore[dict-item]
            "incident_id": incident.id,
            "task_id": task.id,
            "evidence_id": evidence.id,
            "declaration_id": declaration,
            "mandate_id": _mandate_of(session, establishment_id),
            "entry_id": _breach_of(session, incident.id, establishment_id, at),
        }


OTHER_DECLARATION_REASON = "Motif de déclaration secret de l'EPSM"


def _declaration_of(session: Session, incident_id: int, establishment_id: int, at: datetime) -> int:
    """A national declaration of the other establishment (declarations are scoped per establishment too)."""
    declaration = Declaration(
        incident_id=incident_id,
        establishment_id=establishment_id,
        regime_id="health_is_incident",
        stage="initial",
        finess_ej=session.get_one(Establishment, establishment_id).finess_ej,
        bound_reason=OTHER_DECLARATION_REASON,
        reasons=[OTHER_DECLARATION_REASON],
        t0_at=at,
        draft_values={"facts": OTHER_DECLARATION_REASON},
    )
    session.add(declaration)
    session.flush()
    return declaration.id


def _mandate_of(session: Session, establishment_id: int) -> int:
    """A delegation to declare for the other establishment (who may file for a member is its business)."""
    mandate = DeclarantMandate(
        establishment_id=establishment_id,
        kind=MandateKind.DELEGATION,
        person_name=OTHER_DECLARATION_REASON,
        valid_from=date(2024, 1, 1),
        valid_until=date(2099, 12, 31),
    )
    session.add(mandate)
    session.flush()
    return mandate.id


OTHER_BREACH_TITLE = "Violation de données secrète de l'EPSM"


def _breach_of(session: Session, incident_id: int, establishment_id: int, at: datetime) -> int:
    """An entry of the other establishment's breach register (each controller's register is its own)."""
    entry = BreachRecord(
        establishment_id=establishment_id,
        incident_id=incident_id,
        year=at.year,
        number=1,
        reference=f"VDP-{at.year}-001",
        finess_ej=session.get_one(Establishment, establishment_id).finess_ej,
        origin=BreachOrigin.MANUAL,
        title=OTHER_BREACH_TITLE,
        aware_at=at,
        cnil_reasoning=OTHER_BREACH_TITLE,
    )
    session.add(entry)
    session.flush()
    return entry.id


OTHER_DEVICE = "sw-epsm-pavillon-secret"


def _device_of(app: Flask, establishment_id: int, at: datetime) -> dict[str, int]:
    """A network device of one establishment only."""
    with db.session_for(SYSTEM, app) as session:
        device = NetworkDevice(
            establishment_id=establishment_id,
            target="lan",
            address="10.37.90.2",
            sys_name=OTHER_DEVICE,
            poll_status="ok",
            first_seen_at=at,
            last_polled_at=at,
            last_answered_at=at,
        )
        session.add(device)
        session.flush()
        return {"device_id": device.id}


def readable(response: TestResponse) -> str:
    """The body as a person reads it: HTML entities and JSON escapes decoded, so no leak hides behind them."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    if response.mimetype == "application/pdf":  # governance reports: uncompressed, their text is searchable
        return response.get_data().decode("latin-1")
    return html.unescape(response.get_data(as_text=True))


def _url_values(fixture: Fixture, establishments: Establishments, arguments: set[str]) -> dict[str, int]:
    """Another establishment's object for every URL parameter; a new parameter must be added here."""
    known = {
        "establishment_id": establishments[OTHER].id,
        "alert_id": fixture.other_alert_id,
        "token_id": fixture.other_token_id,
        **fixture.other_incident,
        **fixture.other_device,
        **fixture.other_governance,
        # On-call shifts are the GHT's, not an establishment's: an id that does not exist (404, or 403 for
        # the rota editing routes a site user may not use).
        "shift_id": 2_000_000_000,
        "year": datetime.now(UTC).year,  # the yearly statistics: the other member's figures must not show
    }
    unknown = arguments - set(known)
    assert not unknown, (
        f"the isolation walk does not know the URL parameter(s) {unknown}: add them to _url_values"
    )
    return {name: known[name] for name in arguments}


# URL parameters that name no object of an establishment (a year of statistics): such a page answers, with the
# reader's own establishments only — the leak check above is what guards it.
NOT_OBJECTS = frozenset({"year"})


def _walk(
    app: Flask,
    fixture: Fixture,
    establishments: Establishments,
    client: HubClient,
    headers: dict[str, str],
    refusals: tuple[int, ...] = (403, 404),
) -> int:
    """Request every route and method; a route with an object parameter must answer one of `refusals`."""
    token = client.csrf_token("/login")
    count = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_WALKED:
            continue
        values = _url_values(fixture, establishments, set(rule.arguments))
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data, headers=headers)
            count += 1
            body = readable(response)
            leaked = [marker for marker in fixture.other_markers if marker in body]
            assert not leaked, f"{method} {url} showed another establishment's data: {leaked}"
            assert response.status_code < 500, f"{method} {url} failed with {response.status_code}"
            if rule.arguments - NOT_OBJECTS:
                assert response.status_code in refusals, f"{method} {url} answered {response.status_code}"
                if response.status_code == 302:
                    assert response.location.startswith("/login"), response.location
    return count


def test_every_route_hides_another_establishment_from_a_site_user(
    app: Flask, client: HubClient, two_sites: Fixture, establishments: Establishments
) -> None:
    assert client.login("correspondant") == 302
    # the user does reach their own establishment's rows: the walk below is not vacuous
    assert client.get(f"/alerts/{two_sites.own_alert_id}").status_code == 200
    assert client.get(f"/establishments/{establishments[OWN].id}").status_code == 200

    requests = _walk(app, two_sites, establishments, client, headers={})
    assert requests >= 15

    for url in (
        f"/alerts/?establishment={establishments[OTHER].id}&status=all",
        "/alerts/?status=all",
        "/",
        f"/api/v1/alerts?establishment_id={establishments[OTHER].id}",
        "/api/v1/establishments",
        f"/events/?establishment={establishments[OTHER].id}",
        "/events/?unattributed=1",
        f"/api/v1/events?establishment_id={establishments[OTHER].id}",
        "/api/v1/events?unattributed=true",
    ):
        body = readable(client.get(url))
        assert not [m for m in two_sites.other_markers if m in body], url
    assert client.get("/api/v1/alerts").get_json()["total"] == 1
    assert [e["message"] for e in client.get("/api/v1/events").get_json()["items"]] == ["own event"]
    assert "own event" in client.get("/events/").text
    assert [i["name"] for i in client.get("/api/v1/connectors").get_json()["items"]] == ["own-connector"]
    assert "own.account" in client.get("/inventory/").text


def test_every_route_hides_another_establishment_from_a_collector_token(
    app: Flask, make_client, two_sites: Fixture, establishments: Establishments
) -> None:
    client = make_client()
    headers = {"Authorization": f"Bearer {two_sites.own_token}"}
    assert client.get(f"/api/v1/alerts/{two_sites.own_alert_id}", headers=headers).status_code == 200
    # A token opens the API only: pages send it to the login form.
    _walk(app, two_sites, establishments, client, headers=headers, refusals=(302, 401, 403, 404))


def test_a_ght_wide_role_sees_every_establishment(client: HubClient, make_user, two_sites: Fixture) -> None:
    make_user("rssi", Role.GHT_RSSI)
    client.login("rssi")
    assert client.get(f"/alerts/{two_sites.other_alert_id}").status_code == 200
    assert OTHER_SECRET_TITLE in readable(client.get("/alerts/"))
    assert OTHER_EVENT_MESSAGE in readable(client.get("/events/"))
    assert UNATTRIBUTED_MESSAGE in readable(client.get("/events/?unattributed=1"))


def test_the_scope_applies_to_every_query_of_a_session(
    app: Flask, establishments: Establishments, two_sites: Fixture
) -> None:
    own = establishments[OWN].id
    with db.session_for(SYSTEM, app) as session:
        set_scope(session, Scope(frozenset({own})))
        assert session.scalar(select(func.count()).select_from(Alert)) == 1
        assert {e.id for e in session.scalars(select(Establishment))} == {own}
        assert session.get(Alert, two_sites.other_alert_id) is None
        # relationship loads are restricted too
        establishment = session.scalars(select(Establishment)).one()
        assert {s.establishment_id for s in establishment.sites} == {own}
        set_scope(session, Scope.nothing())
        assert session.scalars(select(Alert)).all() == []


def test_a_session_without_a_scope_refuses_to_query(app: Flask) -> None:
    from ght_soc.database import HubSession

    with HubSession(bind=db.engine(app)) as session, pytest.raises(UnscopedSessionError):
        session.scalars(select(Alert)).all()
