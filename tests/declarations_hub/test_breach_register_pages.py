"""The breach register's pages: the register, an entry and its form, a new entry, the CSV and PDF exports, and
what a site correspondent of another member sees (nothing)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import BreachRecord
from ght_soc.web import breach_register as register_pages
from tests.conftest import HubClient
from tests.declarations.test_exports import pdf_text
from tests.declarations_hub.conftest import Hub
from tests.declarations_hub.test_breach_register import entry_of
from tests.declarations_hub.test_qualification_service import NOW, qualify

REGISTER = "/declarations/breaches/"
LETTER_FORM = {
    "title": "Résultats d'analyses adressés à un autre patient",
    "circumstances": "Erreur de mise sous pli au laboratoire.",
    "occurred_at": "2024-10-18T11:00",
    "aware_at": "2024-10-21T16:00",  # Paris wall clock: 14:00 UTC
    "contained_at": "2024-10-21T18:00",
    "confidentiality": "y",
    "data_categories": "identité, résultats d'analyses biologiques",
    "health_data": "y",
    "person_categories": "patients",
    "persons_count": "1",
    "records_count": "1",
    "consequences": "Divulgation à un tiers identifié, qui a rapporté le courrier.",
    "measures": "Courrier récupéré le jour même ; double contrôle de la mise sous pli.",
    "risk": "unlikely",
    "cnil_decision": "not_required",
    "cnil_reasoning": "Courrier restitué non ouvert : risque peu probable.",
    "persons_decision": "not_required",
    "persons_reasoning": "Pas de risque élevé (art. 34(1)).",
}


@pytest.fixture(autouse=True)
def recorded_in_2024(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages record at NOW, as the qualification does: a reference counts in the year of recording."""
    monkeypatch.setattr(register_pages, "now", lambda: NOW)


def record_letter(client: HubClient, hub: Hub, key: str = "ch-amboise-demo", **changes: str):
    token = client.csrf_token(REGISTER + "new")
    data = {**LETTER_FORM, "establishment": str(hub.ids[key]), "csrf_token": token, **changes}
    return client.post(REGISTER + "new", data=data)


def count(app: Flask) -> int:
    with db.session_for(SYSTEM, app) as session:
        return int(session.scalar(select(func.count()).select_from(BreachRecord)) or 0)


def switch_to_english(client: HubClient) -> None:
    client.post("/language", data={"csrf_token": client.csrf_token(REGISTER), "locale": "en", "next": "/"})


def test_the_register_and_an_entry_are_french_first_and_available_in_english(
    hub: Hub, client: HubClient, people
) -> None:
    qualify(hub)
    client.login("dpo")
    page = client.get(REGISTER).text
    assert "Registre des violations de données personnelles" in page
    assert page.count("VDP-2024-001") == 3  # one entry per legal entity of the shared incident
    assert "Amboise-Château-Renault" in page
    assert "Année d'inscription" in page and "une fois attribuée, une référence ne change plus" in page
    chu = entry_of(hub, "chu-tours-demo")
    entry = client.get(f"{REGISTER}{chu.id}").text
    assert "Notification à la CNIL (art. 33)" in entry and "Échéance des 72 heures" in entry
    assert 'value="2024-10-26T09:40"' in entry  # awareness on the Paris wall clock
    switch_to_english(client)
    assert "Personal-data breach register" in client.get(REGISTER).text
    assert "Notification to the CNIL (art. 33)" in client.get(f"{REGISTER}{chu.id}").text


def test_a_misdirected_letter_is_recorded_from_the_form_but_not_without_the_reasoning(
    app: Flask, hub: Hub, client: HubClient, people
) -> None:
    client.login("dpo")
    refused = record_letter(client, hub, cnil_reasoning="")
    assert refused.status_code == 400 and count(app) == 0
    assert "Indiquez pourquoi la violation n&#39;est pas notifiée à la CNIL." in refused.text
    assert "Courrier récupéré le jour même" in refused.text, "what was typed is kept"
    response = record_letter(client, hub)
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "VDP-2024-001" in page and "non notifiée (notification non requise)" in page
    assert 'value="2024-10-21T16:00"' in page


