"""The mandate rules on their own: which mandate one acts under, why one cannot, on whose calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ght_soc.declarations.mandates import (
    Mandate,
    MandateExpired,
    MandateKind,
    MandateOutOfScope,
    NoMandate,
    authority,
    current_director,
    quality,
)
from ght_soc.services.declarant_mandates import local_day

DIRECTOR = Mandate(MandateKind.DIRECTOR, "Marie Durand", "Directrice générale", date(2021, 9, 1), user_id=1)
DELEGATE = Mandate(
    MandateKind.DELEGATION,
    "Claire Martin",
    "RSSI mutualisé",
    date(2026, 1, 1),
    date(2026, 12, 31),
    user_id=2,
    granted_by="Marie Durand",
    act_reference="DEL-2026-03",
    act_date=date(2025, 12, 15),
)


def ask(mandates, user_id: int, on: date, regime: str = "health_is_incident") -> Mandate:
    return authority(
        mandates, user_id=user_id, regime_id=regime, regime_title=regime, on=on, who="X", where="CH d'Amboise"
    )


def test_the_director_and_the_delegate_each_act_under_their_own_mandate() -> None:
    assert ask([DIRECTOR, DELEGATE], 1, date(2026, 6, 1)) is DIRECTOR
    assert ask([DIRECTOR, DELEGATE], 2, date(2026, 6, 1)) is DELEGATE


def test_a_delegation_holds_on_its_last_day_and_not_the_day_after() -> None:
    assert ask([DELEGATE], 2, date(2026, 12, 31)) is DELEGATE
    with pytest.raises(MandateExpired, match="a expiré le 31/12/2026"):
        ask([DELEGATE], 2, date(2027, 1, 1))


def test_someone_else_has_no_mandate_whatever_the_others_hold() -> None:
    with pytest.raises(NoMandate, match="ni le directeur de CH d'Amboise"):
        ask([DIRECTOR, DELEGATE], 3, date(2026, 6, 1))


def test_a_scoped_delegation_names_what_it_covers() -> None:
    gdpr_only = Mandate(
        MandateKind.DELEGATION, "DPO", "", date(2026, 1, 1), date(2026, 12, 31), frozenset({"gdpr_art33"}), 4
    )
    assert ask([gdpr_only], 4, date(2026, 3, 1), "gdpr_art33") is gdpr_only
    with pytest.raises(MandateOutOfScope, match="elle couvre : gdpr_art33"):
        ask([gdpr_only], 4, date(2026, 3, 1))


def test_the_last_day_is_read_on_the_establishments_calendar_overseas_too() -> None:
    # 31 December 23:00 in Guadeloupe is already 1 January in Paris and in UTC: the delegation still holds there.
    moment = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)
    assert local_day(moment, "America/Guadeloupe") == date(2026, 12, 31)
    assert local_day(moment, "Europe/Paris") == date(2027, 1, 1)
    assert ask([DELEGATE], 2, local_day(moment, "America/Guadeloupe")) is DELEGATE


def test_the_documents_state_the_quality_with_the_act_and_its_validity() -> None:
    assert quality(DIRECTOR) == "Directeur de l'établissement (Directrice générale)"
    assert quality(DELEGATE) == (
        "Délégation de Marie Durand du 15/12/2025 (réf. DEL-2026-03), valable du 01/01/2026 au 31/12/2026 "
        "(CSP D.1111-16-3)"
    )


def test_the_director_in_office_is_the_latest_one_not_revoked() -> None:
    successor = Mandate(MandateKind.DIRECTOR, "Paul Leroy", "Directeur", date(2026, 9, 1))
    left = Mandate(MandateKind.DIRECTOR, "Marie Durand", "", date(2021, 9, 1), revoked_on=date(2026, 9, 1))
    assert current_director([left, successor], date(2026, 8, 31)) is left
    assert current_director([left, successor], date(2026, 9, 1)) is successor
    assert current_director([], date(2026, 9, 1)) is None
