"""Who may approve and file a declaration for an establishment: its director, or a person the director delegated.

CSP D.1111-16-3 makes the director of each establishment the declarant, or a person delegated for it: a pooled
GHT RSSI files for a member only under a recorded delegation. A :class:`Mandate` is one such authority, for one
establishment, over some regimes (all of them when none is named), between two dates inclusive, read on the
establishment's own calendar (an overseas member's delegation ends at its midnight, not Paris's).

:func:`authority` answers the one question the workflow asks — may this person act for this regime on this
day — and when the answer is no, says precisely why: no mandate at all, one that ended, one not yet begun, one
revoked, or one that does not cover the regime. The hub refuses, the person knows what to have fixed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ght_soc.declarations.documents import Contact


class MandateKind(StrEnum):
    DIRECTOR = "director"  # the legal declarant by office
    DELEGATION = "delegation"  # a person the director delegated (CSP D.1111-16-3)


@dataclass(frozen=True, slots=True)
class Mandate:
    kind: MandateKind
    person_name: str
    function: str
    valid_from: date
    valid_until: date | None = None  # inclusive; None: until revoked (a director in office)
    regimes: frozenset[str] = frozenset()  # regime ids it covers; empty: every regime
    user_id: int | None = None  # the hub account that acts under it (a director may have none)
    email: str = ""
    phone: str = ""
    granted_by: str = ""  # for a delegation: the director who signed it
    act_reference: str = ""  # the delegation decision's reference
    act_date: date | None = None
    revoked_on: date | None = None  # the first day it no longer holds

    def covers(self, regime_id: str) -> bool:
        return not self.regimes or regime_id in self.regimes

    def holds_on(self, day: date) -> bool:
        if self.revoked_on is not None and day >= self.revoked_on:
            return False
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class MandateRefused(ValueError):
    """The person holds no mandate that lets them act here and now; the message says why, in French."""


class NoMandate(MandateRefused):
    pass


class MandateExpired(MandateRefused):
    pass


class MandateNotYetValid(MandateRefused):
    pass


class MandateRevoked(MandateRefused):
    pass


class MandateOutOfScope(MandateRefused):
    pass


def authority(
    mandates: Iterable[Mandate],
    *,
    user_id: int,
    regime_id: str,
    regime_title: str,
    on: date,
    who: str,
    where: str,
) -> Mandate:
    """The mandate under which `user_id` acts for `regime_id` on `on` (the director's first), or why not."""
    own = [m for m in mandates if m.user_id == user_id]
    valid = [m for m in own if m.covers(regime_id) and m.holds_on(on)]
    if valid:
        return min(valid, key=lambda m: (m.kind != MandateKind.DIRECTOR, m.valid_from))
    covering = [m for m in own if m.covers(regime_id)]
    revoked = [m for m in covering if m.revoked_on is not None and m.revoked_on <= on]
    if revoked:
        last = max(revoked, key=lambda m: m.revoked_on or on)
        raise MandateRevoked(
            f"La délégation de {who} pour {where} a été révoquée le {_day(last.revoked_on)}."
        )
    ended = [m for m in covering if m.valid_until is not None and m.valid_until < on]
    if ended:
        last = max(ended, key=lambda m: m.valid_until or on)
        raise MandateExpired(
            f"La délégation de {who} pour {where} a expiré le {_day(last.valid_until)} : "
            "le directeur doit la renouveler avant toute approbation ou dépôt."
        )
    future = [m for m in covering if m.valid_from > on]
    if future:
        first = min(future, key=lambda m: m.valid_from)
        raise MandateNotYetValid(
            f"La délégation de {who} pour {where} ne prend effet que le {_day(first.valid_from)}."
        )
    if own:
        raise MandateOutOfScope(
            f"La délégation de {who} pour {where} ne couvre pas « {regime_title} » "
            f"(elle couvre : {', '.join(sorted(set().union(*(m.regimes for m in own))))})."
        )
    raise NoMandate(
        f"{who} n'est ni le directeur de {where} ni titulaire d'une délégation enregistrée pour "
        "déclarer en son nom (CSP D.1111-16-3) : seul le directeur ou son délégataire approuve et dépose."
    )


def current_director(mandates: Iterable[Mandate], on: date) -> Mandate | None:
    """The director in office on `on`, who the documents name as declarant until someone else approves."""
    directors = [m for m in mandates if m.kind == MandateKind.DIRECTOR and m.holds_on(on)]
    return max(directors, key=lambda m: m.valid_from) if directors else None


def quality(mandate: Mandate) -> str:
    """The "qualité" line of a declaration: director, or the delegation with its act and validity."""
    if mandate.kind == MandateKind.DIRECTOR:
        return f"Directeur de l'établissement ({mandate.function})" if mandate.function else "Directeur"
    parts = ["Délégation"]
    if mandate.granted_by:
        parts.append(f"de {mandate.granted_by}")
    if mandate.act_date is not None:
        parts.append(f"du {_day(mandate.act_date)}")
    if mandate.act_reference:
        parts.append(f"(réf. {mandate.act_reference})")
    until = f" au {_day(mandate.valid_until)}" if mandate.valid_until else ""
    return " ".join(parts) + f", valable du {_day(mandate.valid_from)}{until} (CSP D.1111-16-3)"


def contact(mandate: Mandate) -> Contact:
    return Contact(
        name=mandate.person_name,
        function=mandate.function,
        email=mandate.email,
        phone=mandate.phone,
        delegation=quality(mandate),
    )


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "?"
