"""FINESS numbers: the 9-character identifiers of health establishments (EJ) and their sites (ET).

No official text gives the key rule; every real all-digit number seen passes a Luhn check (see
shared/DOMAIN.md), so all-digit numbers must pass it. Corsica's 2A/2B numbers cannot be keyed that way and
their rule is unknown: they are accepted with a warning rather than refused.
"""

from __future__ import annotations

from dataclasses import dataclass

FINESS_LENGTH = 9
# Overseas numbers carry a 4-character prefix instead of a 2-digit département.
OVERSEAS_PREFIXES = frozenset({"9701", "9702", "9703", "9704", "9706", "9805", "9806"})
CORSICA_PREFIXES = frozenset({"2A", "2B"})
METROPOLITAN_DEPARTEMENTS = frozenset(f"{n:02d}" for n in range(1, 96) if n != 20)


class InvalidFiness(ValueError):
    """A FINESS number that cannot be right; the message says why, in French."""


@dataclass(frozen=True, slots=True)
class FinessCheck:
    """The outcome of checking one FINESS number."""

    number: str
    error: str | None = None
    warning: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.error is None


def luhn_is_valid(digits: str) -> bool:
    """The Luhn mod-10 check over a string of digits, the last one being the key."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def check_finess(raw: str) -> FinessCheck:
    """Check a FINESS number (EJ or ET) and say what is wrong with it, if anything.

    Surrounding spaces are ignored and letters are upper-cased; nothing else is repaired.
    """
    number = raw.strip().upper()
    if len(number) != FINESS_LENGTH:
        return FinessCheck(number, error=f"{FINESS_LENGTH} caractères attendus, {len(number)} reçus")
    if number[:2] in CORSICA_PREFIXES:
        if not number[2:].isdigit():
            return FinessCheck(number, error="après 2A/2B, 7 chiffres attendus")
        return FinessCheck(number, warning="numéro corse (2A/2B) : règle de clé inconnue, non vérifiée")
    if not number.isdigit():
        return FinessCheck(number, error="seuls des chiffres sont attendus (hors Corse 2A/2B)")
    if number.startswith(("97", "98")):
        if number[:4] not in OVERSEAS_PREFIXES:
            return FinessCheck(number, error=f"préfixe outre-mer inconnu : {number[:4]}")
    elif number[:2] not in METROPOLITAN_DEPARTEMENTS:
        return FinessCheck(number, error=f"département inconnu : {number[:2]}")
    if not luhn_is_valid(number):
        return FinessCheck(number, error="clé de contrôle (Luhn) incorrecte")
    return FinessCheck(number)


def validate_finess(raw: str) -> str:
    """Return the normalised number, or raise :class:`InvalidFiness` saying why it is wrong."""
    result = check_finess(raw)
    if result.error is not None:
        raise InvalidFiness(f"FINESS {result.number!r} invalide : {result.error}")
    return result.number
