"""`ght-soc connectors` (run and list the directory and SNMP connectors) and `import-evtx`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.cli.root import config_option, load_or_exit, main
from ght_soc.clock import now
from ght_soc.settings import LoadedConfig


@main.group()
def connectors() -> None:
    """Collectors of the member establishments (directories...)."""


@connectors.command("run")
@config_option
@click.argument("name")
def connectors_run(config_path: Path | None, name: str) -> None:
    """Run one connector now: NAME is ESTABLISHMENT_KEY/DIRECTORY_OR_SNMP_GROUP (see `connectors list`)."""
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.device_polling import configured_groups
    from ght_soc.directory_sync import configured_directories, last_entry_count, run_directory

    config = load_or_exit(config_path)
    known = {ref.label: ref for ref in configured_directories(config)}
    snmp_groups = {ref.label: ref for ref in configured_groups(config)}
    if name in snmp_groups:
        return _run_device_poll(config, name)
    if name not in known:
        everything = sorted([*known, *snmp_groups])
        raise click.BadParameter(f"connecteur inconnu {name!r} ; connus : {', '.join(everything) or 'aucun'}")
    app = create_app(config)
    ref = known[name]
    expected = last_entry_count(app, ref)
    with click.progressbar(length=expected or 1, label=f"annuaire {name}", file=sys.stderr) as bar:
        summary, result, error = run_directory(app, ref, progress=lambda n: bar.update(n))
    db.dispose(app)
    if summary is None or result is None:
        raise click.ClickException(str(error))
    state = "complète" if summary.complete else f"incomplète ({summary.error})"
    click.echo(
        f"{name} : {summary.entries} entrées lues, synchronisation {state} ; supprimés : {result.deleted}, "
        f"constats : {result.findings}, alertes : {result.alerts_created}"
    )
    if not summary.complete:
        sys.exit(1)


def _run_device_poll(config: LoadedConfig, name: str) -> None:
    """`connectors run` for an SNMP target group: one poll round with a bar over its addresses."""
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.device_polling import address_count, configured_groups, run_poll

    ref = next(group for group in configured_groups(config) if group.label == name)
    app = create_app(config)
    with click.progressbar(
        length=address_count(config, ref), label=f"snmp {ref.label}", file=sys.stderr
    ) as bar:
        result, error = run_poll(app, ref, progress=lambda n: bar.update(n))
    db.dispose(app)
    if result is None:
        raise click.ClickException(str(error))
    click.echo(
        f"{ref.label} : {result.polled} adresses interrogées, {result.answered} équipements ont répondu "
        f"({result.partial} partiellement), {result.failed} sans réponse ; changements : {result.changes}, "
        f"alertes : {result.alerts_created}, constats : {result.findings}"
    )
    if error:
        sys.exit(1)


@connectors.command("list")
@config_option
def connectors_list(config_path: Path | None) -> None:
    """The configured connectors."""
    from ght_soc.device_polling import configured_groups
    from ght_soc.directory_sync import configured_directories

    config = load_or_exit(config_path)
    for ref in configured_directories(config):
        click.echo(f"ldap\t{ref.label}")
    for group in configured_groups(config):
        click.echo(f"snmp\t{group.label}")


# --- log connector: import of Windows .evtx files (connectors/evtx.py) ----------------------------------------
EVTX_BATCH = 1000  # events per ingest call: one transaction, one detection pass


@main.command("import-evtx")
@config_option
@click.option("--establishment", "establishment_key", required=True, help="Key of the establishment.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
def import_evtx(config_path: Path | None, establishment_key: str, files: tuple[Path, ...]) -> None:
    """Import Windows .evtx FILES for one establishment: stored as live events, the detection rules run on them.

    A file or a chunk of records that cannot be read is reported and counted; the rest is imported.
    Exit code 1 when anything could not be read.
    """
    from connectors.evtx import LISTENER, EvtxFileError, EvtxProblem, count_records, read_evtx
    from connectors.syslog.listener import LogEvent
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.listening import IngestSink, build_ingestor
    from ght_soc.models import Establishment

    app = create_app(load_or_exit(config_path))
    with db.session_for(SYSTEM, app) as session:
        known = sorted(session.scalars(select(Establishment.key)))
    if establishment_key not in known:
        click.echo(f"Établissement inconnu : {establishment_key} ; connus : {', '.join(known)}", err=True)
        sys.exit(2)
    sink = IngestSink(app, build_ingestor(app))
    imported, failures, started = 0, 0, now()
    for path in files:
        batch: list[LogEvent] = []
        try:
            records = read_evtx(path, imported_at=started)
            with click.progressbar(records, length=count_records(path), label=path.name) as bar:
                for item in bar:
                    if isinstance(item, EvtxProblem):
                        failures += 1
                        click.echo(f"\nillisible : {item.message}", err=True)
                        continue
                    batch.append(LogEvent(establishment_key, LISTENER, path.name, item.fields))
                    if len(batch) >= EVTX_BATCH:
                        sink.emit_many(batch)
                        imported, batch = imported + len(batch), []
        except EvtxFileError as error:
            failures += 1
            click.echo(f"fichier ignoré : {error}", err=True)
        if batch:
            sink.emit_many(batch)
            imported += len(batch)
    summary = f"{imported} événement(s) importé(s) pour {establishment_key}"
    click.echo(f"{summary}, erreurs de lecture : {failures}")
    if failures:
        sys.exit(1)
