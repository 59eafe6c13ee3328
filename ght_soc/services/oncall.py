"""The on-call rota: shifts, who is on call at an instant, the escalation chain, weekly rotas and handovers.

Who holds a level at instant t: among that level's shifts covering t (starts_at <= t < ends_at) whose holder
is active, a custom shift beats a weekly one (a swap lies over the generated rota), then the latest start,
then the latest created. A level nobody holds falls back to the people holding the matching role
(`FALLBACK_ROLES`), so that an escalation never climbs into silence because a rota was not filled in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc.access import Permission, Principal
from ght_soc.domain import Role
from ght_soc.models import Establishment, RoleAssignment, User
from ght_soc.models.oncall import ESCALATION_ORDER, EscalationLevel, OnCallShift, ShiftKind
from ght_soc.services import notifications

# Who stands in for a level without a shift: (role, True when only the support establishment's holders).
FALLBACK_ROLES: dict[EscalationLevel, tuple[Role, bool]] = {
    EscalationLevel.ON_CALL_ENGINEER: (Role.ON_CALL_ENGINEER, False),
    EscalationLevel.RSSI: (Role.GHT_RSSI, False),
    EscalationLevel.DIRECTION: (Role.DECLARANT, True),  # the support establishment's director or delegate
}
MAX_ROTA_WEEKS = 104
HANDOVER_GAP = timedelta(hours=12)  # a note is handed to a shift that starts at most this long after


class RotaError(ValueError):
    """A shift or rota request that cannot be carried out; the message is for people."""


class ShiftSpanError(RotaError):
    """A shift that ends before it starts, a naive instant, or a rota of no weeks or no people."""


class InactiveUserError(RotaError):
    """The person does not exist or their account is disabled."""


class ShiftOverlapError(RotaError):
    """The shift would overlap shifts of the same level and kind; `conflicts` are their ids."""

    def __init__(self, conflicts: Sequence[int]) -> None:
        super().__init__(f"overlaps shift(s) {list(conflicts)} of the same level")
        self.conflicts = tuple(conflicts)


class HandoverNotAllowed(RotaError):
    """Only the holder of a shift (or a rota manager) writes its handover note."""


@dataclass(frozen=True, slots=True)
class OnCallPerson:
    """Someone to notify at a level: from a shift (`shift_id`, `until`) or standing in by role (both None)."""

    level: EscalationLevel
    user_id: int
    display_name: str
    email: str | None
    shift_id: int | None = None
    until: datetime | None = None


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ShiftSpanError(f"{name}: a timezone-aware instant is required")
    return value.astimezone(UTC)


def _active_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise InactiveUserError(f"unknown or inactive user {user_id}")
    return user


def _check_overlap(
    session: Session,
    *,
    level: EscalationLevel,
    kind: ShiftKind,
    starts_at: datetime,
    ends_at: datetime,
    ignore_id: int | None = None,
) -> None:
    query = select(OnCallShift.id).where(
        OnCallShift.level == level,
        OnCallShift.kind == kind,
        OnCallShift.starts_at < ends_at,
        OnCallShift.ends_at > starts_at,
    )
    if ignore_id is not None:
        query = query.where(OnCallShift.id != ignore_id)
    conflicts = session.scalars(query.order_by(OnCallShift.starts_at)).all()
    if conflicts:
        raise ShiftOverlapError(conflicts)


def create_shift(
    session: Session,
    *,
    level: EscalationLevel,
    user_id: int,
    starts_at: datetime,
    ends_at: datetime,
    kind: ShiftKind = ShiftKind.CUSTOM,
    comment: str = "",
    actor_id: int | None = None,
    now: datetime,
) -> OnCallShift:
    """Add a shift; refuse an empty or reversed span, an inactive user and an overlap of the same kind."""
    starts_at, ends_at = _aware(starts_at, "starts_at"), _aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ShiftSpanError("a shift must end after it starts")
    _active_user(session, user_id)
    _check_overlap(session, level=level, kind=kind, starts_at=starts_at, ends_at=ends_at)
    shift = OnCallShift(
        level=level,
        kind=kind,
        user_id=user_id,
        starts_at=starts_at,
        ends_at=ends_at,
        comment=comment.strip()[:300],
        created_by_id=actor_id,
        created_at=now,
    )
    session.add(shift)
    session.flush()
    return shift


def update_shift(
    session: Session,
    *,
    shift: OnCallShift,
    user_id: int,
    starts_at: datetime,
    ends_at: datetime,
    comment: str,
) -> OnCallShift:
    """Change who holds `shift` and when, with the same checks as :func:`create_shift`."""
    starts_at, ends_at = _aware(starts_at, "starts_at"), _aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ShiftSpanError("a shift must end after it starts")
    _active_user(session, user_id)
    _check_overlap(
        session, level=shift.level, kind=shift.kind, starts_at=starts_at, ends_at=ends_at, ignore_id=shift.id
    )
    shift.user_id, shift.starts_at, shift.ends_at = user_id, starts_at, ends_at
    shift.comment = comment.strip()[:300]
    session.flush()
    session.refresh(shift, ["user"])
    return shift


def delete_shift(session: Session, *, shift: OnCallShift) -> None:
    """Remove a shift (its handover note goes with it)."""
    session.delete(shift)
    session.flush()


def weekly_boundaries(
    first_day: date, weeks: int, handover_time: time, timezone: str
) -> list[tuple[datetime, datetime]]:
    """UTC spans of `weeks` weeks, each from `handover_time` local on its first day to the same wall time a
    week later; a week that crosses a DST change is an hour shorter or longer, the handover stays at 09:00.
    """
    zone = ZoneInfo(timezone)
    cuts = [
        datetime.combine(first_day + timedelta(weeks=index), handover_time, tzinfo=zone).astimezone(UTC)
        for index in range(weeks + 1)
    ]
    return list(zip(cuts, cuts[1:], strict=False))


def generate_weekly_rota(
    session: Session,
    *,
    level: EscalationLevel,
    user_ids: Sequence[int],
    first_day: date,
    weeks: int,
    handover_time: time = time(9, 0),
    timezone: str = "Europe/Paris",
    actor_id: int | None = None,
    now: datetime,
) -> list[OnCallShift]:
    """Create `weeks` weekly shifts at `level`, the people of `user_ids` taking turns in that order.

    All or nothing: an overlap with an existing weekly shift of the level refuses the whole rota.
    """
    if not user_ids:
        raise ShiftSpanError("a rota needs at least one person")
    if not 1 <= weeks <= MAX_ROTA_WEEKS:
        raise ShiftSpanError(f"a rota covers 1 to {MAX_ROTA_WEEKS} weeks")
    for user_id in set(user_ids):
        _active_user(session, user_id)
    spans = weekly_boundaries(first_day, weeks, handover_time, timezone)
    _check_overlap(session, level=level, kind=ShiftKind.WEEKLY, starts_at=spans[0][0], ends_at=spans[-1][1])
    shifts = [
        OnCallShift(
            level=level,
            kind=ShiftKind.WEEKLY,
            user_id=user_ids[index % len(user_ids)],
            starts_at=start,
            ends_at=end,
            comment="",
            created_by_id=actor_id,
            created_at=now,
        )
        for index, (start, end) in enumerate(spans)
    ]
    session.add_all(shifts)
    session.flush()
    return shifts


def shift_holders(session: Session, *, at: datetime) -> dict[EscalationLevel, OnCallShift | None]:
    """The shift that decides each level at `at` (see the module's rule), or None where nobody is on shift."""
    at = _aware(at, "at")
    covering = session.scalars(
        select(OnCallShift)
        .join(User, User.id == OnCallShift.user_id)
        .where(OnCallShift.starts_at <= at, OnCallShift.ends_at > at, User.is_active.is_(True))
    ).all()
    holders: dict[EscalationLevel, OnCallShift | None] = dict.fromkeys(ESCALATION_ORDER)
    for level in ESCALATION_ORDER:
        candidates = [s for s in covering if s.level == level]
        holders[level] = max(
            candidates, key=lambda s: (s.kind == ShiftKind.CUSTOM, s.starts_at, s.id), default=None
        )
    return holders


def _person(shift: OnCallShift) -> OnCallPerson:
    user = shift.user
    return OnCallPerson(shift.level, user.id, user.display_name, user.email, shift.id, shift.ends_at)


def _role_holders(session: Session, level: EscalationLevel) -> list[OnCallPerson]:
    if level not in FALLBACK_ROLES:
        return []
    role, support_only = FALLBACK_ROLES[level]
    query = (
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == role, User.is_active.is_(True))
    )
    if support_only:
        query = query.join(Establishment, Establishment.id == RoleAssignment.establishment_id).where(
            Establishment.is_support.is_(True)
        )
    else:
        query = query.where(RoleAssignment.establishment_id.is_(None))
    users = session.scalars(query.distinct().order_by(User.display_name, User.id)).all()
    return [OnCallPerson(level, u.id, u.display_name, u.email) for u in users]


