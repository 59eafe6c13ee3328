"""The daily job and the demo: reminders recorded once and handed to the notifier; the demo shows the matrix."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from flask import Flask
from sqlalchemy import func, select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.governance.enums import DesignationRole, ReminderKind, ResourceKind, ShareUnit
from ght_soc.governance.shares import Share
from ght_soc.models import GovernanceReminder, MaturitySnapshot
from ght_soc.scheduler import governance_reminders
from ght_soc.services.demo import load_demo
from ght_soc.services.shared_resources import NewDesignation, NewResource, create_resource, designate
from tests.conftest import TEST_PASSWORD, Establishments, HubClient


class Collecting:
    def __init__(self) -> None:
        self.received: list[tuple[ReminderKind, int]] = []

    def notify(self, reminders: Sequence[GovernanceReminder]) -> None:
        self.received += [(r.kind, r.establishment_id) for r in reminders]


def test_the_daily_job_records_each_reminder_once_and_notifies_it(
    app: Flask, establishments: Establishments
) -> None:
    chu = establishments["chu-tours-demo"].id
    today = datetime.now(UTC).date()
    with db.session_for(SYSTEM, app) as session:
        dpo = create_resource(
            session=session, resource=NewResource(ResourceKind.PERSON, "DPO"), now=datetime.now(UTC)
        )
        designate(
            session=session,
            establishment_id=chu,
            designation=NewDesignation(
                dpo.id,
                DesignationRole.DPO,
                Share(10, ShareUnit.PERCENT),
                date(2024, 1, 1),
                ends_on=date.fromordinal(today.toordinal() + 10),
            ),
            actor="test",
            now=datetime.now(UTC),
        )
    notifier = Collecting()
    app.extensions["ght_soc.governance.notifier"] = notifier
    first = governance_reminders(app)
    assert (ReminderKind.DESIGNATION_EXPIRING, chu) in notifier.received
    assert (ReminderKind.EXERCISE_DUE, chu) in notifier.received  # never exercised
    assert first == len(notifier.received) >= len(establishments.by_key)
    assert governance_reminders(app) == 0  # the next day's run sends nothing again
    with db.session_for(SYSTEM, app) as session:
        assert session.scalar(select(func.count()).select_from(GovernanceReminder)) == first
        assert session.scalar(select(func.count()).select_from(MaturitySnapshot)) == len(
            establishments.by_key
        )


def test_the_demo_shows_coverage_obligations_the_matrix_with_charts_and_the_pdf(
    app: Flask, client: HubClient
) -> None:
    with db.session_for(SYSTEM, app) as session:
        load_demo(session=session, password=TEST_PASSWORD, now=datetime.now(UTC))
    with db.session_for(SYSTEM, app) as session:
        load_demo(session=session, password=TEST_PASSWORD, now=datetime.now(UTC))  # idempotent
    client.login("rssi")
    page = client.get("/governance/").text
    assert "Claire Martin" in page and "Sophie Bernard" in page and page.count("<polyline") >= 8
    assert "Over 100 % of their time" in page
    assert client.get("/governance/export/report.pdf").data.startswith(b"%PDF")


def test_without_a_notifier_set_the_reminders_are_mailed_through_the_outbox_once(
    app: Flask, establishments: Establishments, make_user
) -> None:
    from ght_soc.domain import Role
    from ght_soc.models import Notification, User

    make_user("rssi", Role.GHT_RSSI)
    with db.session_for(SYSTEM, app) as session:
        session.scalars(select(User).where(User.login == "rssi")).one().email = "rssi@ght.example"
    app.extensions.pop("ght_soc.governance.notifier", None)
    sent = governance_reminders(app)
    assert sent >= len(establishments.by_key)
    assert governance_reminders(app) == 0
    with db.session_for(SYSTEM, app) as session:
        mails = session.scalars(select(Notification)).all()
    assert len(mails) == sent and all(m.recipients == ["rssi@ght.example"] for m in mails)
    assert any("Exercice de crise" in m.subject for m in mails)
