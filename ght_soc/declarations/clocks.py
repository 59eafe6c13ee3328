"""Clocks: every stage's deadline from the regime's T0 and the stages already sent, its status and reminders.

All instants are timezone-aware and computed in UTC. Hours and minutes are elapsed time (72 h stay 72 h across
a daylight-saving change); months and days are calendar arithmetic on the establishment's wall clock (one month
after 30 September 10:00 in Paris is 30 October 10:00 in Paris, whatever the offset), the day clipped to the
month's end (31 January + 1 month = 28 or 29 February). A wall time that a DST change skips or repeats resolves
with `fold=0`: the earlier instant for a repeated hour, so a deadline is never later than the text allows.

A clock is recomputed from scratch whenever an input changes (a T0 corrected, a stage sent): nothing here is
stored. :func:`moved_deadlines` says which deadlines a correction moved, and whether their stage was already sent
(the sent document stays frozen; the caller proposes a complement).

Status: DONE once the stage is sent; WAITING while its start is unknown (the notification not yet sent, the
incident not resolved, nothing requested); OVERDUE past the deadline; DUE_SOON from the first reminder on;
PENDING otherwise, and for stages without a computed deadline.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from ght_soc.declarations.regimes import (
    Delay,
    IncidentTime,
    Regime,
    ReminderOffset,
    Stage,
    StageKind,
    StartKind,
)

DEFAULT_REMINDERS: tuple[str, ...] = ("50%", "2h", "30min")
PARIS = "Europe/Paris"


class ClockStatus(StrEnum):
    WAITING = "waiting"
    PENDING = "pending"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"


class NaiveTimestamp(ValueError):
    """A timestamp without a zone reached the clocks: the hub stores every `*_at` in UTC."""


class T0InFuture(ValueError):
    """A T0 later than now: the incident cannot have been discovered in the future."""


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveTimestamp(f"{what}: timezone-aware datetime expected, got {value!r}")
    return value.astimezone(UTC)


def check_t0(t0: datetime, now: datetime) -> datetime:
    """Return `t0` in UTC, refusing a naive one or one later than `now`."""
    t0 = _aware(t0, "t0")
    if t0 > _aware(now, "now"):
        raise T0InFuture(f"T0 {t0.isoformat()} is after now {now.isoformat()}")
    return t0


@dataclass(frozen=True, slots=True)
class ClockEvents:
    """What is known so far about one declaration (regime × legal entity)."""

    t0: datetime
    sent: Mapping[StageKind, datetime] = field(default_factory=dict)  # when each stage was filed
    requested: Mapping[StageKind, datetime] = field(default_factory=dict)  # stages "on request"
    incident_times: Mapping[IncidentTime, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _aware(self.t0, "t0")
        for what, mapping in (("sent", self.sent), ("requested", self.requested)):
            for kind, at in mapping.items():
                _aware(at, f"{what}[{kind}]")
        for name, at in self.incident_times.items():
            _aware(at, str(name))


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months on `moment`'s own wall clock, the day clipped to the end of the target month."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day, fold=0)


def add_delay(start: datetime, delay: Delay, timezone: str) -> datetime:
    """`start` plus `delay`: months and days on the wall clock of `timezone`, hours and minutes elapsed."""
    instant = _aware(start, "start")
    if delay.months or delay.days:
        local = instant.astimezone(ZoneInfo(timezone)).replace(fold=0)
        local = add_months(local, delay.months) + timedelta(days=delay.days)
        # Aware arithmetic in one zone is wall-clock arithmetic; the offset is read again for the new date.
        instant = local.replace(fold=0).astimezone(UTC)
    return instant + timedelta(hours=delay.hours, minutes=delay.minutes)


class ReminderKind(StrEnum):
    BEFORE = "before"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Reminder:
    at: datetime
    kind: ReminderKind
    label: str  # French


def _offset_label(offset: ReminderOffset) -> str:
    if offset.elapsed_fraction is not None:
        return f"{round(offset.elapsed_fraction * 100)} % du délai écoulé"
    assert offset.before is not None
    minutes = int(offset.before.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} j avant l'échéance"
    if minutes % 60 == 0:
        return f"{minutes // 60} h avant l'échéance"
    return f"{minutes} min avant l'échéance"


@dataclass(frozen=True, slots=True)
class StageClock:
    """One stage of one declaration: when its clock started, its deadline, whether it was sent."""

    regime_id: str
    stage: Stage
    timezone: str
    starts_at: datetime | None
    deadline_at: datetime | None
    sent_at: datetime | None
    offsets: tuple[ReminderOffset, ...]

    @property
    def late(self) -> bool:
        """Sent after its deadline (GDPR: the reasons for the delay are then due)."""
        return self.sent_at is not None and self.deadline_at is not None and self.sent_at > self.deadline_at

    def reminders(self) -> tuple[Reminder, ...]:
        """Reminder instants before the deadline, then the overdue notice at the deadline; none if no deadline."""
        if self.starts_at is None or self.deadline_at is None:
            return ()
        start, deadline = self.starts_at, self.deadline_at
        found: dict[datetime, str] = {}
        for offset in self.offsets:
            if offset.elapsed_fraction is not None:
                at = start + (deadline - start) * offset.elapsed_fraction
            else:
                assert offset.before is not None
                at = deadline - offset.before
            if start < at < deadline:
                found.setdefault(at, _offset_label(offset))
        before = [Reminder(at, ReminderKind.BEFORE, label) for at, label in sorted(found.items())]
        return (*before, Reminder(deadline, ReminderKind.OVERDUE, "échéance dépassée"))

    def status(self, now: datetime) -> ClockStatus:
        """Where this stage stands at `now`."""
        now = _aware(now, "now")
        if self.sent_at is not None:
            return ClockStatus.DONE
        if self.starts_at is None:
            return ClockStatus.WAITING
        if self.deadline_at is None:
            return ClockStatus.PENDING
        if now >= self.deadline_at:
            return ClockStatus.OVERDUE
        reminders = self.reminders()
        if len(reminders) > 1 and now >= reminders[0].at:
            return ClockStatus.DUE_SOON
        return ClockStatus.PENDING

    def remaining(self, now: datetime) -> timedelta | None:
        """Time left before the deadline (negative when overdue); None without a deadline."""
        return None if self.deadline_at is None else self.deadline_at - _aware(now, "now")

    def local(self, moment: datetime) -> datetime:
        """`moment` on this declaration's wall clock (the establishment's zone)."""
        return moment.astimezone(ZoneInfo(self.timezone))


def compute_clocks(
    regime: Regime,
    events: ClockEvents,
    *,
    timezone: str = PARIS,
    default_reminders: Sequence[str] = DEFAULT_REMINDERS,
) -> tuple[StageClock, ...]:
    """Every stage's clock for one declaration, in the regime's stage order."""
    default = tuple(ReminderOffset.parse(text) for text in default_reminders)
    clocks = []
    for stage in regime.stages:
        starts_at = _start(stage, events)
        deadline_at = None
        if starts_at is not None and stage.deadline is not None:
            deadline_at = add_delay(starts_at, stage.deadline, timezone)
        sent = events.sent.get(stage.kind)
        clocks.append(
            StageClock(
                regime_id=regime.id,
                stage=stage,
                timezone=timezone,
                starts_at=starts_at,
                deadline_at=deadline_at,
                sent_at=None if sent is None else _aware(sent, "sent"),
                offsets=stage.reminders if stage.reminders is not None else default,
            )
        )
    return tuple(clocks)


def _start(stage: Stage, events: ClockEvents) -> datetime | None:
    start = stage.starts
    if start.kind == StartKind.T0:
        found: datetime | None = events.t0
    elif start.kind == StartKind.SENT:
        found = events.sent.get(StageKind(str(start.ref)))
    elif start.kind == StartKind.INCIDENT:
        found = events.incident_times.get(IncidentTime(str(start.ref)))
    else:
        found = events.requested.get(stage.kind)
    return None if found is None else _aware(found, str(start))


def reminders_between(
    clocks: Iterable[StageClock], after: datetime, until: datetime
) -> list[tuple[StageClock, Reminder]]:
    """Reminders falling in (`after`, `until`] for stages not yet sent: what a scheduler run must mail."""
    after, until = _aware(after, "after"), _aware(until, "until")
    due = [
        (clock, reminder)
        for clock in clocks
        if clock.sent_at is None
        for reminder in clock.reminders()
        if after < reminder.at <= until
    ]
    return sorted(due, key=lambda item: item[1].at)


@dataclass(frozen=True, slots=True)
class DeadlineMove:
    stage: StageKind
    before: datetime | None
    after: datetime | None
    already_sent: bool  # the sent document stays as it was: propose a complement


def moved_deadlines(before: Sequence[StageClock], after: Sequence[StageClock]) -> list[DeadlineMove]:
    """The stages whose deadline a correction (of T0 or of a sending time) moved."""
    old = {clock.stage.kind: clock for clock in before}
    return [
        DeadlineMove(
            clock.stage.kind, old[clock.stage.kind].deadline_at, clock.deadline_at, clock.sent_at is not None
        )
        for clock in after
        if clock.stage.kind in old and old[clock.stage.kind].deadline_at != clock.deadline_at
    ]


_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()


def format_local(moment: datetime, timezone: str = PARIS) -> str:
    """A French, unambiguous rendering: « samedi 26 octobre 2024 à 10 h 00 (Europe/Paris, UTC+02:00) »."""
    local = _aware(moment, "moment").astimezone(ZoneInfo(timezone))
    offset = local.strftime("%z")
    return (
        f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year} "
        f"à {local.hour} h {local.minute:02d} ({timezone}, UTC{offset[:3]}:{offset[3:]})"
    )
