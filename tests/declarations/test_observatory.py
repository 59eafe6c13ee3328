"""The observatory's national figures are data: the bundled file loads, a broken one is named, not guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ght_soc.declarations.observatory import (
    ObservatoryFileError,
    latest_national_figures,
    load_national_figures,
)


def test_the_latest_published_year_is_the_reference_line() -> None:
    latest = latest_national_figures()
    assert (latest.year, latest.reports, latest.malicious_percent) == (2023, 581, 50)
    assert (latest.care_impact_percent, latest.degraded_mode_percent) == (35, 32)
    assert "ANS" in latest.source


def test_years_are_kept_in_order_whatever_the_file_says(tmp_path: Path) -> None:
    path = tmp_path / "observatory.yaml"
    path.write_text(
        "years:\n"
        "  - {year: 2024, reports: 600, malicious_percent: 52, care_impact_percent: 30, degraded_mode_percent: 28,"
        " source: x}\n"
        "  - {year: 2023, reports: 581, malicious_percent: 50, care_impact_percent: 35, degraded_mode_percent: 32,"
        " source: y}\n",
        encoding="utf-8",
    )
    assert [f.year for f in load_national_figures(path)] == [2023, 2024]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("years: []\n", "years"),
        ("years:\n  - {year: 2023, reports: 1, malicious_percent: 150, care_impact_percent: 1,"
         " degraded_mode_percent: 1, source: s}\n", "malicious_percent"),
        ("years:\n  - {year: 2023}\n", "reports"),
        ("years: [\n", "observatory.yaml"),
    ],
)  # fmt: skip
def test_a_broken_file_is_refused_naming_the_file_and_the_key(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "observatory.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ObservatoryFileError, match=says) as refused:
        load_national_figures(path)
    assert str(path) in str(refused.value)
