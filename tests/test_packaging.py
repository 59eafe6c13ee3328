"""The wheel carries everything an installed hub needs: every package, templates, catalogue, examples."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(target), str(ROOT)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (built,) = target.glob("ght_soc-*.whl")
    return built


def test_the_wheel_holds_every_package_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {
        str(init.parent.relative_to(ROOT)) + "/__init__.py"
        for top in ("ght_soc", "connectors")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert packages <= names, f"add to [tool.setuptools] packages: {sorted(packages - names)}"
    for required in (
        "ght_soc/bundled/config/ght.example.yaml",
        "ght_soc/bundled/playbooks/README.md",
        "ght_soc/templates/base.html",
        "ght_soc/static/css/app.css",
        "ght_soc/static/favicon.svg",
        "ght_soc/translations/fr/LC_MESSAGES/messages.mo",
        "ght_soc/migrations/versions/0001_foundation.py",
        "ght_soc/migrations/script.py.mako",
    ):
        assert required in names
    migrations = {str(p.relative_to(ROOT)) for p in (ROOT / "ght_soc/migrations/versions").glob("*.py")}
    assert migrations <= names
    rules = {
        "ght_soc/bundled/config/" + str(p.relative_to(ROOT / "config"))
        for p in (ROOT / "config/rules").rglob("*.yml")
    }
    assert rules and rules <= names


def test_an_installed_hub_finds_its_bundled_examples(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from ght_soc.resources import bundled_config_path, bundled_playbooks_dir;"
        "print(bundled_config_path('ght.example.yaml')); print(bundled_playbooks_dir())"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(unpacked)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    config_path, playbooks_dir = result.stdout.split()
    assert config_path == str(unpacked / "ght_soc/bundled/config/ght.example.yaml")
    assert Path(config_path).is_file() and Path(playbooks_dir).is_dir()
