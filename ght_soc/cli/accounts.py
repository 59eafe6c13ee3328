"""`ght-soc users`: accounts and their roles."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.cli.root import config_option, load_or_exit, main
from ght_soc.domain import PERSON_ROLES, Role


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
    app = create_app(load_or_exit(config_path))
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

    app = create_app(load_or_exit(config_path))
    with db.session_for(SYSTEM, app) as session:
        for user in list_users(session=session):
            grants = ", ".join(
                f"{a.role.value}:{a.establishment.key}" if a.establishment else a.role.value
                for a in user.role_assignments
            )
            state = "" if user.is_active else " (désactivé)"
            click.echo(f"{user.login}\t{user.display_name}{state}\t{grants}")
    db.dispose(app)
