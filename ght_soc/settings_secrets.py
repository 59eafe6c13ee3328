"""The configuration's secrets: read from the environment variables the file names, never from the file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ght_soc.settings_checks import Loc

if TYPE_CHECKING:
    from ght_soc.settings import Settings


@dataclass(frozen=True)
class Secrets:
    """Values read from the environment; never printed (repr hides them)."""

    secret_key: str = field(repr=False)
    smtp_password: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    es_api_key: str | None = field(default=None, repr=False)
    directory_passwords: dict[str, str] = field(default_factory=dict, repr=False)  # "key/name" → password
    snmp_communities: dict[str, str] = field(default_factory=dict, repr=False)  # "key/name" → community
    snmp_v3_keys: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)  # → (auth, priv)
    snmp_write_communities: dict[str, str] = field(default_factory=dict, repr=False)  # "key/name" → community
    trap_communities: dict[str, str] = field(
        default_factory=dict, repr=False
    )  # establishment key → community


def read_secrets(settings: Settings, environ: Mapping[str, str]) -> tuple[Secrets, list[tuple[Loc, str]]]:
    missing: list[tuple[Loc, str]] = []

    def named(loc: Loc, variable: str | None) -> str | None:
        if variable is None:
            return None
        value = environ.get(variable)
        if not value:
            missing.append((loc, f"la variable d'environnement {variable} n'est pas définie"))
        return value

    secret_key = environ.get(settings.hub.secret_key_env, "")
    if len(secret_key) < 16:
        variable = settings.hub.secret_key_env
        missing.append(
            (
                ("hub", "secret_key_env"),
                f"la variable d'environnement {variable} doit contenir au moins 16 caractères",
            )
        )
    snmp_communities, snmp_v3_keys = _snmp_secrets(settings, named, missing)
    secrets = Secrets(
        secret_key=secret_key,
        smtp_password=named(("hub", "smtp", "password_env"), settings.hub.smtp.password_env),
        webhook_secret=named(("hub", "webhooks", "secret_env"), settings.hub.webhooks.secret_env),
        es_api_key=named(("logs", "store", "api_key_env"), settings.logs.store.api_key_env),
        directory_passwords=_per_connector(settings, "directories", "password_env", named),
        snmp_communities=snmp_communities,
        snmp_v3_keys=snmp_v3_keys,
        # v2c write communities, only for playbook SETs: most groups name none
        snmp_write_communities=_per_connector(settings, "snmp", "write_community_env", named),
        trap_communities={
            e.key: environ[e.trap_community_env]
            for e in settings.establishments
            if e.trap_community_env and environ.get(e.trap_community_env)
        },
    )
    return secrets, missing


def _snmp_secrets(
    settings: Settings,
    named: Callable[[Loc, str | None], str | None],
    missing: list[tuple[Loc, str]],
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Communities and v3 keys of every SNMP group; v3 keys shorter than 8 characters are refused here."""
    communities: dict[str, str] = {}
    v3_keys: dict[str, tuple[str, str]] = {}
    for index, establishment in enumerate(settings.establishments):
        for position, item in enumerate(establishment.snmp):
            loc: Loc = ("establishments", index, "snmp", position)
            label = f"{establishment.key}/{item.name}"
            if item.version == "v2c":
                community = named((*loc, "community_env"), item.community_env)
                if community:
                    communities[label] = community
            elif item.v3 is not None:
                keys = [
                    (named((*loc, "v3", name), variable), name, variable)
                    for name, variable in (
                        ("auth_key_env", item.v3.auth_key_env),
                        ("priv_key_env", item.v3.priv_key_env),
                    )
                ]
                for value, name, variable in keys:
                    if value and len(value) < 8:
                        missing.append(((*loc, "v3", name), f"{variable} : au moins 8 caractères attendus"))
                if all(value and len(value) >= 8 for value, _, _ in keys):
                    v3_keys[label] = (str(keys[0][0]), str(keys[1][0]))
    return communities, v3_keys


def _per_connector(
    settings: Settings,
    section: Literal["directories", "snmp"],
    variable_key: str,
    named: Callable[[Loc, str | None], str | None],
) -> dict[str, str]:
    """The secret each connector of `section` names under `variable_key`, by "establishment key/name"."""
    found: dict[str, str] = {}
    for index, establishment in enumerate(settings.establishments):
        for position, item in enumerate(getattr(establishment, section)):
            value = named(
                ("establishments", index, section, position, variable_key), getattr(item, variable_key)
            )
            if value:
                found[f"{establishment.key}/{item.name}"] = value
    return found