def escalation_chain(session: Session, *, at: datetime) -> list[OnCallPerson]:
    """Everyone to notify at `at`, level by level in the chain's order (on-call engineer first)."""
    holders = shift_holders(session, at=at)
    chain: list[OnCallPerson] = []
    for level in ESCALATION_ORDER:
        shift = holders[level]
        chain += [_person(shift)] if shift is not None else _role_holders(session, level)
    return chain


def next_escalation(
    session: Session, *, at: datetime, after: EscalationLevel | None
) -> tuple[EscalationLevel, list[OnCallPerson]] | None:
    """The first level above `after` (from the bottom when None) that has someone, and its people; None at
    the top of the chain."""
    start = 0 if after is None else ESCALATION_ORDER.index(after) + 1
    chain = escalation_chain(session, at=at)
    for level in ESCALATION_ORDER[start:]:
        people = [p for p in chain if p.level == level]
        if people:
            return level, people
    return None


def upcoming_shifts(session: Session, *, now: datetime, days: int = 28) -> Sequence[OnCallShift]:
    """Shifts not yet over that start within `days`, by start then level."""
    return session.scalars(
        select(OnCallShift)
        .where(OnCallShift.ends_at > now, OnCallShift.starts_at < now + timedelta(days=days))
        .order_by(OnCallShift.starts_at, OnCallShift.level, OnCallShift.id)
    ).all()


