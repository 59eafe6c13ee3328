"""Configuration: the bundled demo GHT is valid; every error names the file, the line, the key and the reason."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ght_soc.app import create_app
from ght_soc.cli import main
from ght_soc.domain import EstablishmentCategory
from ght_soc.settings import ConfigError, load_config
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET

ENV = {"GHT_SOC_SECRET_KEY": TEST_SECRET}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ght.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path, environ: dict[str, str] = ENV) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ=environ)
    return [str(p) for p in caught.value.problems]


VALID = """\
ght:
  code: ght-test
  name: GHT de test
establishments:
  - key: chu
    name: CHU de test
    short_name: CHU
    finess_ej: "370990012"
    category: chu
    support: true
    ose: true
    sites:
      - finess_et: "370990020"
        name: Site principal
  - key: ch
    name: CH de test
    short_name: CH
    finess_ej: "370990111"
    category: ch
    sites:
      - finess_et: "370990129"
        name: Site du CH
"""


def test_the_bundled_demo_ght_is_complete_and_valid() -> None:
    config = load_config(EXAMPLE_CONFIG, environ=ENV)
    establishments = config.settings.establishments
    assert len(establishments) >= 6
    assert [e.key for e in establishments if e.support] == ["chu-tours-demo"]
    assert next(e for e in establishments if e.support).ose
    categories = {e.category for e in establishments}
    assert {
        EstablishmentCategory.CHU,
        EstablishmentCategory.CH,
        EstablishmentCategory.EPSM,
        EstablishmentCategory.MEDICO_SOCIAL,
        EstablishmentCategory.PRIVATE_CLINIC,
    } <= categories
    assert categories & {EstablishmentCategory.LABORATORY, EstablishmentCategory.RADIOTHERAPY_CENTRE}
    assert all(e.sites for e in establishments)
    # Only the demo's trap community is missing here: `ght-soc demo` sets it.
    assert [w.split(": ")[1] for w in config.warnings] == ["establishments[0].trap_community_env"]
    with_traps = load_config(EXAMPLE_CONFIG, environ={**ENV, "GHT_SOC_DEMO_TRAP_COMMUNITY": "ght-demo-traps"})
    assert with_traps.warnings == ()


def test_settings_are_frozen_and_secrets_are_never_shown(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, VALID), environ=ENV)
    with pytest.raises(ValueError):
        config.settings.ght.name = "autre"  # type: ignore[misc]
    assert TEST_SECRET not in repr(config)
    assert config.secrets.secret_key == TEST_SECRET


def test_the_environment_overrides_the_database_url(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, VALID), environ={**ENV, "GHT_SOC_DATABASE_URL": "postgresql://x/y"})
    assert config.database_url == "postgresql://x/y"


def test_a_finess_with_a_wrong_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace('finess_ej: "370990111"', 'finess_ej: "370990112"'))
    assert problems_of(path) == [
        f"{path}:18: establishments[1].finess_ej: FINESS '370990112' invalide : clé de contrôle (Luhn) incorrecte"
    ]


def test_a_duplicate_finess_is_refused_naming_both_places(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace('finess_et: "370990129"', 'finess_et: "370990020"'))
    assert problems_of(path) == [
        f"{path}:21: establishments[1].sites[0].finess_et: FINESS en double : 370990020 déjà utilisé par "
        "establishments[0].sites[0].finess_et"
    ]


def test_an_unknown_key_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("    ose: true\n", "    ose: true\n    oze: true\n"))
    assert problems_of(path) == [f"{path}:12: establishments[0].oze: clé inconnue"]


def test_a_missing_secret_variable_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    problems = problems_of(path, environ={})
    assert problems == [
        f"{path}:1: hub.secret_key_env: la variable d'environnement GHT_SOC_SECRET_KEY doit contenir au moins "
        "16 caractères"
    ]


def test_a_named_smtp_password_variable_must_exist(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "hub:\n  smtp:\n    password_env: SMTP_PASSWORD\n")
    assert problems_of(path) == [
        f"{path}:25: hub.smtp.password_env: la variable d'environnement SMTP_PASSWORD n'est pas définie"
    ]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = VALID.replace("category: ch\n", "category: hopital\n").replace("support: true", "support: oui-ish")
    text = text.replace('finess_et: "370990020"', 'finess_et: "12345"')
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 3
    assert any("establishments[1].category" in p for p in problems)
    assert any("establishments[0].support" in p for p in problems)
    assert any("establishments[0].sites[0].finess_et" in p and "9 caractères" in p for p in problems)


def test_exactly_one_support_establishment_is_required(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, VALID.replace("    support: true\n", "")))
    assert "un et un seul établissement support attendu, 0 trouvé(s)" in problem


def test_bad_yaml_and_unreadable_files_are_reported(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, "ght: [unclosed\n"))
    assert "YAML invalide" in problem
    (problem,) = problems_of(tmp_path / "absent.yaml")
    assert "lecture impossible" in problem


def test_a_corsican_finess_loads_with_a_warning(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, VALID.replace('"370990129"', '"2A0000017"')), environ=ENV)
    assert len(config.warnings) == 1 and "2A/2B" in config.warnings[0] and ":21:" in config.warnings[0]


def test_check_config_exits_non_zero_with_the_same_messages(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace('finess_ej: "370990111"', 'finess_ej: "370990112"'))
    result = CliRunner().invoke(main, ["check-config", str(path)], env=ENV)
    assert result.exit_code == 2
    assert f"{path}:18: establishments[1].finess_ej" in result.output

    ok = CliRunner().invoke(main, ["check-config", str(EXAMPLE_CONFIG)], env=ENV)
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output


def test_the_hub_refuses_to_start_on_a_bad_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID)
    monkeypatch.setenv("GHT_SOC_CONFIG", str(path))
    monkeypatch.delenv("GHT_SOC_SECRET_KEY")
    with pytest.raises(ConfigError, match="GHT_SOC_SECRET_KEY"):
        create_app()
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "hub.secret_key_env: la variable d'environnement GHT_SOC_SECRET_KEY" in result.output
