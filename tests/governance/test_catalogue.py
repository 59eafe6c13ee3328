"""The obligations and hygiene-guide files: the shipped ones load; a broken one names its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ght_soc.governance.catalogue import CatalogueError, load_catalogue
from ght_soc.governance.enums import CheckKind
from ght_soc.resources import bundled_config_path

SHIPPED = bundled_config_path("governance")


def test_the_shipped_catalogue_loads_with_the_42_measures_and_a_source_for_every_obligation() -> None:
    catalogue = load_catalogue(SHIPPED)
    assert [m.number for m in catalogue.measures] == list(range(1, 43))
    assert all(o.source for o in catalogue.obligations)
    assert {o.check for o in catalogue.obligations} == set(CheckKind)
    assert {m.domain for m in catalogue.measures} <= {d.key for d in catalogue.domains}


def _broken(tmp_path: Path, filename: str, old: str, new: str) -> Path:
    for name in ("obligations.yaml", "hygiene_guide.yaml"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    text = (tmp_path / filename).read_text(encoding="utf-8")
    assert old in text
    (tmp_path / filename).write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def _line_of(path: Path, fragment: str) -> int:
    return next(
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line
    )


@pytest.mark.parametrize(
    ("filename", "old", "new", "marker", "reason"),
    [
        (
            "obligations.yaml",
            "    domain: ressources\n",
            "    domain: finances\n",
            "domain: finances",
            "domaine inconnu",
        ),
        ("obligations.yaml", "    check: budget\n", "    check: budjet\n", "check: budjet", "manual"),
        ("obligations.yaml", "    roles: [dpo]\n", "    rolls: [dpo]\n", "rolls:", "clé inconnue"),
        (
            "obligations.yaml",
            "    validity_months: 24\n",
            "    validity_months: -3\n",
            "validity_months: -3",
            "greater than or equal to 1",
        ),
        (
            "hygiene_guide.yaml",
            "{number: 17,",
            "{number: 16,",
            "{number: 16, chapter: Sécuriser les postes, domain: postes, levels: [reinforced]",
            "double",
        ),
        (
            "obligations.yaml",
            "  - key: plan-continuite\n",
            "  - key: plan-continuite\n   bad: [\n",
            "bad: [",
            "YAML invalide",
        ),
    ],
    ids=[
        "unknown-domain",
        "unknown-check",
        "unknown-key",
        "negative-validity",
        "duplicate-measure",
        "invalid-yaml",
    ],
)
def test_an_error_in_a_catalogue_file_names_the_file_and_the_line(
    tmp_path: Path, filename: str, old: str, new: str, marker: str, reason: str
) -> None:
    directory = _broken(tmp_path, filename, old, new)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(directory)
    problem = caught.value.problems[0]
    assert problem.path == str(directory / filename)
    assert reason in problem.reason
    expected = _line_of(directory / filename, marker)
    # A YAML syntax error is reported where the parser notices it, at most a line or two below.
    assert expected <= (problem.line or 0) <= expected + 2, str(caught.value)
    assert f"{filename}:{problem.line}" in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    directory = _broken(tmp_path, "obligations.yaml", "    domain: ressources\n", "    domain: finances\n")
    hygiene = directory / "hygiene_guide.yaml"
    hygiene.write_text(hygiene.read_text(encoding="utf-8").replace("domain: postes", "domain: bureautique"))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(directory)
    assert {Path(p.path).name for p in caught.value.problems} == {"obligations.yaml", "hygiene_guide.yaml"}
    assert len(caught.value.problems) > 2
