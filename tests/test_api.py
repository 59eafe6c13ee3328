"""The JSON API: collector tokens per establishment, JSON errors, scoping, and an OpenAPI document that holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from openapi_spec_validator import validate

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.models import ApiToken
from ght_soc.services.tokens import issue_token, revoke_token
from tests.conftest import Establishments, HubClient

AT = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)
ALERT = {
    "source": "rsyslog",
    "source_ref": "evt-42",
    "title": "Échecs de connexion répétés sur le VPN",
    "severity": "high",
    "occurred_at": "2026-11-22T02:10:00+01:00",
    "raw": {"message": "sslvpn login failed", "user": "jdupont"},
}


@pytest.fixture()
def token(app: Flask, establishments: Establishments) -> str:
    with db.session_for(SYSTEM, app) as session:
        _, clear = issue_token(
            session=session,
            establishment_id=establishments["ch-vendome-demo"].id,
            name="syslog",
            created_by_id=None,
            now=AT,
        )
    return clear


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_collector_sends_an_alert_once(
    client: HubClient, token: str, establishments: Establishments
) -> None:
    first = client.post("/api/v1/alerts", json=ALERT, headers=bearer(token))
    assert first.status_code == 201
    body = first.get_json()
    assert body["establishment_id"] == establishments["ch-vendome-demo"].id
    assert body["occurred_at"].startswith("2026-11-22T01:10:00")  # stored in UTC
    assert body["status"] == "new"

    again = client.post("/api/v1/alerts", json=ALERT, headers=bearer(token))
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    listed = client.get("/api/v1/alerts", headers=bearer(token)).get_json()
    assert listed["total"] == 1 and listed["items"][0]["title"] == ALERT["title"]


def test_alerts_are_listed_newest_occurrence_first(client: HubClient, token: str) -> None:
    for ref, occurred in (
        ("a", "2026-11-20T10:00:00Z"),
        ("b", "2026-11-22T10:00:00Z"),
        ("c", "2026-11-21T10:00:00Z"),
    ):
        client.post(
            "/api/v1/alerts",
            json={**ALERT, "source_ref": ref, "occurred_at": occurred},
            headers=bearer(token),
        )
    items = client.get("/api/v1/alerts", headers=bearer(token)).get_json()["items"]
    assert [a["source_ref"] for a in items] == ["b", "c", "a"]


def test_malformed_json_gets_a_json_400(client: HubClient, token: str) -> None:
    response = client.post(
        "/api/v1/alerts",
        data=b'{"source": "x", ',
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "malformed_json"


def test_a_body_that_breaks_the_schema_gets_a_422_naming_the_field(client: HubClient, token: str) -> None:
    response = client.post("/api/v1/alerts", json={**ALERT, "severity": "apocalyptic"}, headers=bearer(token))
    assert response.status_code == 422
    assert [d["loc"] for d in response.get_json()["details"]] == [["severity"]]

    naive = client.post(
        "/api/v1/alerts", json={**ALERT, "occurred_at": "2026-11-22T02:10:00"}, headers=bearer(token)
    )
    assert naive.status_code == 422  # a timestamp without a zone is ambiguous

    not_json = client.post("/api/v1/alerts", data="title=x", headers=bearer(token))
    assert not_json.status_code == 415


@pytest.mark.parametrize(
    "header", ["Bearer ghtsoc_00000000_unknown", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "]
)
def test_unknown_or_malformed_tokens_get_a_json_401(client: HubClient, header: str) -> None:
    response = client.get("/api/v1/alerts", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_without_credentials_the_api_answers_401_not_a_login_page(client: HubClient) -> None:
    response = client.get("/api/v1/establishments")
    assert response.status_code == 401 and response.is_json


def test_a_revoked_token_is_refused(client: HubClient, token: str, app: Flask) -> None:
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with db.session_for(SYSTEM, app) as session:
        from sqlalchemy import select

        row = session.scalars(select(ApiToken)).one()
        revoke_token(session=session, token=row, now=AT)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_tokens_are_stored_hashed(app: Flask, token: str) -> None:
    from sqlalchemy import select

    with db.session_for(SYSTEM, app) as session:
        row = session.scalars(select(ApiToken)).one()
    assert token not in (row.secret_hash, row.prefix, row.name)
    assert len(row.secret_hash) == 64


def test_another_establishments_object_is_a_json_404(
    client: HubClient, token: str, establishments: Establishments
) -> None:
    response = client.get(
        f"/api/v1/establishments/{establishments['chu-tours-demo'].id}", headers=bearer(token)
    )
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    own = client.get(f"/api/v1/establishments/{establishments['ch-vendome-demo'].id}", headers=bearer(token))
    assert own.status_code == 200 and own.get_json()["finess_ej"] == "410990717"


def test_a_logged_in_person_reads_the_api_but_cannot_write_through_the_cookie(
    client: HubClient, make_user
) -> None:
    make_user("rssi", Role.GHT_RSSI)
    client.login("rssi")
    assert len(client.get("/api/v1/establishments").get_json()["items"]) == 8
    assert client.post("/api/v1/alerts", json=ALERT).status_code == 403


def test_a_person_cannot_ingest_and_a_token_cannot_read_other_sites(client: HubClient, token: str) -> None:
    me = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert [g["role"] for g in me["grants"]] == ["collector"]
    assert len(client.get("/api/v1/establishments", headers=bearer(token)).get_json()["items"]) == 1


def test_unknown_api_paths_answer_json(client: HubClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json


def test_the_openapi_document_is_valid_and_lists_every_api_route(client: HubClient, app: Flask) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    import re

    routed = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert documented == routed
    assert "AlertIn" in document["components"]["schemas"]
