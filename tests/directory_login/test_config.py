"""The `login:` section of a directory: every mistake named with its file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ght_soc.settings import ConfigError, LoadedConfig
from tests.directory_login.conftest import load, write_config
from tests.directory_login.directory import LoginSlapd

GROUP = "CN=Admins GHT-SOC,OU=Amboise,dc=chu-demo,dc=local"
AMBOISE = "establishments[1].directories[0].login"
TOURS = "establishments[0].directories[0].login"


@pytest.mark.parametrize(
    ("key", "change", "where", "reason"),
    [
        (
            "ch-amboise-demo",
            {"role_groups": {GROUP: "ght_rssi"}},
            f"{AMBOISE}.role_groups.{GROUP}",
            "seul l'annuaire de l'établissement support",
        ),
        (
            "ch-amboise-demo",
            {"role_groups": {GROUP: "administrator"}},
            f"{AMBOISE}.role_groups.{GROUP}",
            "couvre tout le GHT",
        ),
        (
            "ch-amboise-demo",
            {"role_groups": {GROUP: "collector"}},
            f"{AMBOISE}.role_groups.{GROUP}",
            "jetons machine",
        ),
        ("ch-amboise-demo", {"role_groups": {GROUP: "chef"}}, f"{AMBOISE}.role_groups.{GROUP}", "ght_rssi"),
        (
            "ch-amboise-demo",
            {"role_groups": {"les admins": "dpo"}},
            f"{AMBOISE}.role_groups.les admins",
            "DN de groupe ou SID",
        ),
        ("ch-amboise-demo", {"role_groups": {}}, f"{AMBOISE}.role_groups", "personne n'entrerait"),
        (
            "chu-tours-demo",
            {"role_groups": {"S-1-5-21-1-2-3-512": "ght_rssi"}},
            f"{TOURS}.role_groups.S-1-5-21-1-2-3-512",
            "n'existe que dans Active Directory",
        ),
        ("chu-tours-demo", {"domains": ["CH-Amboise.local"]}, f"{AMBOISE}.domains", "déjà rattaché"),
        ("ch-amboise-demo", {"domains": ["pas un domaine"]}, f"{AMBOISE}.domains[0]", "pattern"),
        ("ch-amboise-demo", {"groups": {}}, f"{AMBOISE}.groups", "clé inconnue"),
    ],
)
def test_a_wrong_login_section_is_refused_with_its_file_line_and_key(
    tmp_path: Path, login_slapd: LoginSlapd, key: str, change: dict[str, object], where: str, reason: str
) -> None:
    path = write_config(tmp_path, login_slapd, change, key)
    with pytest.raises(ConfigError) as raised:
        load(path)
    problems = [p for p in raised.value.problems if p.key == where]
    assert len(problems) == 1, [str(p) for p in raised.value.problems]
    problem = problems[0]
    assert reason in problem.reason
    assert problem.line is not None
    line = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    if ".role_groups." in where:
        shown = where.split(".role_groups.", 1)[1]  # the group's own line
    else:
        shown = "pas un domaine" if where.endswith("[0]") else where.rsplit(".", 1)[1]
    assert shown.lower() in line.lower()  # the line of the key itself
    assert str(problem).startswith(f"{path}:{problem.line}: {where}: ")


def test_enabled_must_be_said(tmp_path: Path, login_slapd: LoginSlapd) -> None:
    raw = write_config(tmp_path, login_slapd).read_text(encoding="utf-8")
    path = tmp_path / "sans-enabled.yaml"
    lines = raw.splitlines(keepends=True)
    lines.remove(next(line for line in lines if line.strip() == "enabled: true"))
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert [p.reason for p in raised.value.problems if p.key.endswith("login.enabled")] == [
        "clé obligatoire absente"
    ]


def test_ght_wide_roles_from_the_support_directory_and_sids_on_active_directory_are_accepted(
    directory_config: LoadedConfig,
) -> None:
    tours = directory_config.settings.establishment("chu-tours-demo").directories[0]
    amboise = directory_config.settings.establishment("ch-amboise-demo").directories[0]
    assert tours.login is not None and "ght_rssi" in tours.login.role_groups.values()
    assert amboise.login is not None and any(k.startswith("S-1-5-21-") for k in amboise.login.role_groups)
