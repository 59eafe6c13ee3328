"""Playbook runs: pinned, persisted, resumed after a crash without running an action twice, escalated in time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import object_session

from ght_soc.access import SYSTEM, Principal, grants_from
from ght_soc.database import db
from ght_soc.domain import IncidentCategory, Role, Severity, TimelineKind
from ght_soc.models import Incident, PlaybookRun, RunAction, TimelineEntry, User
from ght_soc.models.notification import Notification
from ght_soc.models.playbook_run import AttemptStatus, RunStatus, StepStatus
from ght_soc.playbooks import escalation, runs
from ght_soc.playbooks.engine import Engine
from ght_soc.playbooks.handlers import builtin_handlers
from ght_soc.playbooks.loader import LoadedPlaybook, load_playbook_bytes
from ght_soc.services import incidents
from tests.conftest import Establishments

AT = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)

CONTAINMENT = """\
id: essai-confinement
version: 1
title: Confinement d'essai
start: noter
steps:
  - id: noter
    kind: action
    title: Noter le début
    action: incident.add_note
    args:
      text: "Début de ${{ incident.title }}"
    next: gravite
  - id: gravite
    kind: condition
    title: Gravité
    branches:
      - when: severity_at_least(incident.severity, "high")
        next: couper
    otherwise: fin
  - id: couper
    kind: approval
    title: Couper l'accès Internet ?
    question: Couper l'accès Internet du site ?
    roles: [on_call_engineer, ght_rssi]
    options:
      - {value: oui, label: Oui, next: isoler}
      - {value: non, label: Non, next: fin}
    deadline: 30m
  - id: isoler
    kind: manual
    title: Isoler les postes
    instructions: Débrancher les postes touchés du réseau.
    answers:
      - {name: postes, label: Nombre de postes isolés, type: integer}
    next: ensemble
  - id: ensemble
    kind: parallel
    title: En parallèle
    branches: [tache, pause]
    next: fin
  - id: tache
    kind: action
    title: Tâche de suivi
    action: incident.add_task
    args:
      title: "Vérifier ${{ steps.isoler.output.postes }} postes"
    next: fin
  - id: pause
    kind: wait
    title: Laisser agir
    duration: 10m
    next: fin
  - id: fin
    kind: end
    title: Fin