def previous_shift(session: Session, *, shift: OnCallShift) -> OnCallShift | None:
    """The shift of the same level and kind that ended last at or before `shift` began, within
    `HANDOVER_GAP` (its handover); an older note is no handover any more."""
    return session.scalars(
        select(OnCallShift)
        .where(
            OnCallShift.level == shift.level,
            OnCallShift.kind == shift.kind,
            OnCallShift.ends_at <= shift.starts_at,
            OnCallShift.ends_at >= shift.starts_at - HANDOVER_GAP,
            OnCallShift.id != shift.id,
        )
        .order_by(OnCallShift.ends_at.desc(), OnCallShift.id.desc())
        .limit(1)
    ).one_or_none()


def write_handover(
    session: Session, *, shift: OnCallShift, note: str, actor: Principal, now: datetime
) -> None:
    """Record the outgoing holder's note for the next holder of the level; it can be rewritten until read."""
    if actor.user_id != shift.user_id and not actor.can(Permission.MANAGE_ONCALL):
        raise HandoverNotAllowed("only the holder of the shift writes its handover note")
    shift.handover_note = note.strip()
    shift.handover_at = now
    shift.handover_read_at = None
    session.flush()


def following_shift(session: Session, *, shift: OnCallShift) -> OnCallShift | None:
    """The shift of the same level and kind that begins first at or after `shift` ends (who reads its note)."""
    return session.scalars(
        select(OnCallShift)
        .where(
            OnCallShift.level == shift.level,
            OnCallShift.kind == shift.kind,
            OnCallShift.starts_at >= shift.ends_at,
            OnCallShift.starts_at <= shift.ends_at + HANDOVER_GAP,
            OnCallShift.id != shift.id,
        )
        .order_by(OnCallShift.starts_at, OnCallShift.id)
        .limit(1)
    ).one_or_none()


def mark_handover_read(session: Session, *, shift: OnCallShift, actor: Principal, now: datetime) -> None:
    """The next holder's acknowledgement of `shift`'s handover note (a rota manager may record it too)."""
    following = following_shift(session, shift=shift)
    reader = following.user_id if following is not None else None
    if actor.user_id != reader and not actor.can(Permission.MANAGE_ONCALL):
        raise HandoverNotAllowed("only the next holder of the level acknowledges the handover note")
    if shift.handover_at is not None and shift.handover_read_at is None:
        shift.handover_read_at = now
        session.flush()


@dataclass(frozen=True, slots=True)
class EscalationNotice:
    """What :func:`notify_next_level` did: the level reached, its people, and who had no mail address."""

    level: EscalationLevel
    people: tuple[OnCallPerson, ...]
    notification_ids: tuple[int, ...]
    unreachable: tuple[OnCallPerson, ...]


def notify_next_level(
    session: Session,
    *,
    after: EscalationLevel | None,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    idempotency_key: str,
    now: datetime,
) -> EscalationNotice | None:
    """Mail the people of the next level above `after` as of `now`; None when the chain has no level left.

    One outbox row per person, keyed `<idempotency_key>:<level>:<user id>`: escalating the same step
    again (a retried timer, a resumed run) mails nobody twice.
    """
    found = next_escalation(session, at=now, after=after)
    if found is None:
        return None
    level, people = found
    ids: list[int] = []
    for person in people:
        if person.email:
            row = notifications.enqueue_mail(
                session,
                to=person.email,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                idempotency_key=f"{idempotency_key}:{level.value}:{person.user_id}",
                now=now,
            )
            ids.append(row.id)
    return EscalationNotice(
        level=level,
        people=tuple(people),
        notification_ids=tuple(ids),
        unreachable=tuple(p for p in people if not p.email),
    )
