"""Running the hub: check-config, init, serve, demo, scheduler, listen."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from sqlalchemy import select

from ght_soc import migrate
from ght_soc.access import SYSTEM
from ght_soc.cli.root import config_option, ensure_sqlite_folder, load_or_exit, main
from ght_soc.clock import now
from ght_soc.domain import Role
from ght_soc.settings import ENV_DATABASE_URL, LoadedConfig

DEMO_DATABASE_URL = "sqlite:///instance/ght-soc-demo.db"
DEMO_TRAP_COMMUNITY = "ght-demo-traps"  # the bundled demo's trap community (inbound only)


@main.command("check-config")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def check_config(path: Path | None) -> None:
    """Validate the configuration file and the secrets it names; exit 2 on any problem."""
    config = load_or_exit(path)
    for warning in config.warnings:
        click.echo(f"avertissement : {warning}", err=True)
    settings = config.settings
    click.echo(f"{config.path}: OK — {settings.ght.name}, {len(settings.establishments)} établissements")


def _initialise(config: LoadedConfig) -> None:
    from ght_soc.app import create_app
    from ght_soc.database import db
    from ght_soc.services.ghts import sync_from_config

    ensure_sqlite_folder(config.database_url)
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

    config = load_or_exit(config_path)
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

    config = load_or_exit(config_path)
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
    config = load_or_exit(config_path)
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


@main.command()
@config_option
def scheduler(config_path: Path | None) -> None:
    """Run the periodic jobs (retention...) in this process, until stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from ght_soc.app import create_app
    from ght_soc.scheduler import build_scheduler

    app = create_app(load_or_exit(config_path))
    blocking = build_scheduler(app, BlockingScheduler(timezone="UTC"))
    click.echo("ght-soc : planificateur démarré (Ctrl+C pour arrêter)")
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@main.command()
@config_option
def listen(config_path: Path | None) -> None:
    """Receive syslog on the configured ports, store the events, run the detection rules."""
    import logging

    from ght_soc.app import create_app
    from ght_soc.listening import run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_forever(create_app(load_or_exit(config_path)))
