"""The `ght-soc` command: init, demo, serve, users, check-config, db."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from sqlalchemy import select

from ght_soc import migrate
from ght_soc.access import SYSTEM
from ght_soc.clock import now
from ght_soc.domain import PERSON_ROLES, Role
from ght_soc.settings import ENV_CONFIG_PATH, ENV_DATABASE_URL, ConfigError, LoadedConfig, load_config

DEMO_DATABASE_URL = "sqlite:///instance/ght-soc-demo.db"
DEMO_TRAP_COMMUNITY = "ght-demo-traps"  # the bundled demo's trap community (inbound only)


def _load(path: Path | None) -> LoadedConfig:
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


def _ensure_sqlite_folder(url: str) -> None:
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


@main.command("check-config")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def check_config(path: Path | None) -> None:
    """Validate the configuration file and the secrets it names; exit 2 on any problem."""
    config = _load(path)
    for warning in config.warnings:
        click.echo(f"avertissement : {warning}", err=True)
    settings = config.settings
    click.echo(f"{config.path}: OK — {settings.ght.name}, {len(settings.establishments)} établissements")


def _initialise(config: LoadedConfig) -> None:
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.services.ghts import sync_from_config

    _ensure_sqlite_folder(config.database_url)
    migrate.upgrade(config.database_url)
    app = create_app(config)
    with db.session_for(SYSTEM, app) as session:
        report = sync_from_config(session=session, settings=config.settings)
    db.dispose(app)
    click.echo(
        f"Base à jour ; établissements créés : {len(report.created)}, mis à jour : {len(report.updated)}"
        + (
            f", absents du fichier (conservés) : {', '.join(report.not_in_config)}"
            if report.not_in_config
            else ""
        )
    )


@main.command()
@config_option
def init(config_path: Path | None) -> None:
    """Migrate the database, load the GHT from the configuration, create the first administrator."""
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.models import RoleAssignment
    from ght_soc.passwords import generate_password
    from ght_soc.services.users import create_user

    config = _load(config_path)
    _initialise(config)
    app = create_app(config)
    with db.session_for(SYSTEM, app) as session:
        has_admin = session.scalars(
            select(RoleAssignment.id).where(RoleAssignment.role == Role.ADMINISTRATOR)
        ).first()
        if has_admin is None:
            password = generate_password()
            create_user(
                session=session,
                login="admin",
                display_name="Administrateur",
                password=password,
                grants=[(Role.ADMINISTRATOR, None)],
            )
            click.echo("Premier administrateur créé. Notez ce mot de passe, il ne sera plus affiché :")
            click.echo(f"  identifiant : admin\n  mot de passe : {password}")
    db.dispose(app)


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(config_path: Path | None, host: str, port: int, threads: int) -> None:
    """Serve the web application and the API (waitress)."""
    from waitress import serve as waitress_serve

    from ght_soc.app import create_app

    config = _load(config_path)
    if not migrate.is_up_to_date(config.database_url):
        click.echo(
            "La base de données n'est pas à jour : lancez « ght-soc init » ou « ght-soc db upgrade ».",
            err=True,
        )
        sys.exit(2)
    app = create_app(config)
    click.echo(f"ght-soc sur http://{host}:{port}/")
    waitress_serve(app, host=host, port=port, threads=threads)


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the demo and stop (used by the tests).")
def demo(config_path: Path | None, host: str, port: int, no_serve: bool) -> None:
    """Everything in one process on the bundled demo GHT: database, demo accounts and alerts, web server."""
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.passwords import generate_password
    from ght_soc.services.demo import load_demo

    os.environ.setdefault(ENV_DATABASE_URL, DEMO_DATABASE_URL)
    os.environ.setdefault("GHT_SOC_DEMO_TRAP_COMMUNITY", DEMO_TRAP_COMMUNITY)
    if not os.environ.get("GHT_SOC_SECRET_KEY"):
        # Demo only: a real deployment must set it, and the hub refuses to start without it.
        os.environ["GHT_SOC_SECRET_KEY"] = secrets.token_urlsafe(32)
        click.echo("Démo : GHT_SOC_SECRET_KEY absente, clé temporaire générée pour cette exécution.")
    config = _load(config_path)
    _initialise(config)
    password = generate_password()
    app = create_app(config)
    with db.session_for(SYSTEM, app) as session:
        accounts = load_demo(session=session, password=password, now=now())
    from ght_soc.directory_sync import sync_demo_directory

    directory = sync_demo_directory(app, "chu-tours-demo")
    if directory is not None:
        click.echo(
            f"Annuaire de démonstration (CHU) : {directory.stored} objets, {directory.findings} constats"
        )
    from ght_soc.demo_devices import load_demo_devices

    network = load_demo_devices(app, "chu-tours-demo", now())
    if network is not None:
        click.echo(
            f"Réseau de démonstration (CHU) : {network.answered} équipements, {network.changes} changements"
        )
    db.dispose(app)
    click.echo(f"\nComptes de démonstration (mot de passe commun : {password})")
    for account in accounts:
        click.echo(
            f"  {account.login:<40} {account.role.value:<20} {account.establishment_key or 'tout le GHT'}"
        )
    if no_serve:
        return
    from waitress import serve as waitress_serve

    from ght_soc.demo_mail import DemoMailbox
    from ght_soc.listening import BackgroundListener
    from ght_soc.scheduler import build_scheduler

    mailbox = DemoMailbox(Path("instance/demo-mail"))
    mailbox.start()
    config = mailbox.configure(config)
    click.echo(
        f"Courriels de la démo (escalades, rappels) : {mailbox.folder}/*.eml (SMTP 127.0.0.1:{mailbox.port})"
    )
    app = create_app(config)
    background = build_scheduler(app)
    background.start()
    listener = BackgroundListener(app)
    ports = listener.start()
    click.echo("Écoute syslog : " + ", ".join(f"{name} → 127.0.0.1:{bound}" for name, bound in ports.items()))
    if "syslog-tcp" in ports:
        click.echo(
            f"Essai de journal : logger --server 127.0.0.1 --port {ports['syslog-tcp']} --tcp --tag sshd "
            "'Failed password for admin from 203.0.113.7 port 52100 ssh2'"
        )
    if "snmp-traps" in ports:
        click.echo(
            f"Essai de trap : snmptrap -v 2c -c {os.environ['GHT_SOC_DEMO_TRAP_COMMUNITY']} "
            f"127.0.0.1:{ports['snmp-traps']} '' 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.7 i 7"
        )
    click.echo(f"\nght-soc (démo) sur http://{host}:{port}/ — Ctrl+C pour arrêter", nl=True)
    try:
        waitress_serve(app, host=host, port=port, threads=8)
    finally:
        listener.stop()
        background.shutdown(wait=False)
        mailbox.stop()


@main.group()
def users() -> None:
    """Accounts and their roles."""


def _parse_grant(text: str) -> tuple[Role, str | None]:
    role_name, _, establishment_key = text.partition(":")
    try:
        role = Role(role_name)
    except ValueError:
        known = ", ".join(r.value for r in sorted(PERSON_ROLES))
        raise click.BadParameter(f"rôle inconnu {role_name!r} ; rôles connus : {known}") from None
    return role, establishment_key or None


@users.command("add")
@config_option
@click.argument("login")
@click.option("--name", "display_name", required=True, help="Full name shown in the interface.")
@click.option("--email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="ROLE for the whole GHT, or ROLE:ESTABLISHMENT_KEY for one establishment; repeatable.",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one."
)
def users_add(
    config_path: Path | None,
    login: str,
    display_name: str,
    email: str | None,
    roles: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Create an account; prints a generated password once unless --password-stdin."""
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.models import Establishment
    from ght_soc.passwords import WeakPassword, generate_password
    from ght_soc.services.users import UserError, create_user

    grants_wanted = [_parse_grant(r) for r in roles]
    password = sys.stdin.readline().rstrip("\n") if password_stdin else generate_password()
    app = create_app(_load(config_path))
    try:
        with db.session_for(SYSTEM, app) as session:
            grants = []
            for role, key in grants_wanted:
                establishment = None
                if key is not None:
                    establishment = session.scalars(
                        select(Establishment).where(Establishment.key == key)
                    ).one_or_none()
                    if establishment is None:
                        raise UserError(f"établissement inconnu : {key!r}")
                grants.append((role, establishment))
            create_user(
                session=session,
                login=login,
                display_name=display_name,
                password=password,
                email=email,
                grants=grants,
            )
    except (UserError, WeakPassword) as error:
        raise click.ClickException(str(error)) from None
    finally:
        db.dispose(app)
    click.echo(f"Compte {login} créé.")
    if not password_stdin:
        click.echo(f"Mot de passe (affiché une seule fois) : {password}")


