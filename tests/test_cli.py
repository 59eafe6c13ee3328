"""The `ght-soc` command, run as a user runs it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from ght_soc.cli import main
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET

GHT_SOC = str(Path(sys.executable).with_name("ght-soc"))


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "GHT_SOC_SECRET_KEY": TEST_SECRET,
        "GHT_SOC_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
        "GHT_SOC_CONFIG": str(EXAMPLE_CONFIG),
    }


def test_init_migrates_loads_the_ght_and_prints_the_first_password_once(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["init"], env=_env(tmp_path))
    assert first.exit_code == 0, first.output
    assert "établissements créés : 8" in first.output
    assert "mot de passe :" in first.output

    second = runner.invoke(main, ["init"], env=_env(tmp_path))
    assert second.exit_code == 0, second.output
    assert "mot de passe" not in second.output and "mis à jour : 0" in second.output


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "1"], env=_env(tmp_path))
    assert result.exit_code == 2
    assert "ght-soc init" in result.output


def test_users_add_and_list(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["init"], env=_env(tmp_path))
    added = runner.invoke(
        main,
        [
            "users",
            "add",
            "mdurand",
            "--name",
            "Marie Durand",
            "--role",
            "site_correspondent:ch-amboise-demo",
            "--role",
            "on_call_engineer",
        ],
        env=_env(tmp_path),
    )
    assert added.exit_code == 0, added.output
    assert "Mot de passe (affiché une seule fois)" in added.output
    listed = runner.invoke(main, ["users", "list"], env=_env(tmp_path))
    assert "mdurand\tMarie Durand\tsite_correspondent:ch-amboise-demo, on_call_engineer" in listed.output

    bad_role = runner.invoke(main, ["users", "add", "x", "--name", "X", "--role", "king"], env=_env(tmp_path))
    assert bad_role.exit_code == 2 and "rôle inconnu 'king'" in bad_role.output
    misplaced = runner.invoke(
        main, ["users", "add", "y", "--name", "Y", "--role", "site_correspondent"], env=_env(tmp_path)
    )
    assert misplaced.exit_code == 1 and "précisez lequel" in misplaced.output
    unknown_site = runner.invoke(
        main, ["users", "add", "z", "--name", "Z", "--role", "dpo:nowhere"], env=_env(tmp_path)
    )
    assert unknown_site.exit_code == 1 and "établissement inconnu" in unknown_site.output
    duplicate = runner.invoke(
        main, ["users", "add", "MDurand", "--name", "M", "--role", "dpo"], env=_env(tmp_path)
    )
    assert duplicate.exit_code == 1 and "existe déjà" in duplicate.output


def test_the_demo_command_serves_the_french_hub_on_loopback(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith("GHT_SOC_")}
    # The bundled demo GHT, on free ports: another hub (or a test) on this machine may hold 5514 or 5162.
    config = tmp_path / "ght.yaml"
    config.write_text(re.sub(r"port: (551[45]|5162)", "port: 0", EXAMPLE_CONFIG.read_text(encoding="utf-8")))
    env["GHT_SOC_CONFIG"] = str(config)
    process = subprocess.Popen(
        [GHT_SOC, "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        if page is None:
            process.terminate()
            pytest.fail(f"the demo did not answer within 60 s:\n{process.communicate(timeout=20)[0][-3000:]}")
        assert 'lang="fr"' in page and "Se connecter" in page
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "rssi" in output and "correspondant-ehpad-blois-demo" in output
    assert "Annuaire de démonstration (CHU) : 306 objets, 8 constats" in output
    assert (tmp_path / "instance" / "ght-soc-demo.db").exists()
