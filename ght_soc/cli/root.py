"""The `ght-soc` command group and what its commands share: loading the configuration, the --config option."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ght_soc.settings import ENV_CONFIG_PATH, ConfigError, LoadedConfig, load_config


def load_or_exit(path: Path | None) -> LoadedConfig:
    """Load the configuration or stop with every problem listed (exit code 2)."""
    from ght_soc.app import default_config_path

    target = path or default_config_path()
    try:
        return load_config(target)
    except ConfigError as error:
        click.echo(f"Configuration refusée ({len(error.problems)} problème(s)) :", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)


def ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar=ENV_CONFIG_PATH,
    help="Configuration file (default: $GHT_SOC_CONFIG, else the bundled demo GHT).",
)


@click.group()
def main() -> None:
    """ght-soc: the shared security operations hub of a GHT."""