@users.command("list")
@config_option
def users_list(config_path: Path | None) -> None:
    """List accounts with their roles."""
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.services.users import list_users

    app = create_app(_load(config_path))
    with db.session_for(SYSTEM, app) as session:
        for user in list_users(session=session):
            grants = ", ".join(
                f"{a.role.value}:{a.establishment.key}" if a.establishment else a.role.value
                for a in user.role_assignments
            )
            state = "" if user.is_active else " (désactivé)"
            click.echo(f"{user.login}\t{user.display_name}{state}\t{grants}")
    db.dispose(app)


@main.group("db")
def db_group() -> None:
    """Schema migrations (Alembic)."""


@db_group.command("upgrade")
@config_option
@click.argument("revision", default="head")
def db_upgrade(config_path: Path | None, revision: str) -> None:
    config = _load(config_path)
    _ensure_sqlite_folder(config.database_url)
    migrate.upgrade(config.database_url, revision)


@db_group.command("downgrade")
@config_option
@click.argument("revision")
def db_downgrade(config_path: Path | None, revision: str) -> None:
    migrate.downgrade(_load(config_path).database_url, revision)


@main.command()
@config_option
def scheduler(config_path: Path | None) -> None:
    """Run the periodic jobs (retention...) in this process, until stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from ght_soc.app import create_app
    from ght_soc.scheduler import build_scheduler

    app = create_app(_load(config_path))
    blocking = build_scheduler(app, BlockingScheduler(timezone="UTC"))
    click.echo("ght-soc : planificateur démarré (Ctrl+C pour arrêter)")
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@main.group()
def events() -> None:
    """The event store."""


@events.command("purge")
@config_option
def events_purge(config_path: Path | None) -> None:
    """Apply the retention now: delete each establishment's events older than its retention."""
    from ght_soc.app import create_app
    from ght_soc.scheduler import purge_events
    from ght_soc.services.retention import PurgeReport

    app = create_app(_load(config_path))
    report = purge_events(app)
    assert isinstance(report, PurgeReport)
    for key, deleted in report.deleted.items():
        click.echo(f"{key}\t{deleted}")
    click.echo(f"total\t{report.total}")


