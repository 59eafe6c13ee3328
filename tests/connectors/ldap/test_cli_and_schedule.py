"""`ght-soc connectors run` and the scheduled directory job, on a configuration naming a real slapd."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from ght_soc.app import create_app
from ght_soc.cli import main
from ght_soc.demo_directory import AdLikeSlapd
from ght_soc.directory_sync import DirectoryRef, due, run_directory
from ght_soc.scheduler import build_scheduler
from ght_soc.settings import load_config
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET
from tests.connectors.ldap.directory import SERVICE_ACCOUNT, SERVICE_PASSWORD, SLAPD_MISSING, SUFFIX

pytestmark = SLAPD_MISSING


def configuration(tmp_path: Path, server: AdLikeSlapd) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    directory = (
        "    directories:\n"
        f"      - {{name: ad, uri: '{server.ldap_uri}', bind_dn: '{SERVICE_ACCOUNT}', password_env: AD_PASSWORD,\n"
        f"         base_dns: ['{SUFFIX}'], start_tls: false, allow_plain_ldap: true, interval_minutes: 30}}\n"
    )
    text = text.replace("    retention_days: 365\n", "    retention_days: 365\n" + directory, 1)
    path = tmp_path / "ght.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def environment(tmp_path: Path, slapd: AdLikeSlapd) -> Iterator[dict[str, str]]:
    env = {
        "GHT_SOC_SECRET_KEY": TEST_SECRET,
        "GHT_SOC_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
        "GHT_SOC_CONFIG": str(configuration(tmp_path, slapd)),
        "AD_PASSWORD": SERVICE_PASSWORD,
    }
    assert CliRunner().invoke(main, ["init"], env=env).exit_code == 0
    yield env


def test_run_a_directory_from_the_command_line(environment: dict[str, str]) -> None:
    listed = CliRunner().invoke(main, ["connectors", "list"], env=environment)
    assert listed.output.strip() == "ldap\tchu-tours-demo/ad"
    result = CliRunner().invoke(main, ["connectors", "run", "chu-tours-demo/ad"], env=environment)
    assert result.exit_code == 0, result.output
    assert "synchronisation complète" in result.output and "alertes : 0" in result.output
    unknown = CliRunner().invoke(main, ["connectors", "run", "nowhere/ad"], env=environment)
    assert unknown.exit_code == 2 and "connus : chu-tours-demo/ad" in unknown.output


def test_a_missing_directory_password_stops_the_hub(tmp_path: Path, slapd: AdLikeSlapd) -> None:
    result = CliRunner().invoke(
        main, ["check-config", str(configuration(tmp_path, slapd))], env={"GHT_SOC_SECRET_KEY": TEST_SECRET}
    )
    assert result.exit_code == 2
    assert (
        "directories[0].password_env: la variable d'environnement AD_PASSWORD n'est pas définie"
        in result.output
    )


def test_a_failing_directory_is_recorded_and_backs_off(environment: dict[str, str]) -> None:
    config = load_config(Path(environment["GHT_SOC_CONFIG"]), environ={**environment, "AD_PASSWORD": "wrong"})
    app = create_app(config)
    ref = DirectoryRef("chu-tours-demo", "ad")
    summary, result, error = run_directory(app, ref)
    assert summary is None and result is None and error is not None and "identifiants refusés" in error
    now = datetime.now(UTC)
    assert not due(app, ref, now) and due(app, ref, now + timedelta(minutes=6))
    scheduler = build_scheduler(app)
    assert {"purge-events", "ldap:chu-tours-demo/ad"} <= {job.id for job in scheduler.get_jobs()}


def test_scheduled_syncs_are_incremental_after_a_full_one(
    environment: dict[str, str], slapd: AdLikeSlapd
) -> None:
    config = load_config(Path(environment["GHT_SOC_CONFIG"]), environ=environment)
    app = create_app(config)
    ref = DirectoryRef("chu-tours-demo", "ad")
    first, _, _ = run_directory(app, ref, incremental=True)
    assert first is not None and first.mode == "full"  # nothing to start from yet
    quiet, _, _ = run_directory(app, ref, incremental=True)
    assert quiet is not None and quiet.mode == "incremental" and quiet.entries == 0
    slapd.ldapmodify(
        f"dn: CN=Agent 3,OU=Utilisateurs,{SUFFIX}\nchangetype: modify\nreplace: uSNChanged\nuSNChanged: 90000\n"
    )
    changed, result, _ = run_directory(app, ref, incremental=True)
    assert changed is not None and changed.mode == "incremental" and changed.entries == 1
    assert result is not None and result.deleted == 0  # an incremental never concludes deletions
