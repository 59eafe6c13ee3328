"""`ght-soc connectors list/run` and the scheduler for an SNMP group; its configuration and secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ght_soc.app import create_app
from ght_soc.cli import main
from ght_soc.scheduler import build_scheduler
from ght_soc.settings import ConfigError, load_config
from tests.devices.conftest import ENVIRONMENT, SNMPD_MISSING, Snmpd, configuration


@SNMPD_MISSING
def test_run_an_snmp_group_from_the_command_line(tmp_path: Path, snmpd: Snmpd) -> None:
    env = {
        **ENVIRONMENT,
        "GHT_SOC_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
        "GHT_SOC_CONFIG": str(configuration(tmp_path, snmpd.port)),
    }
    assert CliRunner().invoke(main, ["init"], env=env).exit_code == 0
    listed = CliRunner().invoke(main, ["connectors", "list"], env=env)
    assert "snmp\tchu-tours-demo/coeur" in listed.output.splitlines()
    result = CliRunner().invoke(main, ["connectors", "run", "chu-tours-demo/coeur"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 adresses interrogées, 1 équipements ont répondu" in result.output
    unknown = CliRunner().invoke(main, ["connectors", "run", "nowhere/coeur"], env=env)
    assert unknown.exit_code == 2 and "chu-tours-demo/coeur" in unknown.output


def test_the_scheduler_polls_each_group_at_its_interval(tmp_path: Path) -> None:
    config = load_config(configuration(tmp_path, 16100, ", interval_minutes: 10"), environ=ENVIRONMENT)
    jobs = {job.id: job for job in build_scheduler(create_app(config)).get_jobs()}
    assert jobs["snmp:chu-tours-demo/coeur"].trigger.interval.total_seconds() == 600


@pytest.mark.parametrize(
    ("extra", "environ", "expected"),
    [
        ("", {}, "snmp[0].community_env: la variable d'environnement SNMP_COMMUNITY n'est pas définie"),
        (", networks: ['10.0.0.0/16']", None, "trop grande"),
        (", version: v3", None, "SNMP v3 : v3 (user, auth_key_env, priv_key_env) est obligatoire"),
        (", silent_after: 1", None, "silent_after"),
        (
            ", version: v3, v3: {user: soc, auth_key_env: AUTH, priv_key_env: PRIV}",
            {"AUTH": "short", "PRIV": "privpass123"},
            "snmp[0].v3.auth_key_env: AUTH : au moins 8 caractères attendus",
        ),
    ],
    ids=["community-missing", "range-too-large", "v3-without-user", "silent-after-one", "v3-key-too-short"],
)
def test_a_bad_snmp_configuration_is_refused_naming_the_key(
    tmp_path: Path, extra: str, environ: dict[str, str] | None, expected: str
) -> None:
    environment = {"GHT_SOC_SECRET_KEY": ENVIRONMENT["GHT_SOC_SECRET_KEY"], **(environ or {})}
    if environ is None:
        environment = ENVIRONMENT
    with pytest.raises(ConfigError) as refused:
        load_config(configuration(tmp_path, 16100, extra), environ=environment)
    assert expected in str(refused.value)


def test_v3_secrets_are_read_from_the_environment(tmp_path: Path) -> None:
    extra = ", version: v3, v3: {user: soc, auth_key_env: AUTH, priv_key_env: PRIV}"
    config = load_config(
        configuration(tmp_path, 16100, extra),
        environ={**ENVIRONMENT, "AUTH": "authpass123", "PRIV": "privpass123"},
    )
    assert config.secrets.snmp_v3_keys == {"chu-tours-demo/coeur": ("authpass123", "privpass123")}
    assert "authpass123" not in repr(config.secrets)
