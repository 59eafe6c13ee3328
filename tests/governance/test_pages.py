"""Governance pages on a real database: who covers whom, obligations, bad input refused, exports, scoping."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import func, select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import (
    ComplianceRecord,
    CyberBudget,
    Designation,
    DirectoryFinding,
    DirectoryObject,
    EvidenceDocument,
)
from tests.conftest import Establishments, HubClient
from tests.governance.conftest import CHU, EHPAD, EPSM, People


def _count(app: Flask, model: type) -> int:
    with db.session_for(SYSTEM, app) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_the_ght_rssi_sees_who_covers_each_establishment_the_matrix_and_its_charts(
    client: HubClient, people: People
) -> None:
    client.login("rssi")
    page = _text(client.get("/governance/"))
    assert "Claire Martin" in page and "(60 %)" in page and "(8 days/month)" not in page
    assert page.count("<svg") == 2 and "Correspondant secret de l'EPSM" in page
    assert "Over 100 % of their time" in page and "Claire Martin (120.0 %)" in page
    people_page = _text(client.get("/governance/people"))
    assert "120.0 %" in people_page and "over 100 %" in people_page


def test_a_site_correspondent_sees_only_their_establishment(
    client: HubClient, people: People, establishments: Establishments
) -> None:
    client.login("correspondant")
    page = _text(client.get("/governance/"))
    assert establishments[EHPAD].short_name in page
    assert establishments[EPSM].short_name not in page and "secret" not in page
    assert client.get(f"/governance/establishments/{establishments[EPSM].id}").status_code == 404
    assert client.get(f"/governance/people/{people.epsm_only_id}").status_code == 404
    # the pooled RSSI covers them too: they see her, her total load, but not where else she works
    person = _text(client.get(f"/governance/people/{people.rssi_id}"))
    assert "120.0 %" in person and establishments[CHU].short_name not in person
    csv = client.get("/governance/export/obligations.csv").get_data(as_text=True)
    assert establishments[EHPAD].finess_ej in csv and establishments[EPSM].finess_ej not in csv


def _post(client: HubClient, url: str, data: dict[str, object], page: str):  # type: ignore[no-untyped-def]
    token = client.csrf_token(page)
    return client.post(url, data={"csrf_token": token, **data}, content_type="multipart/form-data")


def test_a_designation_ending_before_its_start_is_refused_with_a_clear_error(
    app: Flask, client: HubClient, people: People, establishments: Establishments
) -> None:
    client.login("rssi")
    chu = establishments[CHU].id
    before = _count(app, Designation)
    response = _post(
        client,
        f"/governance/establishments/{chu}/designations",
        {
            "resource_id": people.rssi_id,
            "role": "dpo",
            "share_value": "10",
            "share_unit": "percent",
            "starts_on": "2026-09-01",
            "ends_on": "2026-08-31",
        },
        f"/governance/establishments/{chu}",
    )
    assert response.status_code == 400
    assert "ends (2026-08-31) before it starts (2026-09-01)" in _text(response)
    assert _count(app, Designation) == before


def test_a_valid_designation_is_recorded_and_can_push_a_person_over_100_percent(
    app: Flask, client: HubClient, people: People, establishments: Establishments
) -> None:
    client.login("rssi")
    vendome = establishments["ch-vendome-demo"].id
    response = _post(
        client,
        f"/governance/establishments/{vendome}/designations",
        {
            "resource_id": people.rssi_id,
            "role": "pooled_rssi",
            "share_value": "30",
            "share_unit": "percent",
            "starts_on": "2026-01-01",
            "act_reference": "Décision 2026-12",
            "document": (__import__("io").BytesIO(b"%PDF-1.4 acte"), "acte.pdf"),
        },
        f"/governance/establishments/{vendome}",
    )
    assert response.status_code == 302
    assert "150.0 %" in _text(client.get("/governance/people"))
    page = _text(client.get(f"/governance/establishments/{vendome}"))
    assert "Décision 2026-12" in page and "Claire Martin" in page
    with db.session_for(SYSTEM, app) as session:
        act = session.scalars(select(EvidenceDocument)).one()
    assert client.get(f"/governance/evidence/{act.id}").data == b"%PDF-1.4 acte"


def test_a_designation_is_ended_on_its_last_day_and_kept_and_cannot_end_before_it_started(
    app: Flask, client: HubClient, people: People, establishments: Establishments
) -> None:
    client.login("rssi")
    chu = establishments[CHU].id
    with db.session_for(SYSTEM, app) as session:
        designation = session.scalars(
            select(Designation).where(Designation.establishment_id == chu).order_by(Designation.id)
        ).first()
        assert designation is not None
        designation_id, starts_on = designation.id, designation.starts_on
    page = f"/governance/establishments/{chu}"
    refused = _post(client, f"/governance/designations/{designation_id}/end", {"ends_on": "2000-01-01"}, page)
    assert refused.status_code == 400 and f"before it starts ({starts_on.isoformat()})" in _text(refused)
    ended = _post(client, f"/governance/designations/{designation_id}/end", {"ends_on": "2099-06-30"}, page)
    assert ended.status_code == 302
    with db.session_for(SYSTEM, app) as session:
        assert session.get_one(Designation, designation_id).ends_on.isoformat() == "2099-06-30"
    assert "2099-06-30" in _text(client.get(page))


def test_a_site_correspondent_cannot_end_another_members_designation(
    client: HubClient, people: People, establishments: Establishments
) -> None:
    client.login("correspondant")  # the EHPAD's
    token = client.csrf_token("/governance/")
    with db.session_for(SYSTEM, client.application) as session:
        chu_designation = session.scalars(
            select(Designation.id).where(Designation.establishment_id == establishments[CHU].id)
        ).first()
    response = client.post(
        f"/governance/designations/{chu_designation}/end", data={"csrf_token": token, "ends_on": "2099-01-01"}
    )
    assert response.status_code == 404


def test_a_negative_or_absurd_budget_is_refused_and_a_low_one_is_a_finding(
    app: Flask, client: HubClient, people: People, establishments: Establishments
) -> None:
    client.login("rssi")
    chu = establishments[CHU].id
    page = f"/governance/establishments/{chu}"
    year = datetime.now(UTC).year
    for it_budget, cyber, message in (
        ("-5000000", "100000", "The IT budget must be greater than zero."),
        ("12000000", "-1", "cannot be negative"),
        ("9e15", "1000", "is not a plausible budget"),
    ):
        response = _post(
            client, f"{page}/budgets", {"year": year, "it_budget": it_budget, "cyber_budget": cyber}, page
        )
        assert response.status_code == 400 and message in _text(response)
    assert _count(app, CyberBudget) == 0
    assert (
        _post(
            client,
            f"{page}/budgets",
            {"year": year, "it_budget": "12 000 000", "cyber_budget": "360000"},
            page,
        ).status_code
        == 302
    )
    assert f"3 % of the IT budget in {year}, below the 5 % floor" in _text(client.get(page))


def test_evidence_too_large_is_refused_with_413_and_nothing_is_stored(
    app: Flask, client: HubClient, people: People, establishments: Establishments
) -> None:
    app.config["GOVERNANCE_EVIDENCE_MAX_BYTES"] = 1024
    client.login("rssi")
    chu = establishments[CHU].id
    page = f"/governance/establishments/{chu}"
    response = _post(
        client,
        f"{page}/records",
        {
            "item": "sauvegardes-hors-ligne",
            "status": "met",
            "document": (__import__("io").BytesIO(b"x" * 1025), "restauration.pdf"),
        },
        page,
    )
    assert response.status_code == 413
    assert "too large: at most 1024 bytes" in _text(response) and "Nothing was stored" in _text(response)
    assert _count(app, EvidenceDocument) == 0 and _count(app, ComplianceRecord) == 0


def test_records_keep_their_history_and_an_override_needs_a_reason(
    app: Flask, client: HubClient, people: People, establishments: Establishments
) -> None:
    client.login("rssi")
    chu = establishments[CHU].id
    at = datetime(2026, 11, 21, tzinfo=UTC)
    with db.session_for(SYSTEM, app) as session:
        session.add(
            DirectoryObject(
                establishment_id=chu,
                directory="ad",
                kind="user",
                dn="cn=a,dc=x",
                first_seen_at=at,
                last_seen_at=at,
            )
        )
        session.add(
            DirectoryFinding(
                establishment_id=chu,
                directory="ad",
                finding="ldap.inactive_enabled_accounts",
                severity="medium",
                title="Comptes actifs inutilisés",
                explanation="-",
                objects=[],
                first_seen_at=at,
                updated_at=at,
            )
        )
    hygiene = f"/governance/establishments/{chu}/hygiene"
    page = _text(client.get(hygiene))
    assert "1 open finding(s) (Annuaire (LDAP))" in page
    refused = _post(
        client,
        f"/governance/establishments/{chu}/records",
        {"item": "hygiene-06", "status": "met", "override": "1"},
        hygiene,
    )
    assert refused.status_code == 400 and "needs a reason" in _text(refused)
    for status in ("not_met", "met"):
        ok = _post(
            client,
            f"/governance/establishments/{chu}/records",
            {
                "item": "hygiene-06",
                "status": status,
                "override": "1",
                "level": "standard",
                "comment": "Comptes de stagiaires désactivés le 25/11",
            },
            hygiene,
        )
        assert ok.status_code == 302
    assert "overridden: Comptes de stagiaires désactivés le 25/11" in _text(client.get(hygiene))
    history = _text(client.get(f"/governance/establishments/{chu}/history?item=hygiene-06"))
    assert history.count("Comptes de stagiaires") == 2


def test_the_group_report_exports_as_a_french_pdf_and_csv(
    client: HubClient, people: People, establishments: Establishments
) -> None:
    client.login("rssi")
    pdf = client.get("/governance/export/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "gouvernance-ght.pdf" in pdf.headers["Content-Disposition"]
    one = client.get(f"/governance/export/report.pdf?establishment={establishments[EHPAD].id}")
    assert one.status_code == 200 and len(one.data) < len(pdf.data)
    maturity = client.get("/governance/export/maturity.csv").get_data(as_text=True)
    assert maturity.startswith("\ufeffFINESS EJ;Établissement;Gouvernance et obligations")
    coverage = client.get("/governance/export/coverage.csv").get_data(as_text=True)
    assert "Claire Martin;CHU Tours;RSSI mutualisé;8 j/mois;40" in coverage
