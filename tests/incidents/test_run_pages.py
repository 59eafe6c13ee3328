"""Playbooks from the pages: start one on an incident, answer its approval, finish a manual step, "my steps"."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import IncidentCategory, Role, Severity
from ght_soc.models import PlaybookRun
from ght_soc.models.playbook_run import RunStatus, StepStatus
from ght_soc.playbooks.hub import playbook_hub
from ght_soc.services import incidents
from tests.conftest import Establishments, HubClient
from tests.incidents.test_playbook_runs import AT, _loaded


def test_the_on_call_engineer_works_a_playbook_from_the_pages(
    app: Flask, client: HubClient, make_client, make_user, establishments: Establishments
) -> None:
    playbook_hub(app).library.add(_loaded())
    make_user("rssi", Role.GHT_RSSI)
    make_user("astreinte", Role.ON_CALL_ENGINEER)
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
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "Confinement d&#39;essai" in page or "Confinement d'essai" in page
    started = client.post(
        f"/incidents/{incident_id}/runs",
        data={
            "csrf_token": client.csrf_token(f"/incidents/{incident_id}"),
            "playbook": "essai-confinement:1",
        },
    )
    assert started.status_code == 302
    run_id = int(started.location.split("/runs/")[1].split("#")[0])

    oncall = make_client()
    oncall.login("astreinte")
    mine = oncall.get("/my-steps").get_data(as_text=True)
    assert "Couper l&#39;accès Internet du site ?" in mine or "Couper l'accès Internet du site ?" in mine
    token = oncall.csrf_token("/my-steps")
    base = f"/incidents/{incident_id}/runs/{run_id}/steps"
    assert (
        oncall.post(f"{base}/couper/approve", data={"csrf_token": token, "option": "oui"}).status_code == 302
    )
    assert (
        oncall.post(f"{base}/isoler/complete", data={"csrf_token": token, "answer-postes": "abc"}).status_code
        == 302
    )
    with db.session_for(SYSTEM, app) as session:
        steps = {r.step_id: r.status for r in session.get_one(PlaybookRun, run_id).steps}
    assert steps["isoler"] == StepStatus.ACTIVE  # "abc" is not a number: refused, the step still waits
    assert (
        oncall.post(f"{base}/isoler/complete", data={"csrf_token": token, "answer-postes": "3"}).status_code
        == 302
    )
    with db.session_for(SYSTEM, app) as session:
        run = session.scalars(select(PlaybookRun).where(PlaybookRun.id == run_id)).one()
        assert (
            run.status == RunStatus.RUNNING and {r.step_id: r.status for r in run.steps}["pause"] == "active"
        )
    assert "Isoler les postes" in client.get(f"/incidents/{incident_id}/runs/{run_id}").get_data(as_text=True)


def test_a_playbook_with_inputs_asks_for_them_before_it_starts(
    app: Flask, client: HubClient, make_user, establishments: Establishments
) -> None:
    make_user("rssi", Role.GHT_RSSI)
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
    form = client.get(f"/incidents/{incident_id}/runs/new?playbook=rancongiciel:1").get_data(as_text=True)
    assert 'name="input-hote"' in form and "required" in form
    token = client.csrf_token(f"/incidents/{incident_id}/runs/new?playbook=rancongiciel:1")
    missing = client.post(
        f"/incidents/{incident_id}/runs", data={"csrf_token": token, "playbook": "rancongiciel:1"}
    )
    assert "/runs/new" in missing.location  # refused, back to the form; nothing started
    started = client.post(
        f"/incidents/{incident_id}/runs",
        data={
            "csrf_token": token,
            "playbook": "rancongiciel:1",
            "input-hote": "PC-URG-01",
            "input-site": "Bretonneau",
            "input-donnees_personnelles": "oui",
        },
    )
    assert "/runs/" in started.location and "/runs/new" not in started.location
    with db.session_for(SYSTEM, app) as session:
        run = session.scalars(select(PlaybookRun).where(PlaybookRun.incident_id == incident_id)).one()
        assert run.inputs == {"hote": "PC-URG-01", "site": "Bretonneau", "donnees_personnelles": True}
