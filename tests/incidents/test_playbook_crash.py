"""The hub killed mid-run (a real process, killed between the action's journal and the action itself), and two
people answering the same approval at the same moment: the database decides, nothing runs twice."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from ght_soc import migrate
from ght_soc.access import SYSTEM, Principal, grants_from
from ght_soc.app import create_app
from ght_soc.database import db, make_engine
from ght_soc.domain import IncidentCategory, Role, Severity
from ght_soc.models import ApprovalVote, Establishment, Incident, PlaybookRun, TimelineEntry
from ght_soc.models.playbook_run import AttemptStatus, StepStatus
from ght_soc.playbooks import runs
from ght_soc.playbooks.engine import Engine
from ght_soc.playbooks.handlers import builtin_handlers
from ght_soc.services import incidents
from ght_soc.services.ghts import sync_from_config
from ght_soc.services.users import create_user
from ght_soc.settings import LoadedConfig
from tests.conftest import TEST_PASSWORD
from tests.incidents.test_playbook_runs import CONTAINMENT, _loaded

AT = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)

# The child process: the same hub, an engine whose journal hook kills the process outright (no cleanup, no
# exception handler, no commit after the journal): what a power cut or `kill -9` does.
CHILD = textwrap.dedent(
    """
    import os, sys
    from datetime import UTC, datetime
    from ght_soc.access import SYSTEM
    from ght_soc.app import create_app
    from ght_soc.database import db, make_engine
    from ght_soc.models import Incident
    from ght_soc.playbooks import runs
    from ght_soc.playbooks.engine import Engine
    from ght_soc.playbooks.handlers import builtin_handlers
    from ght_soc.settings import load_config
    from ght_soc.resources import bundled_config_path
    from tests.incidents.test_playbook_runs import _loaded

    url, incident_id = sys.argv[1], int(sys.argv[2])
    config = load_config(bundled_config_path("ght.example.yaml"), environ={"GHT_SOC_SECRET_KEY": "x" * 32})
    app = create_app(config, db_bind=make_engine(url))
    engine = Engine(handlers=builtin_handlers(), before_action=lambda attempt: os._exit(9))
    with db.session_for(SYSTEM, app) as session:
        incident = session.get_one(Incident, incident_id)
        runs.start(engine, session, incident=incident, loaded=_loaded(), actor=SYSTEM,
                   now=datetime(2026, 11, 29, 2, 0, tzinfo=UTC))
    """
)


@contextmanager
def _committed_hub(url: str, config: LoadedConfig) -> Iterator[Flask]:
    """A hub on its own committed database (another process must see its rows); the pool is closed after."""
    migrate.upgrade(url)
    bind = make_engine(url)
    app = create_app(config, db_bind=bind)
    with db.session_for(SYSTEM, app) as session:
        sync_from_config(session=session, settings=config.settings)
    try:
        yield app
    finally:
        bind.dispose()


def _incident(app: Flask, severity: Severity = Severity.HIGH) -> int:
    with db.session_for(SYSTEM, app) as session:
        establishment = session.scalars(
            select(Establishment).where(Establishment.key == "chu-tours-demo")
        ).one()
        return incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                "Rançongiciel", IncidentCategory.RANSOMWARE, severity, (establishment.id,)
            ),
            actor=SYSTEM,
            now=AT,
        ).id


def test_a_hub_killed_between_the_journal_and_the_action_resumes_without_running_it(
    fresh_database_url: Callable[[str, str], str], hub_config: LoadedConfig, tmp_path
) -> None:
    url = fresh_database_url("sqlite", f"crash_{tmp_path.name[-10:].lower().replace('-', '_')}")
    with _committed_hub(url, hub_config) as app:
        _crash_and_resume(app, url)


def _crash_and_resume(app: Flask, url: str) -> None:
    incident_id = _incident(app)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(incident_id)], timeout=120, capture_output=True
    )
    assert child.returncode == 9, child.stderr.decode()[-2000:]

    restarted = Engine(handlers=builtin_handlers())
    with db.session_for(SYSTEM, app) as session:
        assert restarted.resume(session, now=AT + timedelta(minutes=1)) == 1
    with db.session_for(SYSTEM, app) as session:
        run = session.scalars(select(PlaybookRun).where(PlaybookRun.incident_id == incident_id)).one()
        row = next(r for r in run.steps if r.step_id == "noter")
        assert row.status == StepStatus.FAILED
        assert [a.status for a in row.attempts_log] == [AttemptStatus.INTERRUPTED]
        texts = session.scalars(
            select(TimelineEntry.text).where(TimelineEntry.incident_id == incident_id)
        ).all()
        assert not any(text.startswith("Début de") for text in texts)
        assert any("interrompue par un arrêt du hub" in text for text in texts)


def test_two_people_answering_the_same_approval_at_once_are_served_one_after_the_other(
    backend: str, fresh_database_url: Callable[[str, str], str], hub_config: LoadedConfig, tmp_path
) -> None:
    url = fresh_database_url(backend, f"race_{tmp_path.name[-10:].lower().replace('-', '_')}")
    with _committed_hub(url, hub_config) as app:
        _race(app)


def _race(app: Flask) -> None:
    people = {}
    with db.session_for(SYSTEM, app) as session:
        for login, role in (("astreinte", Role.ON_CALL_ENGINEER), ("rssi", Role.GHT_RSSI)):
            user = create_user(
                session=session,
                login=login,
                display_name=login,
                password=TEST_PASSWORD,
                grants=[(role, None)],
            )
            people[login] = Principal(login, grants_from([(role, None)]), user_id=user.id)
    incident_id = _incident(app)
    engine = Engine(handlers=builtin_handlers())
    with db.session_for(SYSTEM, app) as session:
        run_id = runs.start(
            engine,
            session,
            incident=session.get_one(Incident, incident_id),
            loaded=_loaded(CONTAINMENT),
            actor=SYSTEM,
            now=AT,
        ).id

    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def answer(login: str, option: str) -> None:
        barrier.wait(timeout=30)
        try:
            with db.session_for(people[login], app) as session:
                run = session.get_one(PlaybookRun, run_id)
                runs.answer_approval(
                    engine, session, run=run, step_id="couper", option=option, actor=people[login], now=AT
                )
            outcomes[login] = "recorded"
        except runs.StepNotWaitingError:
            outcomes[login] = "too late"

    threads = [threading.Thread(target=answer, args=args) for args in (("astreinte", "oui"), ("rssi", "non"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["recorded", "too late"]
    with db.session_for(SYSTEM, app) as session:
        votes = session.scalars(select(ApprovalVote)).all()
        assert len(votes) == 1
        run = session.get_one(PlaybookRun, run_id)
        decided = next(r for r in run.steps if r.step_id == "couper")
        assert decided.output["decision"] == votes[0].option
