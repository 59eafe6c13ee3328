"""French first, English available and remembered; the French catalogue is complete and compiled."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from ght_soc.domain import Role
from tests.conftest import HubClient

PACKAGE = Path(__file__).resolve().parent.parent / "ght_soc"
CATALOGUE = PACKAGE / "translations" / "fr" / "LC_MESSAGES"


def _source_messages() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "lazy_gettext": None,
        "_l": None,
        "pgettext": ((1, "c"), 2),
        "lazy_pgettext": ((1, "c"), 2),
    }
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(PACKAGE), method_map, keywords=keywords
    ):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def test_every_interface_string_has_a_french_translation() -> None:
    with (CATALOGUE / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue
        if m.id and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = _source_messages() - translated
    assert not missing, f"add these to {CATALOGUE / 'messages.po'} and run pybabel compile: {sorted(missing)}"


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_the_compiled_catalogue_matches_its_source() -> None:
    with (CATALOGUE / "messages.po").open("rb") as handle:
        source = {(m.context, _key(m.id)): _key(m.string) for m in read_po(handle) if m.id}
    compiled = {
        (m.context, _key(m.id)): _key(m.string)
        for m in read_mo(io.BytesIO((CATALOGUE / "messages.mo").read_bytes()))
        if m.id
    }
    assert compiled == source, "messages.mo is stale: run pybabel compile -d ght_soc/translations"


def test_pages_are_french_by_default(client: HubClient) -> None:
    page = client.get("/login")
    assert 'lang="fr"' in page.text and "Mot de passe" in page.text


def test_the_language_choice_is_remembered_in_the_session_and_the_account(
    client: HubClient, make_user, make_client
) -> None:
    make_user("oncall", Role.ON_CALL_ENGINEER)
    client.login("oncall")
    response = client.post(
        "/language", data={"csrf_token": client.csrf_token("/"), "locale": "en", "next": "/alerts/"}
    )
    assert response.status_code == 302 and response.location == "/alerts/"
    assert "Recent alerts" not in client.get("/").text and "GHT overview" in client.get("/").text

    other_device = make_client()
    other_device.login("oncall")
    assert "GHT overview" in other_device.get("/").text


def test_times_are_shown_in_paris_time(app) -> None:
    from datetime import UTC, datetime

    from ght_soc.i18n import when

    with app.test_request_context():
        assert "03:30" in when(datetime(2026, 11, 22, 2, 30, tzinfo=UTC))
        assert "04:30" in when(datetime(2026, 7, 1, 2, 30, tzinfo=UTC))


def test_one_english_word_takes_the_gender_of_what_it_describes(app) -> None:
    from ght_soc.domain import AlertStatus, IncidentStatus
    from ght_soc.web.incident_labels import INCIDENT_STATUS_LABELS as INCIDENT_STATUS
    from ght_soc.web.labels import STATUS_LABELS as ALERT_STATUS

    with app.test_request_context():
        assert str(ALERT_STATUS[AlertStatus.CLOSED]) == "close"  # une alerte close
        assert str(INCIDENT_STATUS[IncidentStatus.CLOSED]) == "clos"  # un incident clos
