"""Where the bundled examples live: the checkout's top-level folders, or their copy inside an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT_ROOT = Path(__file__).resolve().parent.parent


def _bundled_dir(name: str) -> Path:
    in_checkout = _CHECKOUT_ROOT / name
    if in_checkout.is_dir() and (_CHECKOUT_ROOT / "pyproject.toml").is_file():
        return in_checkout
    return Path(str(resources.files("ght_soc") / "bundled" / name))


def bundled_config_path(filename: str) -> Path:
    return _bundled_dir("config") / filename


def bundled_playbooks_dir() -> Path:
    return _bundled_dir("playbooks")
