"""Who is on call at an instant, across shift boundaries and DST changes, and the escalation chain's order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ght_soc.access import Principal, grants_from
from ght_soc.database import HubSession
from ght_soc.domain import Role
from ght_soc.models import EscalationLevel, Notification, OnCallShift, ShiftKind, User
from ght_soc.services import oncall as rota

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
L1, L2, L3, L4 = (
    EscalationLevel.ON_CALL_ENGINEER,
    EscalationLevel.ADMINISTRATOR_ON_DUTY,
    EscalationLevel.RSSI,
    EscalationLevel.DIRECTION,
)


def paris(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=PARIS)  # type: ignore[misc]


def holder(session: HubSession, level: EscalationLevel, at: datetime) -> str | None:
    shift = rota.shift_holders(session, at=at)[level]
    return shift.user.login if shift is not None else None


def weekly(session: HubSession, people: list[User], first_day: date, weeks: int = 2) -> list[OnCallShift]:
    return rota.generate_weekly_rota(
        session,
        level=L1,
        user_ids=[p.id for p in people],
        first_day=first_day,
        weeks=weeks,
        handover_time=time(9, 0),
        timezone="Europe/Paris",
        now=NOW,
    )


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (paris(2026, 3, 2, 8, 59, 59), None),  # before the rota begins
        (paris(2026, 3, 2, 9, 0), "alice"),
        (paris(2026, 3, 9, 8, 59, 59), "alice"),  # the last second of her week
        (paris(2026, 3, 9, 9, 0), "bob"),  # the handover instant belongs to the incoming holder
        (paris(2026, 3, 16, 8, 59, 59), "bob"),
        (paris(2026, 3, 16, 9, 0), None),  # after the rota ends
    ],
)
def test_who_is_on_call_changes_at_the_weekly_handover(
    session: HubSession, person: Callable[..., User], at: datetime, expected: str | None
) -> None:
    weekly(session, [person("alice"), person("bob")], date(2026, 3, 2))
    assert holder(session, L1, at) == expected


@pytest.mark.parametrize(
    ("first_day", "week_hours", "just_before", "just_after"),
    [
        # Spring forward on Sunday 29 March 2026: the week is 167 hours, the handover stays at 09:00 CEST.
        (date(2026, 3, 23), 167, paris(2026, 3, 30, 8, 59), paris(2026, 3, 30, 9, 0)),
        # Fall back on Sunday 25 October 2026: 169 hours, the handover stays at 09:00 CET.
        (date(2026, 10, 19), 169, paris(2026, 10, 26, 8, 59), paris(2026, 10, 26, 9, 0)),
    ],
)
def test_a_weekly_handover_stays_at_the_local_hour_across_a_dst_change(
    session: HubSession,
    person: Callable[..., User],
    first_day: date,
    week_hours: int,
    just_before: datetime,
    just_after: datetime,
) -> None:
    first, _ = weekly(session, [person("alice"), person("bob")], first_day)
    assert first.ends_at - first.starts_at == timedelta(hours=week_hours)
    assert first.ends_at.astimezone(PARIS).time() == time(9, 0)
    assert holder(session, L1, just_before) == "alice"
    assert holder(session, L1, just_after) == "bob"
    # Half an hour past the handover: 168 hours after the start would still have been alice's in spring.
    assert holder(session, L1, just_after + timedelta(minutes=30)) == "bob"


def test_a_custom_shift_lies_over_the_weekly_rota(session: HubSession, person: Callable[..., User]) -> None:
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    weekly(session, [alice, bob], date(2026, 3, 2))
    rota.create_shift(
        session,
        level=L1,
        user_id=carol.id,
        starts_at=paris(2026, 3, 4, 20),
        ends_at=paris(2026, 3, 5, 8),
        now=NOW,
    )
    assert holder(session, L1, paris(2026, 3, 4, 19, 59)) == "alice"
    assert holder(session, L1, paris(2026, 3, 4, 23)) == "carol"
    assert holder(session, L1, paris(2026, 3, 5, 8)) == "alice"


def test_shifts_of_the_same_level_and_kind_never_overlap(
    session: HubSession, person: Callable[..., User]
) -> None:
    alice, bob = person("alice"), person("bob")
    first = rota.create_shift(
        session,
        level=L1,
        user_id=alice.id,
        starts_at=paris(2026, 3, 4, 20),
        ends_at=paris(2026, 3, 5, 8),
        now=NOW,
    )
    with pytest.raises(rota.ShiftOverlapError) as refused:
        rota.create_shift(
            session,
            level=L1,
            user_id=bob.id,
            starts_at=paris(2026, 3, 5, 7),
            ends_at=paris(2026, 3, 5, 9),
            now=NOW,
        )
    assert refused.value.conflicts == (first.id,)
    # back to back is no overlap, and another level is another line of the rota
    rota.create_shift(
        session,
        level=L1,
        user_id=bob.id,
        starts_at=paris(2026, 3, 5, 8),
        ends_at=paris(2026, 3, 5, 20),
        now=NOW,
    )
    rota.create_shift(
        session,
        level=L2,
        user_id=bob.id,
        starts_at=paris(2026, 3, 4, 20),
        ends_at=paris(2026, 3, 5, 8),
        now=NOW,
    )


def test_a_weekly_rota_over_an_existing_one_is_refused_whole(
    session: HubSession, person: Callable[..., User]
) -> None:
    alice = person("alice")
    weekly(session, [alice], date(2026, 3, 2))
    with pytest.raises(rota.ShiftOverlapError):
        weekly(session, [alice], date(2026, 3, 9), weeks=4)
    assert session.query(OnCallShift).count() == 2


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        (paris(2026, 3, 5, 8), paris(2026, 3, 5, 8)),  # empty
        (paris(2026, 3, 5, 8), paris(2026, 3, 4, 8)),  # reversed
        (datetime(2026, 3, 5, 8), datetime(2026, 3, 5, 9)),  # naive: which zone?
    ],
)
def test_a_shift_must_be_a_real_span_of_aware_instants(
    session: HubSession, person: Callable[..., User], starts_at: datetime, ends_at: datetime
) -> None:
    with pytest.raises(rota.ShiftSpanError):
        rota.create_shift(
            session, level=L1, user_id=person("alice").id, starts_at=starts_at, ends_at=ends_at, now=NOW
        )


def _four_levels(session: HubSession, person: Callable[..., User]) -> dict[EscalationLevel, User]:
    people = {
        L1: person("astreinte"),
        L2: person("garde", Role.AUDITOR),
        L3: person("rssi", Role.GHT_RSSI),
        L4: person("directeur", Role.DECLARANT, "chu-tours-demo"),
    }
    for level in (L4, L2, L1, L3):  # created out of order: the chain's order is the levels', not the rows'
        rota.create_shift(
            session,
            level=level,
            user_id=people[level].id,
            starts_at=paris(2026, 3, 6, 18),
            ends_at=paris(2026, 3, 9, 8),
            now=NOW,
        )
    return people


def test_the_escalation_chain_climbs_from_the_on_call_engineer_to_the_direction(
    session: HubSession, person: Callable[..., User]
) -> None:
    people = _four_levels(session, person)
    chain = rota.escalation_chain(session, at=paris(2026, 3, 7, 3))
    assert [(p.level, p.display_name, p.email) for p in chain] == [
        (L1, "Astreinte", "astreinte@ght.test"),
        (L2, "Garde", "garde@ght.test"),
        (L3, "Rssi", "rssi@ght.test"),
        (L4, "Directeur", "directeur@ght.test"),
    ]
    assert all(p.shift_id is not None and p.until == paris(2026, 3, 9, 8) for p in chain)
    assert [p.user_id for p in chain] == [people[level].id for level in (L1, L2, L3, L4)]


def test_a_level_without_a_shift_falls_back_to_the_role_holders(
    session: HubSession, person: Callable[..., User]
) -> None:
    person("engineer-b")
    person("engineer-a")
    person("site-engineer", Role.ON_CALL_ENGINEER, "ch-amboise-demo")  # one site's: not the GHT's on-call
    person("rssi", Role.GHT_RSSI)
    person("directeur", Role.DECLARANT, "chu-tours-demo")  # the support establishment's director
    person("directeur-ehpad", Role.DECLARANT, "ehpad-blois-demo")
    chain = rota.escalation_chain(session, at=paris(2026, 3, 7, 3))
    assert [(p.level, p.display_name, p.shift_id) for p in chain] == [
        (L1, "Engineer-A", None),
        (L1, "Engineer-B", None),
        (L3, "Rssi", None),
        (L4, "Directeur", None),
    ]


def test_a_disabled_holder_is_skipped(session: HubSession, person: Callable[..., User]) -> None:
    alice = person("alice", Role.AUDITOR)
    weekly(session, [alice], date(2026, 3, 2))
    alice.is_active = False
    session.flush()
    assert holder(session, L1, paris(2026, 3, 4, 12)) is None


@pytest.mark.parametrize(
    ("after", "expected"),
    [(None, L1), (L1, L3), (L2, L3), (L3, L4), (L4, None)],  # nobody holds the administrator level
)
def test_escalation_moves_to_the_next_level_that_has_someone(
    session: HubSession,
    person: Callable[..., User],
    after: EscalationLevel | None,
    expected: EscalationLevel | None,
) -> None:
    people = _four_levels(session, person)
    for shift in session.query(OnCallShift).where(OnCallShift.level == L2):
        session.delete(shift)
    session.flush()
    found = rota.next_escalation(session, at=paris(2026, 3, 7, 3), after=after)
    assert (found[0] if found else None) == expected
    if found:
        assert [p.user_id for p in found[1]] == [people[expected].id]  # type: ignore[index]


def test_escalating_the_same_step_twice_mails_each_person_once(
    session: HubSession, person: Callable[..., User]
) -> None:
    person("rssi-a", Role.GHT_RSSI)
    person("rssi-b", Role.GHT_RSSI)
    person("rssi-sans-mail", Role.GHT_RSSI, email=None)
    at = paris(2026, 3, 7, 3)
    notices = [
        rota.notify_next_level(
            session,
            after=L2,
            subject="Étape non acquittée : isoler le serveur",
            body_text="INC-2026-0042, étape 3",
            idempotency_key="run-7:step-3:escalation-1",
            now=at,
        )
        for _ in range(2)
    ]
    assert notices[0] is not None and notices[0] == notices[1]
    assert notices[0].level == L3 and len(notices[0].notification_ids) == 2
    assert [p.display_name for p in notices[0].unreachable] == ["Rssi-Sans-Mail"]
    assert session.query(Notification).count() == 2


def test_only_the_holder_writes_the_handover_and_the_next_holder_reads_it(
    session: HubSession, person: Callable[..., User]
) -> None:
    alice, bob, eve = person("alice"), person("bob"), person("eve")
    first, second = weekly(session, [alice, bob], date(2026, 3, 2))

    def acting(user: User) -> Principal:
        return Principal(user.login, grants_from([(Role.ON_CALL_ENGINEER, None)]), user_id=user.id)

    at = paris(2026, 3, 9, 8, 30)
    with pytest.raises(rota.HandoverNotAllowed):
        rota.write_handover(session, shift=first, note="rien", actor=acting(eve), now=at)
    rota.write_handover(
        session, shift=first, note="Sauvegardes du PACS à surveiller", actor=acting(alice), now=at
    )
    assert rota.previous_shift(session, shift=second) == first
    with pytest.raises(rota.HandoverNotAllowed):
        rota.mark_handover_read(session, shift=first, actor=acting(eve), now=at)
    rota.mark_handover_read(session, shift=first, actor=acting(bob), now=at + timedelta(hours=1))
    assert first.handover_read_at == at + timedelta(hours=1)
    assert first.kind == ShiftKind.WEEKLY


def test_the_demo_rota_has_someone_to_reach_at_every_level(
    session: HubSession, person: Callable[..., User]
) -> None:
    from ght_soc.services.demo import load_demo_rota

    for login, role, establishment in [
        ("astreinte", Role.ON_CALL_ENGINEER, None),
        ("admin", Role.ADMINISTRATOR, None),
        ("directeur", Role.DECLARANT, "chu-tours-demo"),
        ("rssi", Role.GHT_RSSI, None),
    ]:
        person(login, role, establishment, email=None)  # the demo accounts have no mail address
    load_demo_rota(session=session, now=NOW)
    load_demo_rota(session=session, now=NOW)  # a second run of the demo adds no shifts
    chain = rota.escalation_chain(session, at=NOW)
    assert [(p.level, p.display_name) for p in chain] == [
        (L1, "Astreinte"),
        (L2, "Directeur"),
        (L3, "Rssi"),
        (L4, "Directeur"),
    ]
    assert all(p.email == f"{p.display_name.lower()}@chu-demo.invalid" for p in chain)
    assert session.query(OnCallShift).count() == 8 * 2
