"""FINESS numbers: real public numbers pass, corrupted ones fail with a reason, Corsica passes with a warning."""

from __future__ import annotations

import pytest

from ght_soc.finess import InvalidFiness, check_finess, validate_finess

# Public FINESS EJ numbers of real establishments (AP-HP, CHU Bordeaux, HCL, CHU Toulouse, Nantes, Tours,
# Rennes, AP-HM, Lille, Strasbourg, Nice, Montpellier, Grenoble, Nancy, Dijon, Limoges, Clermont, Rouen) and
# overseas (CHU de La Réunion, Martinique, Guadeloupe, Guyane, a Réunion clinic).
REAL_NUMBERS = [
    "750712184",
    "330781196",
    "690781810",
    "310781406",
    "440000289",
    "370000481",
    "350005179",
    "130786049",
    "590780193",
    "670780055",
    "060785011",
    "340780477",
    "380780080",
    "540023264",
    "210780581",
    "870000015",
    "630780989",
    "760780239",
    "970421038",
    "970211207",
    "970100228",
    "970302022",
    "970408589",
]


@pytest.mark.parametrize("number", REAL_NUMBERS)
def test_real_public_numbers_are_valid(number: str) -> None:
    result = check_finess(number)
    assert result.is_valid and result.warning is None


@pytest.mark.parametrize("number", REAL_NUMBERS)
def test_changing_any_single_digit_is_caught(number: str) -> None:
    for position in range(9):
        digit = int(number[position])
        corrupted = number[:position] + str((digit + 3) % 10) + number[position + 1 :]
        assert not check_finess(corrupted).is_valid, corrupted


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("75071218", "9 caractères attendus"),
        ("7507121840", "9 caractères attendus"),
        ("", "9 caractères attendus"),
        ("750712185", "clé de contrôle"),
        ("570712184", "clé de contrôle"),  # two adjacent digits swapped
        ("75O712184", "seuls des chiffres"),  # a letter O for a zero
        ("000000000", "département inconnu"),
        ("200000006", "département inconnu"),  # Corsica has not been "20" for a long time
        ("960000005", "département inconnu"),
        ("970500006", "préfixe outre-mer inconnu"),
        ("2AX000001", "7 chiffres attendus"),
    ],
)
def test_corrupted_numbers_are_refused_with_a_reason(number: str, reason: str) -> None:
    result = check_finess(number)
    assert not result.is_valid
    assert result.error is not None and reason in result.error


@pytest.mark.parametrize("number", ["2A0000017", "2B0000123"])
def test_corsica_is_accepted_with_a_warning(number: str) -> None:
    result = check_finess(number)
    assert result.is_valid
    assert result.warning is not None and "Corse" not in (result.error or "")
    assert "2A/2B" in result.warning


def test_validate_normalises_spaces_and_case_and_raises_on_error() -> None:
    assert validate_finess(" 750712184 ") == "750712184"
    assert validate_finess("2a0000017") == "2A0000017"
    with pytest.raises(InvalidFiness, match="750712185"):
        validate_finess("750712185")
