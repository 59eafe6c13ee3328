"""Approvals need a recent proof of identity: past `hub.reauth_minutes`, the person gives the password (and the
code when set up) again and comes back to the form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask

from ght_soc import clock
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import IncidentCategory, Role, Severity
from ght_soc.models import PlaybookRun
from ght_soc.playbooks.hub import playbook_hub
from ght_soc.services import incidents
from ght_soc.services.audit import AuditAction
from tests.conftest import TEST_PASSWORD, Establishments, HubClient
from tests.incidents.test_playbook_runs import AT, _loaded


@pytest.fixture()
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """Move the hub's clock (ght_soc.clock.now) forward by the given delay from the real time."""
    start = clock.now()

    def move(by: timedelta) -> None:
        later: datetime = start + by
        monkeypatch.setattr(clock, "now", lambda: later)

    return move


def _waiting_approval(app: Flask, client: HubClient, establishments: Establishments) -> str:
    """A run started by the RSSI whose step `couper` waits for an approval; returns its page."""
    playbook_hub(app).library.add(_loaded())
    with db.session_for(SYSTEM, app) as session:
        incident_id = incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                "Rançongiciel",
                IncidentCategory.RANSOMWARE,
                Severity.CRITICAL,
                (establishments["chu-tours-demo"].id,),
            ),
            actor=SYSTEM,
            now=AT,
        ).id
    client.login("rssi")
    started = client.post(
        f"/incidents/{incident_id}/runs",
        data={
            "csrf_token": client.csrf_token(f"/incidents/{incident_id}"),
            "playbook": "essai-confinement:1",
        },
    )
    return started.location.split("#")[0]


def _votes(app: Flask, run_page: str) -> int:
    run_id = int(run_page.rsplit("/", 1)[1])
    with db.session_for(SYSTEM, app) as session:
        return sum(len(row.votes) for row in session.get_one(PlaybookRun, run_id).steps)


def test_an_approval_after_the_delay_goes_through_reauthentication_and_back_to_the_form(
    app: Flask,
    client: HubClient,
    make_client,
    make_user,
    establishments: Establishments,
    frozen_clock,
    audit_rows,
) -> None:
    make_user("rssi", Role.GHT_RSSI)
    make_user("astreinte", Role.ON_CALL_ENGINEER)
    run_page = _waiting_approval(app, client, establishments)
    oncall = make_client()
    oncall.login("astreinte")
    minutes = app.extensions["ght_soc.config"].settings.hub.reauth_minutes
    frozen_clock(timedelta(minutes=minutes + 1))

    token = oncall.csrf_token(run_page)
    approve = f"{run_page}/steps/couper/approve"
    answer = {"csrf_token": token, "option": "oui"}
    sent_back = oncall.post(approve, data=answer, headers={"Referer": f"https://localhost{run_page}"})
    assert sent_back.status_code == 302
    assert sent_back.location.startswith("/reauth?next=")
    assert _votes(app, run_page) == 0  # nothing recorded without the re-authentication

    form = oncall.get(sent_back.location)
    assert form.status_code == 200 and 'name="code"' not in form.text  # no authenticator: password only
    token = oncall.csrf_token(sent_back.location)
    wrong = oncall.post(
        "/reauth", data={"csrf_token": token, "password": "not my password", "next": run_page}
    )
    assert wrong.status_code == 401
    back = oncall.post("/reauth", data={"csrf_token": token, "password": TEST_PASSWORD, "next": run_page})
    assert back.status_code == 302 and back.location == run_page

    assert oncall.post(approve, data=answer).status_code == 302
    assert _votes(app, run_page) == 1
    actions = [row.action for row in audit_rows()]
    assert actions.count(AuditAction.REAUTH_FAILURE) == 1 and AuditAction.REAUTHENTICATED in actions
    assert AuditAction.APPROVAL_ANSWERED in actions and AuditAction.RUN_STARTED in actions


def test_within_the_delay_an_approval_needs_no_reauthentication(
    app: Flask, client: HubClient, make_client, make_user, establishments: Establishments, frozen_clock
) -> None:
    make_user("rssi", Role.GHT_RSSI)
    make_user("astreinte", Role.ON_CALL_ENGINEER)
    run_page = _waiting_approval(app, client, establishments)
    oncall = make_client()
    oncall.login("astreinte")
    frozen_clock(timedelta(minutes=app.extensions["ght_soc.config"].settings.hub.reauth_minutes - 1))
    answer = {"csrf_token": oncall.csrf_token(run_page), "option": "oui"}
    response = oncall.post(f"{run_page}/steps/couper/approve", data=answer)
    assert response.status_code == 302 and response.location.startswith(run_page)
    assert _votes(app, run_page) == 1


def test_reauthentication_asks_for_the_code_when_an_authenticator_is_set_up(
    client: HubClient, make_user, enrol, frozen_clock
) -> None:
    make_user("rssi", Role.GHT_RSSI)
    phone = enrol("rssi")
    assert client.login("rssi", totp=phone.code()) == 302
    frozen_clock(timedelta(minutes=30))
    page = client.get("/reauth?next=/")
    assert 'name="code"' in page.text
    token = client.csrf_token("/reauth?next=/")
    password_only = client.post("/reauth", data={"csrf_token": token, "password": TEST_PASSWORD, "next": "/"})
    assert password_only.status_code == 401
    later = clock.now() + timedelta(seconds=30)  # the login's code is used up: the next step's code
    with_code = {"csrf_token": token, "password": TEST_PASSWORD, "code": phone.code(later), "next": "/"}
    assert client.post("/reauth", data=with_code).status_code == 302
