"""The rota page: everyone sees who is on call; rota managers edit shifts; a holder writes the handover."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.models import EscalationLevel, OnCallShift, User
from ght_soc.services import oncall as rota
from tests.conftest import HubClient

PARIS = ZoneInfo("Europe/Paris")


def local(value: datetime) -> str:
    return value.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture()
def on_duty(app: Flask, make_user: Callable[..., str]) -> int:
    """`astreinte` holds the on-call level from an hour ago to tomorrow; returns the shift's id."""
    make_user("astreinte", Role.ON_CALL_ENGINEER)
    make_user("collegue", Role.ON_CALL_ENGINEER)
    make_user("rssi", Role.GHT_RSSI)
    make_user("correspondant", Role.SITE_CORRESPONDENT, "ehpad-blois-demo")
    now = datetime.now(UTC)
    with db.session_for(SYSTEM, app) as session:
        user = session.query(User).filter_by(login="astreinte").one()
        shift = rota.create_shift(
            session,
            level=EscalationLevel.ON_CALL_ENGINEER,
            user_id=user.id,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
            comment="Semaine 12",
            now=now,
        )
        return shift.id


def shifts(app: Flask) -> list[tuple[str, str]]:
    with db.session_for(SYSTEM, app) as session:
        return [
            (s.level.value, s.user.login) for s in session.query(OnCallShift).order_by(OnCallShift.starts_at)
        ]


@pytest.mark.parametrize("login", ["astreinte", "rssi", "correspondant"])
def test_everyone_sees_who_is_on_call_now(client: HubClient, on_duty: int, login: str) -> None:
    client.login(login)
    page = client.get("/oncall/")
    assert page.status_code == 200
    assert "Astreinte" in page.text and "mailto:astreinte@" not in page.text  # make_user gives no mail
    assert "Semaine 12" in page.text
    assert 'name="viewport"' in page.text


@pytest.mark.parametrize(
    ("method", "url"),
    [("GET", "/oncall/shifts/new"), ("POST", "/oncall/shifts/new"), ("POST", "/oncall/rota")],
)
def test_only_rota_managers_edit_shifts(client: HubClient, on_duty: int, method: str, url: str) -> None:
    for login in ("correspondant", "astreinte"):
        client.login(login)
        token = client.csrf_token("/oncall/")
        assert client.open(url, method=method, data={"csrf_token": token}).status_code == 403
    token = client.csrf_token("/oncall/")
    assert client.get(f"/oncall/shifts/{on_duty}").status_code == 403
    assert client.post(f"/oncall/shifts/{on_duty}/delete", data={"csrf_token": token}).status_code == 403


def test_the_rssi_adds_a_shift_and_an_overlap_is_refused(app: Flask, client: HubClient, on_duty: int) -> None:
    client.login("rssi")
    token = client.csrf_token("/oncall/shifts/new")
    with db.session_for(SYSTEM, app) as session:
        colleague = session.query(User).filter_by(login="collegue").one().id
    start = datetime.now(UTC) + timedelta(days=2)
    form = {
        "csrf_token": token,
        "level": "on_call_engineer",
        "user_id": str(colleague),
        "starts_at": local(start),
        "ends_at": local(start + timedelta(hours=12)),
        "comment": "Remplacement",
    }
    assert client.post("/oncall/shifts/new", data=form).status_code == 302
    assert client.post("/oncall/shifts/new", data=form).status_code == 409
    assert client.post("/oncall/shifts/new", data=form | {"ends_at": "demain"}).status_code == 400
    assert shifts(app) == [("on_call_engineer", "astreinte"), ("on_call_engineer", "collegue")]
    assert "Remplacement" in client.get("/oncall/").text


def test_the_rssi_generates_a_weekly_rota_from_logins(app: Flask, client: HubClient, on_duty: int) -> None:
    client.login("rssi")
    token = client.csrf_token("/oncall/shifts/new")
    form = {
        "csrf_token": token,
        "level": "rssi",
        "logins": "rssi, collegue",
        "first_day": "2027-01-04",
        "handover_time": "09:00",
        "weeks": "4",
    }
    assert client.post("/oncall/rota", data=form).status_code == 302
    assert [login for level, login in shifts(app) if level == "rssi"] == ["rssi", "collegue"] * 2
    assert client.post("/oncall/rota", data=form | {"logins": "inconnu"}).status_code == 400


