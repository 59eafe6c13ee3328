"""`ght-soc playbooks`: validate playbook files, export them to CACAO."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ght_soc.cli.root import main
from ght_soc.clock import now


@main.group()
def playbooks() -> None:
    """Incident-response playbooks (YAML): check them, export them to CACAO."""


@playbooks.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
def playbooks_validate(files: tuple[Path, ...]) -> None:
    """Check FILES (default: every shipped playbook); list every problem as file:line:column: message."""
    from ght_soc.playbooks.library import PlaybookLibrary, playbook_files
    from ght_soc.resources import bundled_playbooks_dir

    paths = list(files) or playbook_files(bundled_playbooks_dir())
    library, problems = PlaybookLibrary.from_files(paths)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problème(s) dans {len(paths)} fichier(s)", err=True)
        sys.exit(1)
    click.echo(f"{len(library)} playbook(s) valide(s)")


@playbooks.command("export-cacao")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Default: standard output."
)
def playbooks_export_cacao(file: Path, output: Path | None) -> None:
    """Export the playbook FILE to OASIS CACAO v2.0 JSON."""
    from ght_soc.playbooks.cacao import to_cacao_json
    from ght_soc.playbooks.validation import check_file

    loaded, problems = check_file(file)
    if loaded is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    text = to_cacao_json(loaded.playbook, exported_at=now())
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
