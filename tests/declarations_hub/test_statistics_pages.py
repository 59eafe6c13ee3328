"""The OSE view and the statistics pages: French first, English on request, exports, and what a site user sees."""

from __future__ import annotations

import csv
import io
import json
import re

from ght_soc.domain import Role
from tests.conftest import HubClient
from tests.declarations_hub.conftest import Hub
from tests.declarations_hub.test_statistics_service import scenario


def english(client: HubClient) -> None:
    client.post("/language", data={"csrf_token": client.csrf_token("/"), "locale": "en", "next": "/"})


def csv_rows(client: HubClient, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_the_group_view_lists_every_members_declarations_with_their_state_in_french_then_english(
    hub: Hub, client: HubClient, people
) -> None:
    ids = scenario(hub)
    client.login("rssi")
    page = client.get("/declarations/group?year=2024").text
    assert "Déclarations du groupe" in page
    for key in ("chu-tours-demo", "ch-amboise-demo", "epsm-loches-demo"):
        assert f"FINESS EJ {hub.context.establishments[key].finess_ej}" in page, key
    assert f'href="/declarations/{ids["chu-tours-demo"]}"' in page  # each document links to its page
    assert "déposée en retard" in page and "Échéance dépassée" in page  # Amboise late, the EPSM overdue
    assert "(Europe/Paris, UTC" in page  # deadlines on the establishment's wall clock
    sent_only = client.get("/declarations/group?status=sent").text
    assert re.findall(r'href="/declarations/(\d+)"', sent_only) == [str(ids[k]) for k in ids]
    english(client)
    page = client.get("/declarations/group?year=2024").text
    assert "Declarations of the group" in page and "sent late" in page


def test_the_statistics_page_shows_the_figures_next_to_the_national_ones_in_french_then_english(
    hub: Hub, client: HubClient, people
) -> None:
    scenario(hub)
    client.login("rssi")
    overview = client.get("/declarations/").text
    assert "/declarations/group" in overview and "/declarations/statistics" in overview
    page = client.get("/declarations/statistics?year=2024").text
    assert "Statistiques des déclarations 2024" in page and "Référence nationale 2023" in page
    assert "Signalements ayant imposé le passage en mode dégradé" in page
    assert "66,7 %" in page and "581" in page and "32 %" in page
    assert "/declarations/statistics/2024.csv" in page
    english(client)
    page = client.get("/declarations/statistics?year=2024").text
    assert "Declaration statistics 2024" in page and "Reports forcing degraded mode" in page
    assert "66.7 %" in page
    assert client.get("/declarations/statistics?year=nonsense").status_code == 200  # the current year
    assert client.get("/declarations/statistics/1066.csv").status_code == 404


def test_the_exports_read_back_in_the_observatorys_terms(hub: Hub, client: HubClient, people) -> None:
    scenario(hub)
    client.login("rssi")
    rows = csv_rows(client, "/declarations/statistics/2024.csv")
    reports = next(r for r in rows if r["Indicateur"].startswith("Signalements (déclarations"))
    assert (reports["Nombre"], reports["Référence nationale 2023"]) == ("3", "581")
    assert {r["Périmètre"] for r in rows} == {"GHT (tous les établissements)"}
    late = next(r for r in rows if r["Indicateur"] == "Documents déposés après l'échéance")
    assert (late["Nombre"], late["Sur"], late["Pourcentage"]) == ("1", "2", "50,0 %")
    document = json.loads(client.get("/declarations/statistics/2024.json").data)
    assert (document["year"], document["scope"]["whole_group"], document["reports"]) == (
        2024,
        True,
        {"due": 3, "filed": 2},
    )
    assert document["support_requested"]["yes"] == {"count": 1, "of": 3, "percent": 33.3}
    assert document["generated_at"].endswith("Z")
    pdf = client.get("/declarations/statistics/2024.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_a_site_user_of_another_member_sees_none_of_it_in_the_pages_or_the_exports(
    hub: Hub, client: HubClient, people, make_user
) -> None:
    ids = scenario(hub)
    make_user("correspondant-vendome", Role.SITE_CORRESPONDENT, "ch-vendome-demo")
    client.login("correspondant-vendome")
    chu = hub.context.establishments["chu-tours-demo"]
    group = client.get("/declarations/group").text
    assert "Aucune déclaration ne correspond." in group
    assert chu.finess_ej not in group and "Rançongiciel" not in group
    assert client.get(f"/declarations/{ids['chu-tours-demo']}").status_code == 404
    page = client.get("/declarations/statistics?year=2024").text
    assert chu.name not in page and "tout le groupe" not in page
    rows = csv_rows(client, "/declarations/statistics/2024.csv")
    reports = next(r for r in rows if r["Indicateur"].startswith("Signalements (déclarations"))
    assert reports["Nombre"] == "0" and chu.name not in {r["Périmètre"] for r in rows}
    document = json.loads(client.get("/declarations/statistics/2024.json").data)
    assert document["reports"] == {"due": 0, "filed": 0} and not document["scope"]["whole_group"]
    assert [e["key"] for e in document["scope"]["establishments"]] == ["ch-vendome-demo"]