@main.command()
@config_option
def listen(config_path: Path | None) -> None:
    """Receive syslog on the configured ports, store the events, run the detection rules."""
    import logging

    from ght_soc.app import create_app
    from ght_soc.listening import run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_forever(create_app(_load(config_path)))


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

    config = _load(config_path)
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

    config = _load(config_path)
    for ref in configured_directories(config):
        click.echo(f"ldap\t{ref.label}")
    for group in configured_groups(config):
        click.echo(f"snmp\t{group.label}")


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


# --- security hardening: the audit log (ght_soc/services/audit.py) ------------------------------------------
@main.group()
def audit() -> None:
    """The hash-chained audit log of security-relevant actions."""


@audit.command("verify")
@config_option
def audit_verify(config_path: Path | None) -> None:
    """Check the whole chain; exit 1 naming the first edited, deleted or inserted row."""
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.services.audit import verify

    app = create_app(_load(config_path))
    try:
        with db.session_for(SYSTEM, app) as session:
            report = verify(session)
    finally:
        db.dispose(app)
    if report.problem is not None:
        row = report.problem.event_id
        click.echo(
            f"Journal d'audit altéré ({report.problem.breach.value}) à l'entrée {row} : "
            f"{report.problem.explanation} ; {report.checked} entrée(s) intègre(s) avant elle.",
            err=True,
        )
        sys.exit(1)
    # The head hash, noted elsewhere (ticket, paper), is what later proves this state of the log.
    click.echo(f"Journal d'audit intègre : {report.checked} entrée(s), empreinte de tête {report.head_hash}")


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

    app = create_app(_load(config_path))
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
