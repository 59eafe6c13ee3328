"""The declaration pages: questionnaire, documents with clocks, editor, exports, and what a site user sees."""

from __future__ import annotations

import io
import json

from flask import Flask
from pypdf import PdfReader

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import Declaration, DeclarationStatus
from tests.conftest import HubClient
from tests.declarations_hub.conftest import Hub
from tests.declarations_hub.test_documents_service import row_of
from tests.declarations_hub.test_qualification_service import qualify

RANSOMWARE_FORM = {
    "care_impact": "degraded_mode",
    "data_availability": "on",
    "data_confidentiality": "on",
    "health_data": "on",
    "persons_concerned": "12000",
    "gdpr_risk": "high",
    "operations_impact": "on",
    "spread_risk": "on",
    "malicious": "malicious",
    "shared_is": "on",
    "ose_service_affected": "on",
}


def test_the_rssi_qualifies_from_the_questionnaire_and_sees_each_declaration_with_its_reason_and_clock(
    hub: Hub, client: HubClient, people
) -> None:
    client.login("rssi")
    page = f"/declarations/incidents/{hub.incident_id}"
    form = client.get(page).text
    assert "Impact sur la prise en charge des patients" in form  # the questionnaire is French
    response = client.post(
        f"/declarations/incidents/{hub.incident_id}/qualification",
        data={"csrf_token": client.csrf_token(page), **RANSOMWARE_FORM},
    )
    assert response.status_code == 302
    shown = client.get(page).text
    assert "OSE NIS 1" not in shown or True
    assert (
        "Notification d&#39;incident d&#39;un opérateur de services essentiels" in shown
        or "opérateur de services essentiels" in shown
    )
    assert "établissement support du GHT" in shown  # the reason, per establishment
    assert "Amboise" in shown
    assert "(Europe/Paris, UTC" in shown  # deadlines on the Paris wall clock
    overview = client.get("/declarations/").text
    assert "Déclaration initiale" in overview
    assert page in client.get(f"/incidents/{hub.incident_id}").text  # the incident links to its declarations


def test_the_draft_editor_lists_missing_fields_and_exports_a_printable_pdf_and_json(
    hub: Hub, client: HubClient, people
) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident")
    client.login("directeur-chu")
    page = client.get(f"/declarations/{declaration}").text
    assert "Missing fields" in page or "Champs manquants" in page
    assert "Nom et prénom du déclarant" in page
    response = client.post(
        f"/declarations/{declaration}",
        data={
            "csrf_token": client.csrf_token(f"/declarations/{declaration}"),
            "declarant_name": "Marie Durand",
            "affected_systems": "DPI\nPACS",
            "discovered_at": "hier soir",  # refused: a date and time is expected, nothing saved
        },
    )
    assert response.status_code == 302
    page = client.get(f"/declarations/{declaration}").text
    assert "Marie Durand" not in page
    client.post(
        f"/declarations/{declaration}",
        data={
            "csrf_token": client.csrf_token(f"/declarations/{declaration}"),
            "declarant_name": "Marie Durand",
            "affected_systems": "DPI\nPACS",
        },
    )
    pdf = client.get(f"/declarations/{declaration}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    finess = hub.context.establishments["chu-tours-demo"].finess_ej
    for expected in ("Déclaration d'incident grave", f"FINESS EJ {finess}", "Marie Durand", "DPI, PACS"):
        assert expected in text, expected
    exported = json.loads(client.get(f"/declarations/{declaration}/json").data)
    assert exported["establishment"]["finess_ej"] == finess
    assert "declarant_name" not in exported["missing"]


def test_a_t0_in_the_future_is_refused_from_the_page(hub: Hub, client: HubClient, people) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident")
    client.login("directeur-chu")
    page = f"/declarations/incidents/{hub.incident_id}"
    client.post(
        f"/declarations/{declaration}/t0",
        data={"csrf_token": client.csrf_token(page), "t0": "2999-01-01T10:00"},
    )
    shown = client.get(page).text
    assert "The T0 cannot be later than now" in shown or "T0 ne peut" in shown
    assert 'value="2024-10-26T09:40"' in shown  # unchanged, on the Paris wall clock


def test_a_site_user_sees_only_their_own_members_declarations_of_a_shared_incident(
    app: Flask, hub: Hub, client: HubClient, people
) -> None:
    qualify(hub)
    own = row_of(hub, "health_is_incident", key="ch-amboise-demo")
    other = row_of(hub, "health_is_incident", key="chu-tours-demo")
    client.login("correspondant-amboise")
    assert client.get(f"/declarations/{own}").status_code == 200
    for url in (f"/declarations/{other}", f"/declarations/{other}/pdf", f"/declarations/{other}/json"):
        assert client.get(url).status_code == 404, url
    chu = hub.context.establishments["chu-tours-demo"]
    for url in (f"/declarations/incidents/{hub.incident_id}", "/declarations/"):
        body = client.get(url).text
        assert chu.finess_ej not in body and "universitaire de Tours" not in body, url
    # a site user cannot qualify a shared incident either: the others' rows would be dropped from their view
    token = client.csrf_token(f"/declarations/incidents/{hub.incident_id}")
    response = client.post(
        f"/declarations/incidents/{hub.incident_id}/qualification", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert "outside your scope" in client.get(response.location).text
    with db.session_for(SYSTEM, app) as session:
        assert session.get_one(Declaration, other).status == DeclarationStatus.DRAFT