def test_the_dpo_edits_an_entry_from_its_form(app: Flask, hub: Hub, client: HubClient, people) -> None:
    qualify(hub)
    amboise = entry_of(hub, "ch-amboise-demo")
    client.login("dpo")
    page = f"{REGISTER}{amboise.id}"
    data = {
        "csrf_token": client.csrf_token(page),
        "title": amboise.title,
        "aware_at": "2024-10-26T09:40",
        "availability": "y",
        "confidentiality": "y",
        "health_data": "y",
        "persons_count": "8000",
        "risk": "high",
        "cnil_decision": "pending",
        "persons_decision": "pending",
        "measures": "Réinitialisation des comptes.",
    }
    assert client.post(page, data=data).status_code == 302
    assert entry_of(hub, "ch-amboise-demo").measures == "Réinitialisation des comptes."
    refused = client.post(
        page, data={**data, "cnil_decision": "notified", "csrf_token": client.csrf_token(page)}
    )
    assert refused.status_code == 400
    assert "Indiquez la date et la référence CNIL de la notification." in refused.text


def test_the_csv_export_opens_in_a_french_spreadsheet(hub: Hub, client: HubClient, people) -> None:
    qualify(hub)
    client.login("dpo")
    record_letter(client, hub)
    response = client.get(REGISTER + "export.csv", query_string={"establishment": hub.ids["ch-amboise-demo"]})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())  # the BOM French Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header, lines = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert "Prise de connaissance (Europe/Paris)" in header and "Notifiée dans les 72 heures" in header
    assert [line["Référence"] for line in lines] == ["VDP-2024-001", "VDP-2024-002"]
    incident, letter = lines
    assert incident["Incident"].startswith("INC-") and incident["Données de santé"] == "oui"
    assert incident["Nombre approximatif de personnes"] == "12000"
    assert incident["Prise de connaissance (Europe/Paris)"] == "26/10/2024 09:40"
    assert letter["Prise de connaissance (Europe/Paris)"] == "21/10/2024 16:00"
    assert letter["Notification à la CNIL"] == "non notifiée (notification non requise)"
    assert letter["Justification de l'absence de notification"].startswith("Courrier restitué non ouvert")
    assert letter["Niveau de risque (appréciation du DPO)"] == "risque peu probable"
    assert letter["Nature de la violation"] == "perte de confidentialité"


def test_the_pdf_export_is_a_printable_french_register(hub: Hub, client: HubClient, people) -> None:
    client.login("dpo")
    record_letter(client, hub)
    response = client.get(REGISTER + "export.pdf", query_string={"year": 2024})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in (
        "Registre des violations de données à caractère personnel",
        "RGPD art. 33(5)",
        "année d'inscription 2024",
        "par année d'inscription au registre",
        "VDP-2024-001",
        "Résultats d'analyses adressés à un autre patient",
        "Justification de l'absence de notification",
        "Courrier restitué non ouvert",
        "lundi 21 octobre 2024 à 16 h 00 (Europe/Paris, UTC+02:00)",
        "risque peu probable",
    ):
        assert expected in text, expected


def test_a_site_correspondent_of_another_member_sees_nothing_of_it(
    hub: Hub, client: HubClient, people
) -> None:
    qualify(hub)
    client.login("dpo")
    record_letter(client, hub, key="chu-tours-demo")
    client.post("/logout", data={"csrf_token": client.csrf_token(REGISTER)})
    chu = hub.context.establishments["chu-tours-demo"]
    own, other = entry_of(hub, "ch-amboise-demo"), entry_of(hub, "chu-tours-demo")
    client.login("correspondant-amboise")
    page = client.get(REGISTER).text
    assert f"{REGISTER}{own.id}" in page and f'{REGISTER}{other.id}"' not in page
    assert chu.finess_ej not in page
    assert client.get(f"{REGISTER}{other.id}").status_code == 404
    csv_text = client.get(REGISTER + "export.csv").data.decode("utf-8-sig")
    assert chu.finess_ej not in csv_text and "adressés à un autre patient" not in csv_text
    assert len(csv_text.strip().splitlines()) == 2  # the header and their own entry
    pdf = pdf_text(client.get(REGISTER + "export.pdf").data)
    assert chu.finess_ej not in pdf and "adressés à un autre patient" not in pdf
    # reading is all they may do: writing the register needs DECLARE
    token = client.csrf_token(REGISTER)
    assert client.post(f"{REGISTER}{own.id}", data={"csrf_token": token, "title": "x"}).status_code == 403
    assert client.get(REGISTER + "new").status_code == 403


def test_the_declarations_pages_link_to_the_register(hub: Hub, client: HubClient, people) -> None:
    qualify(hub)
    client.login("rssi")
    assert REGISTER in client.get("/declarations/").text
    incident_page = client.get(f"/declarations/incidents/{hub.incident_id}").text
    link = re.search(r'href="(/declarations/breaches/\?incident=\d+)"', incident_page)
    assert link, "the incident's declarations link to its register entries"
    assert client.get(link.group(1)).text.count("VDP-2024-001") == 3
