"""Indicators seen at several establishments: the same attacker hitting several members of the GHT.

The lookup crosses establishments by nature, so it needs an unscoped (system) session; what a person is
then shown is the view's decision: a site correspondent learns how many other establishments, GHT-wide
roles learn which ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from ght_soc.models import Alert, AlertIndicator

LOOKBACK = timedelta(days=30)


@dataclass(frozen=True)
class SharedIndicator:
    kind: str
    value: str
    establishment_ids: frozenset[int]  # the other establishments whose alerts carry it


def shared_indicators(*, session: Session, alert: Alert) -> list[SharedIndicator]:
    """The alert's indicators also found on alerts of other establishments within the look-back period."""
    pairs = [(i.kind, i.value) for i in alert.indicators]
    if not pairs:
        return []
    since = (alert.last_seen_at or alert.occurred_at) - LOOKBACK
    rows = session.execute(
        select(AlertIndicator.kind, AlertIndicator.value, Alert.establishment_id)
        .join(Alert, Alert.id == AlertIndicator.alert_id)
        .where(
            tuple_(AlertIndicator.kind, AlertIndicator.value).in_(pairs),
            Alert.id != alert.id,
            Alert.establishment_id.is_not(None),
            Alert.occurred_at >= since,
        )
    )
    others: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for kind, value, establishment_id in rows:
        if establishment_id is not None and establishment_id != alert.establishment_id:
            others[(kind, value)].add(establishment_id)
    return [SharedIndicator(kind, value, frozenset(ids)) for (kind, value), ids in sorted(others.items())]