def test_the_rssi_edits_then_deletes_a_shift(app: Flask, client: HubClient, on_duty: int) -> None:
    client.login("rssi")
    page = client.get(f"/oncall/shifts/{on_duty}")
    assert page.status_code == 200
    starts = re.search(r'name="starts_at" type="datetime-local" required value="([^"]+)"', page.text)
    assert starts
    token = client.csrf_token(f"/oncall/shifts/{on_duty}")
    with db.session_for(SYSTEM, app) as session:
        colleague = session.query(User).filter_by(login="collegue").one().id
    later = datetime.now(UTC) + timedelta(days=3)
    response = client.post(
        f"/oncall/shifts/{on_duty}",
        data={
            "csrf_token": token,
            "level": "on_call_engineer",
            "user_id": str(colleague),
            "starts_at": starts.group(1),
            "ends_at": local(later),
        },
    )
    assert response.status_code == 302
    assert shifts(app) == [("on_call_engineer", "collegue")]
    assert client.post(f"/oncall/shifts/{on_duty}/delete", data={"csrf_token": token}).status_code == 302
    assert shifts(app) == []
    assert client.get(f"/oncall/shifts/{on_duty}").status_code == 404


def test_the_holder_writes_the_handover_note_from_the_rota_page(
    app: Flask, make_client: Callable[[], HubClient], on_duty: int
) -> None:
    holder = make_client()
    holder.login("astreinte")
    page = holder.get("/oncall/")
    assert f'action="/oncall/shifts/{on_duty}/handover"' in page.text
    token = holder.csrf_token("/oncall/")
    note = "Sauvegarde du PACS relancée à 02:10, à vérifier."
    assert (
        holder.post(
            f"/oncall/shifts/{on_duty}/handover", data={"csrf_token": token, "note": note}
        ).status_code
        == 302
    )
    with db.session_for(SYSTEM, app) as session:
        assert session.get(OnCallShift, on_duty).handover_note == note  # type: ignore[union-attr]

    other = make_client()
    other.login("collegue")
    token = other.csrf_token("/oncall/")
    assert f"/oncall/shifts/{on_duty}/handover" not in other.get("/oncall/").text
    response = other.post(f"/oncall/shifts/{on_duty}/handover", data={"csrf_token": token, "note": "x"})
    assert response.status_code == 403
    assert other.post("/oncall/shifts/999999/handover", data={"csrf_token": token}).status_code == 404


def test_the_incoming_holder_reads_the_handover_on_the_rota_page(
    app: Flask, client: HubClient, on_duty: int
) -> None:
    with db.session_for(SYSTEM, app) as session:
        current = session.get_one(OnCallShift, on_duty)
        colleague = session.query(User).filter_by(login="collegue").one()
        previous = rota.create_shift(
            session,
            level=current.level,
            user_id=colleague.id,
            starts_at=current.starts_at - timedelta(days=1),
            ends_at=current.starts_at,
            now=current.starts_at,
        )
        previous.handover_note, previous.handover_at = (
            "Serveur de messagerie sous surveillance",
            current.starts_at,
        )
        previous_id = previous.id
    client.login("astreinte")
    page = client.get("/oncall/")
    assert "Serveur de messagerie sous surveillance" in page.text
    assert f'action="/oncall/shifts/{previous_id}/handover/read"' in page.text
    token = client.csrf_token("/oncall/")
    assert (
        client.post(f"/oncall/shifts/{previous_id}/handover/read", data={"csrf_token": token}).status_code
        == 302
    )
    with db.session_for(SYSTEM, app) as session:
        assert session.get_one(OnCallShift, previous_id).handover_read_at is not None
    assert f"/oncall/shifts/{previous_id}/handover/read" not in client.get("/oncall/").text
