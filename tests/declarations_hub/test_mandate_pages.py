"""The mandates page and what the document page tells a person about their right to approve and file."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.models import DeclarantMandate, DeclarationStatus
from tests.conftest import HubClient
from tests.declarations_hub.conftest import Hub
from tests.declarations_hub.test_documents_service import DECLARANT, fill, row_of, status
from tests.declarations_hub.test_qualification_service import qualify

PAGE = "/declarations/mandates/"


def mandates(hub: Hub) -> list[DeclarantMandate]:
    with db.session_for(SYSTEM, hub.app) as session:
        rows = list(session.scalars(select(DeclarantMandate).order_by(DeclarantMandate.id)))
        session.expunge_all()
    return rows


def test_the_page_lists_each_members_director_and_delegations_with_their_state(
    hub: Hub, client: HubClient, people
) -> None:
    client.login("rssi")
    page = client.get(PAGE).text
    assert "Déclarants et délégations" in page
    assert "Directeur de l&#39;établissement (Directeur)" in page
    assert "Délégation de Le directeur général" in page and "En vigueur" in page
    assert "RGPD art. 33" in page  # the DPO's delegation names its regimes
    # a member nobody may file for says so
    assert "personne ne peut approuver les déclarations de cet établissement" in page


def test_the_rssi_records_a_delegation_and_revokes_it(
    hub: Hub, client: HubClient, people, make_user: Callable[..., str]
) -> None:
    make_user("directeur-amboise", Role.DECLARANT, "ch-amboise-demo")
    client.login("rssi")
    before = len(mandates(hub))
    response = client.post(
        PAGE,
        data={
            "csrf_token": client.csrf_token(PAGE),
            "establishment_id": str(hub.ids["ch-amboise-demo"]),
            "kind": "director",
            "user_id": str(_user_id(hub, "directeur-amboise")),
            "function": "Directeur",
            "valid_from": "2024-01-01",
        },
    )
    assert response.status_code == 302
    added = mandates(hub)[before:]
    assert [(m.kind.value, m.person_name, m.recorded_by_name) for m in added] == [
        ("director", "Directeur-Amboise", "Rssi")
    ]
    response = client.post(
        f"{PAGE}{added[0].id}/revoke",
        data={"csrf_token": client.csrf_token(PAGE), "revoked_on": "2024-10-27", "reason": "Départ"},
    )
    assert response.status_code == 302
    assert mandates(hub)[before].revoke_reason == "Départ"


def test_a_refused_delegation_is_explained_and_nothing_is_stored(hub: Hub, client: HubClient, people) -> None:
    client.login("rssi")
    before = len(mandates(hub))
    client.post(
        PAGE,
        data={
            "csrf_token": client.csrf_token(PAGE),
            "establishment_id": str(hub.ids["ch-amboise-demo"]),
            "kind": "delegation",
            "user_id": str(_user_id(hub, "dpo")),
            "valid_from": "2024-01-01",
        },
    )
    assert "une délégation a une date de fin de validité" in client.get(PAGE).text
    assert len(mandates(hub)) == before


def test_a_site_correspondent_sees_only_their_members_mandates(hub: Hub, client: HubClient, people) -> None:
    client.login(people["site"])  # Amboise's
    page = client.get(PAGE).text
    assert "Amboise" in page and "Directeur-Chu" not in page and "Tours" not in page
    assert "Rssi (rssi)" in page  # a pooled person may be delegated by any member


def test_the_document_page_says_under_which_quality_one_files_or_why_one_cannot(
    hub: Hub, client: HubClient, people, make_user: Callable[..., str], make_client: Callable[[], HubClient]
) -> None:
    qualify(hub)
    declaration = row_of(hub, "health_is_incident", key="ch-amboise-demo")
    fill(hub, declaration, DECLARANT)
    client.login("rssi")
    assert (
        "Vous approuvez et déposez au titre de : Délégation"
        in client.get(f"/declarations/{declaration}").text
    )

    make_user("rssi-adjoint", Role.GHT_RSSI)
    other = make_client()
    other.login("rssi-adjoint")
    page = other.get(f"/declarations/{declaration}").text
    assert "ni titulaire d&#39;une délégation enregistrée" in page
    other.post(
        f"/declarations/{declaration}/approve",
        data={"csrf_token": other.csrf_token(f"/declarations/{declaration}")},
    )
    assert status(hub, declaration) == DeclarationStatus.READY


def _user_id(hub: Hub, login: str) -> int:
    from ght_soc.models import User

    with db.session_for(SYSTEM, hub.app) as session:
        return session.scalars(select(User.id).where(User.login == login)).one()
