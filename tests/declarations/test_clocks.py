"""Clocks: deadlines from each regime's T0 and from the stages sent, across DST and overseas; status; reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ght_soc.declarations.clocks import (
    ClockEvents,
    ClockStatus,
    NaiveTimestamp,
    ReminderKind,
    StageClock,
    T0InFuture,
    add_months,
    check_t0,
    compute_clocks,
    format_local,
    moved_deadlines,
    reminders_between,
)
from ght_soc.declarations.regimes import IncidentTime, StageKind
from tests.declarations.builders import REGIMES

PARIS = ZoneInfo("Europe/Paris")
K = StageKind


Wall = tuple[int, int, int, int, int]


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def clock(regime_id: str, kind: StageKind, events: ClockEvents, timezone: str = "Europe/Paris") -> StageClock:
    return next(
        c for c in compute_clocks(REGIMES[regime_id], events, timezone=timezone) if c.stage.kind == kind
    )


@pytest.mark.parametrize(
    ("case", "regime_id", "kind", "t0", "timezone", "deadline_local"),
    [
        (
            "24 h over the October change: the wall clock shows one hour less",
            "health_is_incident",
            K.INITIAL,
            paris(2024, 10, 26, 9, 40),
            "Europe/Paris",
            "dimanche 27 octobre 2024 à 8 h 40 (Europe/Paris, UTC+01:00)",
        ),
        (
            "72 h over the March change: the wall clock shows one hour more",
            "gdpr_art33",
            K.INITIAL,
            paris(2025, 3, 29, 10, 0),
            "Europe/Paris",
            "mardi 1 avril 2025 à 11 h 00 (Europe/Paris, UTC+02:00)",
        ),
        (
            "Guyane keeps UTC-3 all year: the same instant, its own wall clock",
            "health_is_incident",
            K.INITIAL,
            paris(2024, 10, 26, 9, 40),
            "America/Cayenne",
            "dimanche 27 octobre 2024 à 4 h 40 (America/Cayenne, UTC-03:00)",
        ),
        (
            "La Réunion keeps UTC+4",
            "insurance_complaint",
            K.INITIAL,
            datetime(2024, 3, 30, 20, 0, tzinfo=UTC),
            "Indian/Reunion",
            "mercredi 3 avril 2024 à 0 h 00 (Indian/Reunion, UTC+04:00)",
        ),
    ],
)
def test_hour_deadlines_are_elapsed_time_shown_on_the_establishments_wall_clock(
    case: str, regime_id: str, kind: StageKind, t0: datetime, timezone: str, deadline_local: str
) -> None:
    found = clock(regime_id, kind, ClockEvents(t0=t0), timezone)
    assert found.deadline_at is not None
    assert found.deadline_at - t0 == timedelta(hours=REGIMES[regime_id].stage(kind).deadline.hours)  # type: ignore[union-attr]
    assert format_local(found.deadline_at, timezone) == deadline_local, case


@pytest.mark.parametrize(
    ("notification_sent", "timezone", "final_local"),
    [
        ((2024, 9, 30, 14, 0), "Europe/Paris", (2024, 10, 30, 14, 0)),  # one month later, across the change
        ((2024, 1, 31, 10, 0), "Europe/Paris", (2024, 2, 29, 10, 0)),  # leap year: clipped to the 29th
        ((2025, 1, 31, 10, 0), "Europe/Paris", (2025, 2, 28, 10, 0)),
        ((2025, 3, 1, 2, 30), "Europe/Paris", (2025, 4, 1, 2, 30)),
        ((2024, 1, 31, 23, 30), "America/Cayenne", (2024, 2, 29, 23, 30)),  # 1 Feb in Paris already
    ],
)
def test_the_nis2_final_report_is_due_one_calendar_month_after_the_notification_was_sent(
    notification_sent: Wall, timezone: str, final_local: Wall
) -> None:
    sent = datetime(*notification_sent, tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    t0 = sent - timedelta(hours=60)
    nis2 = REGIMES.with_switches({"nis2": True})["nis2"]
    before = {c.stage.kind: c for c in compute_clocks(nis2, ClockEvents(t0=t0), timezone=timezone)}
    assert before[K.FINAL].deadline_at is None and before[K.FINAL].status(sent) == ClockStatus.WAITING
    events = ClockEvents(t0=t0, sent={K.EARLY_WARNING: t0 + timedelta(hours=3), K.NOTIFICATION: sent})
    final = {c.stage.kind: c for c in compute_clocks(nis2, events, timezone=timezone)}[K.FINAL]
    assert final.starts_at == sent
    assert final.deadline_at is not None
    assert final.local(final.deadline_at).replace(tzinfo=None) == datetime(*final_local)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        ((2024, 1, 31), 1, (2024, 2, 29)),
        ((2023, 1, 31), 1, (2023, 2, 28)),
        ((2024, 5, 31), 1, (2024, 6, 30)),
        ((2024, 12, 15), 1, (2025, 1, 15)),
        ((2024, 3, 31), -1, (2024, 2, 29)),
        ((2024, 8, 31), 6, (2025, 2, 28)),
    ],
)
def test_months_are_calendar_months_clipped_to_the_months_end(
    moment: tuple[int, int, int], months: int, expected: tuple[int, int, int]
) -> None:
    assert add_months(datetime(*moment, 10), months) == datetime(*expected, 10)


T0 = datetime(2024, 10, 26, 7, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("case", "events", "kind", "now", "status"),
    [
        (
            "well inside the window",
            ClockEvents(t0=T0),
            K.INITIAL,
            T0 + timedelta(hours=1),
            ClockStatus.PENDING,
        ),
        ("half the time gone", ClockEvents(t0=T0), K.INITIAL, T0 + timedelta(hours=12), ClockStatus.DUE_SOON),
        ("past the deadline", ClockEvents(t0=T0), K.INITIAL, T0 + timedelta(hours=24), ClockStatus.OVERDUE),
        (
            "sent, even late",
            ClockEvents(t0=T0, sent={K.INITIAL: T0 + timedelta(hours=30)}),
            K.INITIAL,
            T0 + timedelta(hours=40),
            ClockStatus.DONE,
        ),
        (
            "resolution before the incident is resolved",
            ClockEvents(t0=T0),
            K.RESOLUTION,
            T0,
            ClockStatus.WAITING,
        ),
        (
            "resolution notice a day after the resolution",
            ClockEvents(t0=T0, incident_times={IncidentTime.RESOLVED: T0 + timedelta(days=3)}),
            K.RESOLUTION,
            T0 + timedelta(days=4, minutes=1),
            ClockStatus.OVERDUE,
        ),
        (
            "complements open once the initial declaration is sent, with no deadline",
            ClockEvents(t0=T0, sent={K.INITIAL: T0 + timedelta(hours=2)}),
            K.COMPLEMENT,
            T0 + timedelta(days=30),
            ClockStatus.PENDING,
        ),
    ],
)
def test_a_stage_is_waiting_pending_due_soon_overdue_or_done(
    case: str, events: ClockEvents, kind: StageKind, now: datetime, status: ClockStatus
) -> None:
    assert clock("health_is_incident", kind, events).status(now) == status, case


def test_a_stage_sent_after_its_deadline_is_marked_late() -> None:
    sent_late = ClockEvents(t0=T0, sent={K.INITIAL: T0 + timedelta(hours=73)})
    assert clock("gdpr_art33", K.INITIAL, sent_late).late
    assert not clock("gdpr_art33", K.INITIAL, ClockEvents(t0=T0, sent={K.INITIAL: T0})).late


def test_a_corrected_t0_moves_every_deadline_it_starts_and_flags_the_stages_already_sent() -> None:
    regime = REGIMES["gdpr_art33"]
    sent = {K.INITIAL: T0 + timedelta(hours=10)}
    before = compute_clocks(regime, ClockEvents(t0=T0, sent=sent))
    corrected = T0 - timedelta(hours=5)  # the breach was in fact known five hours earlier
    after = compute_clocks(regime, ClockEvents(t0=corrected, sent=sent))
    assert after[0].deadline_at == corrected + timedelta(hours=72)
    (move,) = moved_deadlines(before, after)
    assert (move.stage, move.already_sent) == (K.INITIAL, True)
    assert (
        move.before is not None and move.after is not None and move.before - move.after == timedelta(hours=5)
    )
    assert moved_deadlines(before, compute_clocks(regime, ClockEvents(t0=T0, sent=sent))) == []


def test_reminders_come_before_the_deadline_then_the_overdue_notice() -> None:
    found = clock("gdpr_art33", K.INITIAL, ClockEvents(t0=T0)).reminders()
    assert [(r.at - T0, r.kind, r.label) for r in found] == [
        (timedelta(hours=36), ReminderKind.BEFORE, "50 % du délai écoulé"),
        (timedelta(hours=70), ReminderKind.BEFORE, "2 h avant l'échéance"),
        (timedelta(hours=71, minutes=30), ReminderKind.BEFORE, "30 min avant l'échéance"),
        (timedelta(hours=72), ReminderKind.OVERDUE, "échéance dépassée"),
    ]
    nis2 = REGIMES.with_switches({"nis2": True})["nis2"]
    early = compute_clocks(nis2, ClockEvents(t0=T0))[0]
    assert [r.label for r in early.reminders()][:3] == [
        "50 % du délai écoulé",
        "4 h avant l'échéance",
        "1 h avant l'échéance",
    ]


def test_a_scheduler_run_gets_the_reminders_of_its_window_for_stages_not_sent() -> None:
    health = compute_clocks(REGIMES["health_is_incident"], ClockEvents(t0=T0))
    gdpr = compute_clocks(
        REGIMES["gdpr_art33"], ClockEvents(t0=T0, sent={K.INITIAL: T0 + timedelta(hours=1)})
    )
    due = reminders_between([*health, *gdpr], T0 + timedelta(hours=11), T0 + timedelta(hours=22))
    assert [(c.regime_id, r.at - T0) for c, r in due] == [
        ("health_is_incident", timedelta(hours=12)),
        ("health_is_incident", timedelta(hours=22)),
    ]


def test_a_t0_in_the_future_or_without_a_zone_is_refused() -> None:
    now = datetime(2024, 10, 26, 12, 0, tzinfo=UTC)
    assert check_t0(now - timedelta(minutes=1), now) == now - timedelta(minutes=1)
    with pytest.raises(T0InFuture):
        check_t0(now + timedelta(minutes=1), now)
    with pytest.raises(NaiveTimestamp):
        check_t0(datetime(2024, 10, 26, 9, 0), now)
    with pytest.raises(NaiveTimestamp):
        ClockEvents(t0=now, sent={K.INITIAL: datetime(2024, 10, 26, 9, 0)})


ZONES = st.sampled_from(["Europe/Paris", "America/Cayenne", "Indian/Reunion", "Pacific/Noumea"])
INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@settings(database=None, max_examples=200, deadline=None)
@given(t0=INSTANTS, shift=st.integers(min_value=-10_000, max_value=10_000), zone=ZONES)
def test_property_correcting_t0_shifts_every_hour_deadline_by_the_same_amount(
    t0: datetime, shift: int, zone: str
) -> None:
    for regime_id in ("health_is_incident", "gdpr_art33", "insurance_complaint", "ose_nis1"):
        regime = REGIMES[regime_id]
        before = compute_clocks(regime, ClockEvents(t0=t0), timezone=zone)
        after = compute_clocks(regime, ClockEvents(t0=t0 + timedelta(minutes=shift)), timezone=zone)
        for old, new in zip(before, after, strict=True):
            if old.deadline_at is not None and new.deadline_at is not None:
                assert new.deadline_at - old.deadline_at == timedelta(minutes=shift)
        assert compute_clocks(regime, ClockEvents(t0=t0), timezone=zone) == before  # recomputing is stable


@settings(database=None, max_examples=200, deadline=None)
@given(sent=INSTANTS, zone=ZONES)
def test_property_the_nis2_final_deadline_is_the_same_wall_time_a_calendar_month_later(
    sent: datetime, zone: str
) -> None:
    nis2 = REGIMES.with_switches({"nis2": True})["nis2"]
    events = ClockEvents(t0=sent - timedelta(hours=1), sent={K.NOTIFICATION: sent})
    final = next(c for c in compute_clocks(nis2, events, timezone=zone) if c.stage.kind == K.FINAL)
    assert final.deadline_at is not None
    start, end = final.local(sent), final.local(final.deadline_at)
    assert timedelta(days=27, hours=23) <= end - start <= timedelta(days=31, hours=1)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).month != end.month)