"""


def _loaded(text: str = CONTAINMENT) -> LoadedPlaybook:
    loaded, problems = load_playbook_bytes(text.encode(), "essai.yaml")
    assert loaded is not None, problems
    return loaded


@pytest.fixture()
def playbook_engine() -> Engine:
    return Engine(handlers=builtin_handlers())


@pytest.fixture()
def people(app: Flask, make_user: Callable[..., str]) -> dict[str, Principal]:
    found = {}
    for login, role in (("astreinte", Role.ON_CALL_ENGINEER), ("rssi", Role.GHT_RSSI), ("dpo", Role.DPO)):
        make_user(login, role)
        with db.session_for(SYSTEM, app) as session:
            user = session.scalars(select(User).where(User.login == login)).one()
            user.email = f"{login}@ght.example"
            found[login] = Principal(user.display_name, grants_from([(role, None)]), user_id=user.id)
    return found


def _incident(app: Flask, establishments: Establishments, severity: Severity = Severity.HIGH) -> int:
    with db.session_for(SYSTEM, app) as session:
        return incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                "Rançongiciel au bloc",
                IncidentCategory.RANSOMWARE,
                severity,
                (establishments["chu-tours-demo"].id,),
            ),
            actor=SYSTEM,
            now=AT,
        ).id


def _start(app: Flask, engine: Engine, incident_id: int, actor: Principal) -> int:
    with db.session_for(actor, app) as session:
        incident = session.get_one(Incident, incident_id)
        return runs.start(engine, session, incident=incident, loaded=_loaded(), actor=actor, now=AT).id


def _states(app: Flask, run_id: int) -> dict[str, StepStatus]:
    with db.session_for(SYSTEM, app) as session:
        return {row.step_id: row.status for row in session.get_one(PlaybookRun, run_id).steps}


def test_a_run_goes_through_every_kind_of_step_and_writes_each_on_the_timeline(
    app: Flask, establishments: Establishments, playbook_engine: Engine, people: dict[str, Principal]
) -> None:
    incident_id = _incident(app, establishments)
    run_id = _start(app, playbook_engine, incident_id, people["rssi"])
    assert _states(app, run_id) == {"noter": "done", "gravite": "done", "couper": "active"}
    with db.session_for(people["astreinte"], app) as session:
        run = session.get_one(PlaybookRun, run_id)
        assert runs.answer_approval(
            playbook_engine,
            session,
            run=run,
            step_id="couper",
            option="oui",
            actor=people["astreinte"],
            now=AT + timedelta(minutes=5),
        )
        runs.complete_manual(
            playbook_engine,
            session,
            run=run,
            step_id="isoler",
            answers={"postes": "12"},
            actor=people["astreinte"],
            now=AT + timedelta(minutes=20),
        )
    assert _states(app, run_id)["pause"] == StepStatus.ACTIVE
    with db.session_for(SYSTEM, app) as session:
        escalation.tick(playbook_engine, session, now=AT + timedelta(minutes=31))
    with db.session_for(SYSTEM, app) as session:
        run = session.get_one(PlaybookRun, run_id)
        assert run.status == RunStatus.COMPLETED
        assert [t.title for t in run.incident.tasks] == ["Vérifier 12 postes"]
        texts = [
            e.text
            for e in session.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == incident_id))
        ]
    assert "Début de Rançongiciel au bloc" in texts
    assert "Décision : Oui" in texts and "Playbook terminé : Confinement d'essai" in texts


def test_the_run_pins_the_version_it_started_with(
    app: Flask, establishments: Establishments, playbook_engine: Engine, people: dict[str, Principal]
) -> None:
    run_id = _start(app, playbook_engine, _incident(app, establishments), people["rssi"])
    with db.session_for(SYSTEM, app) as session:
        run = session.get_one(PlaybookRun, run_id)
        assert run.content_hash == _loaded().playbook.content_hash and run.source_text == CONTAINMENT


def test_separation_of_duties_roles_and_a_second_answer_are_refused(
    app: Flask, establishments: Establishments, playbook_engine: Engine, people: dict[str, Principal]
) -> None:
    run_id = _start(app, playbook_engine, _incident(app, establishments), people["rssi"])
    with db.session_for(SYSTEM, app) as session:
        run = session.get_one(PlaybookRun, run_id)
        with pytest.raises(runs.ApprovalRefusedError, match="started"):
            runs.answer_approval(
                playbook_engine,
                session,
                run=run,
                step_id="couper",
                option="oui",
                actor=people["rssi"],
                now=AT,
            )
        with pytest.raises(runs.ApprovalRefusedError, match="role"):
            runs.answer_approval(
                playbook_engine, session, run=run, step_id="couper", option="oui", actor=people["dpo"], now=AT
            )
        runs.answer_approval(
            playbook_engine,
            session,
            run=run,
            step_id="couper",
            option="non",
            actor=people["astreinte"],
            now=AT,
        )
        with pytest.raises(runs.StepNotWaitingError):
            runs.answer_approval(
                playbook_engine,
                session,
                run=run,
                step_id="couper",
                option="oui",
                actor=people["astreinte"],
                now=AT,
            )
        assert run.status == RunStatus.COMPLETED


def test_an_unanswered_approval_escalates_by_mail_and_the_next_level_may_then_answer(
    app: Flask, establishments: Establishments, playbook_engine: Engine, people: dict[str, Principal]
) -> None:
    run_id = _start(app, playbook_engine, _incident(app, establishments), people["astreinte"])
    with db.session_for(SYSTEM, app) as session:
        report = escalation.tick(playbook_engine, session, now=AT + timedelta(minutes=25))
        assert report.reminded == 1
        report = escalation.tick(playbook_engine, session, now=AT + timedelta(minutes=31))
        assert report.escalated == 1
        run = session.get_one(PlaybookRun, run_id)
        mails = session.scalars(select(Notification)).all()
        assert any("rssi@ght.example" in m.recipients and "Escalade" in m.subject for m in mails)
        # The same tick again sends nothing twice.
        assert escalation.tick(playbook_engine, session, now=AT + timedelta(minutes=32)).escalated == 0
        notes = [e.text for e in run.incident.timeline if e.kind == TimelineKind.NOTIFICATION]
        assert any("Escalade" in text and "rssi" in text for text in notes)


def test_an_action_interrupted_by_a_crash_is_never_run_again_by_itself(
    app: Flask, establishments: Establishments, people: dict[str, Principal]
) -> None:
    class Crash(BaseException):
        pass

    def crash(_attempt: RunAction) -> None:
        raise Crash

    incident_id = _incident(app, establishments)
    crashing = Engine(handlers=builtin_handlers(), before_action=crash)
    with pytest.raises(Crash), db.session_for(people["rssi"], app) as session:
        runs.start(
            crashing,
            session,
            incident=session.get_one(Incident, incident_id),
            loaded=_loaded(),
            actor=people["rssi"],
            now=AT,
        )
    restarted = Engine(handlers=builtin_handlers())
    with db.session_for(SYSTEM, app) as session:
        assert restarted.resume(session, now=AT + timedelta(minutes=1)) == 1
    with db.session_for(SYSTEM, app) as session:
        run = session.scalars(select(PlaybookRun).where(PlaybookRun.incident_id == incident_id)).one()
        row = next(r for r in run.steps if r.step_id == "noter")
        assert row.status == StepStatus.FAILED
        assert [a.status for a in row.attempts_log] == [AttemptStatus.INTERRUPTED]
        notes = [e.text for e in run.incident.timeline]
        assert not any(text.startswith("Début de") for text in notes)  # the note action never ran
        runs.retry_step(
            restarted, session, run=run, step_id="noter", actor=people["rssi"], now=AT + timedelta(minutes=2)
        )
        assert [a.status for a in row.attempts_log] == [AttemptStatus.INTERRUPTED, AttemptStatus.SUCCEEDED]
        assert _count(run.incident, "Début de") == 1


def _count(incident: Incident, prefix: str) -> int:
    session = object_session(incident)
    assert session is not None
    entries = session.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == incident.id))
    return sum(1 for e in entries if e.text.startswith(prefix))


def test_a_failing_action_stops_the_run_visibly_and_can_be_skipped(
    app: Flask, establishments: Establishments, playbook_engine: Engine, people: dict[str, Principal]
) -> None:
    failing = (
        CONTAINMENT.replace("action: incident.add_note", "action: notify.mail")
        .replace(
            '      text: "Début de ${{ incident.title }}"',
            "      to: [personne@nulle.part, ght_rssi]\n      subject: Alerte\n      body: Bonjour",
        )
        .replace("to: [personne@nulle.part, ght_rssi]", "to: [direction]")
    )
    with db.session_for(people["rssi"], app) as session:
        incident = session.get_one(Incident, _incident(app, establishments))
        run = runs.start(
            playbook_engine, session, incident=incident, loaded=_loaded(failing), actor=people["rssi"], now=AT
        )
        row = next(r for r in run.steps if r.step_id == "noter")
        assert row.status == StepStatus.FAILED and "nobody to mail" in row.error
        runs.skip_step(
            playbook_engine,
            session,
            run=run,
            step_id="noter",
            actor=people["rssi"],
            now=AT,
            reason="pas de direction",
        )
        assert {r.step_id: r.status for r in run.steps}["couper"] == StepStatus.ACTIVE


def test_a_harmful_action_needs_the_config_flag_even_after_approval(
    app: Flask,
    establishments: Establishments,
    playbook_engine: Engine,
    people: dict[str, Principal],
    tmp_path: Path,
) -> None:
    harmful = CONTAINMENT.replace(
        """    action: incident.add_task
    args:
      title: "Vérifier ${{ steps.isoler.output.postes }} postes"
""",
        """    action: ldap.disable_account
    args:
      establishment: chu-tours-demo
      account: jdupont
""",
    )
    with db.session_for(people["astreinte"], app) as session:
        incident = session.get_one(Incident, _incident(app, establishments))
        run = runs.start(
            playbook_engine, session, incident=incident, loaded=_loaded(harmful), actor=people["rssi"], now=AT
        )
        runs.answer_approval(
            playbook_engine,
            session,
            run=run,
            step_id="couper",
            option="oui",
            actor=people["astreinte"],
            now=AT,
        )
        runs.complete_manual(
            playbook_engine,
            session,
            run=run,
            step_id="isoler",
            answers={"postes": "1"},
            actor=people["astreinte"],
            now=AT,
        )
        row = next(r for r in run.steps if r.step_id == "tache")
        assert row.status == StepStatus.FAILED and "configuration" in row.error
        assert row.attempts_log == []  # refused before anything was attempted
