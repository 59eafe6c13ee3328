"""The `ght-soc` command. Each module adds its commands to the one group; importing them here registers them."""

from __future__ import annotations

from ght_soc.cli import accounts, collectors, data, hub, playbook_files  # noqa: F401  (registration)
from ght_soc.cli.root import main

__all__ = ["main"]
