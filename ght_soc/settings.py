"""The hub's configuration: one YAML file, validated into frozen objects, secrets from the environment.

Every problem is reported at once, each naming the file, the line and the key, so that `ght-soc
check-config` and the hub's start-up give the same, complete answer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, IPvAnyNetwork, ValidationError

from ght_soc.domain import EstablishmentCategory, Nis2Class
from ght_soc.finess import check_finess, validate_finess

ENV_CONFIG_PATH = "GHT_SOC_CONFIG"
ENV_DATABASE_URL = "GHT_SOC_DATABASE_URL"
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"fuseau horaire inconnu : {name!r}") from error
    return name


def _env_name(name: str) -> str:
    if not _ENV_NAME.match(name):
        raise ValueError(f"nom de variable d'environnement attendu (MAJUSCULES_ET_SOULIGNÉS), reçu {name!r}")
    return name


Finess = Annotated[str, AfterValidator(validate_finess)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
EnvVarName = Annotated[str, AfterValidator(_env_name)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteConfig(_Frozen):
    finess_et: Finess
    name: str = Field(min_length=1)
    city: str | None = None


class DirectoryConfig(_Frozen):
    """One directory (Active Directory or OpenLDAP) of an establishment."""

    name: Slug
    uri: str = Field(pattern=r"^ldaps?://")
    bind_dn: str = Field(min_length=1)
    password_env: EnvVarName
    base_dns: tuple[str, ...] = Field(min_length=1)
    profile: Literal["active_directory", "openldap"] = "active_directory"
    start_tls: bool = True
    ca_file: str | None = None
    allow_plain_ldap: bool = False
    page_size: int = Field(default=500, ge=1, le=5000)
    timeout_seconds: float = Field(default=30, gt=0)
    interval_minutes: int = Field(default=60, ge=5)


class LdapHygieneConfig(_Frozen):
    inactive_days: int = Field(default=90, ge=1)
    privileged_password_max_days: int = Field(default=365, ge=1)
    krbtgt_password_max_days: int = Field(default=180, ge=1)


class EstablishmentConfig(_Frozen):
    key: Slug
    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1, max_length=40)
    finess_ej: Finess
    category: EstablishmentCategory
    sites: tuple[SiteConfig, ...] = Field(min_length=1)
    support: bool = False
    ose: bool = False
    oiv: bool = False
    nis2: Nis2Class = Nis2Class.NONE
    region: str = "Centre-Val de Loire"
    timezone: TimeZoneName = "Europe/Paris"
    # Log attribution: the addresses its senders use, and the subjects (CN) of their TLS client certificates.
    log_senders: tuple[IPvAnyNetwork, ...] = ()
    log_tls_subjects: tuple[str, ...] = ()
    retention_days: int | None = Field(default=None, ge=1, le=3650)  # default: logs.retention_days
    directories: tuple[DirectoryConfig, ...] = ()


class GhtConfig(_Frozen):
    code: Slug
    name: str = Field(min_length=1)


class SmtpConfig(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = "ght-soc@localhost"
    starttls: bool = False
    username: str | None = None
    password_env: EnvVarName | None = None


class LoginThrottleConfig(_Frozen):
    max_failures: int = Field(default=5, ge=1)
    window_minutes: int = Field(default=15, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)


class HubConfig(_Frozen):
    database_url: str = "sqlite:///instance/ght-soc.db"
    secret_key_env: EnvVarName = "GHT_SOC_SECRET_KEY"
    display_timezone: TimeZoneName = "Europe/Paris"
    default_locale: str = Field(default="fr", pattern=r"^(fr|en)$")
    secure_cookies: bool = True
    session_lifetime_minutes: int = Field(default=480, ge=5)
    login_throttle: LoginThrottleConfig = LoginThrottleConfig()
    smtp: SmtpConfig = SmtpConfig()


class EventStoreConfig(_Frozen):
    backend: Literal["sqlite", "elasticsearch"] = "sqlite"
    path: str = "instance/events.db"  # sqlite
    url: str | None = None  # elasticsearch
    api_key_env: EnvVarName | None = None
    ca_file: str | None = None
    index_prefix: Slug = "ght-soc-events"


class ListenerConfig(_Frozen):
    name: Slug
    protocol: Literal["udp", "tcp", "tls"]
    port: int = Field(ge=0, le=65535)  # 0: any free port (the tests use it)
    host: str = "127.0.0.1"
    establishment: Slug | None = None  # every event of this port belongs to it
    certificate: str | None = None  # tls
    key: str | None = None
    client_ca: str | None = None  # tls: ask for client certificates signed by this CA


class LogsConfig(_Frozen):
    store: EventStoreConfig = EventStoreConfig()
    retention_days: int = Field(default=180, ge=1, le=3650)
    listeners: tuple[ListenerConfig, ...] = ()
    bundled_rules: bool = True  # the rules shipped in config/rules
    rules: tuple[str, ...] = ()  # more folders of Sigma rules (SigmaHQ's format, unchanged)
    senders_timezone: TimeZoneName = "Europe/Paris"  # for RFC 3164 times, which carry no zone


class Settings(_Frozen):
    """The whole configuration file."""

    ght: GhtConfig
    hub: HubConfig = HubConfig()
    logs: LogsConfig = LogsConfig()
    ldap_hygiene: LdapHygieneConfig = LdapHygieneConfig()
    establishments: tuple[EstablishmentConfig, ...] = Field(min_length=1)

    def establishment(self, key: str) -> EstablishmentConfig:
        return next(e for e in self.establishments if e.key == key)


@dataclass(frozen=True)
class Secrets:
    """Values read from the environment; never printed (repr hides them)."""

    secret_key: str = field(repr=False)
    smtp_password: str | None = field(default=None, repr=False)
    es_api_key: str | None = field(default=None, repr=False)
    directory_passwords: dict[str, str] = field(default_factory=dict, repr=False)  # "key/name" → password


@dataclass(frozen=True)
class LoadedConfig:
    """Settings, their secrets, where they came from, and the warnings worth showing."""

    settings: Settings
    secrets: Secrets
    path: Path
    database_url: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    line: int | None
    key: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.reason}"


class ConfigError(Exception):
    """The configuration cannot be used; `problems` lists every reason."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read, validate and complete the configuration at `path`; raise :class:`ConfigError` on any problem."""
    environ = os.environ if environ is None else environ
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            [ConfigProblem(shown, None, "-", f"lecture impossible : {error.strerror}")]
        ) from None
    try:
        raw = yaml.safe_load(text)
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([ConfigProblem(shown, line, "-", f"YAML invalide : {error}")]) from None
    if not isinstance(raw, dict):
        raise ConfigError(
            [ConfigProblem(shown, 1, "-", "un dictionnaire YAML est attendu au premier niveau")]
        )

    locate = _LineFinder(tree)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        problems = [
            ConfigProblem(shown, locate(item["loc"]), _dotted(item["loc"]), _reason(item))
            for item in _root_causes(error.errors())
        ]
        raise ConfigError(problems) from None

    problems = [
        ConfigProblem(shown, locate(loc), _dotted(loc), reason) for loc, reason in _cross_checks(settings)
    ]
    secrets, secret_problems = _read_secrets(settings, environ)
    problems += [ConfigProblem(shown, locate(loc), _dotted(loc), reason) for loc, reason in secret_problems]
    if problems:
        raise ConfigError(problems)
    return LoadedConfig(
        settings=settings,
        secrets=secrets,
        path=path,
        database_url=environ.get(ENV_DATABASE_URL) or settings.hub.database_url,
        warnings=tuple(_warnings(settings, shown, locate)),
    )


Loc = tuple[str | int, ...]


def _cross_checks(settings: Settings) -> list[tuple[Loc, str]]:
    """Rules that span several entries: unique keys and FINESS numbers, one support establishment."""
    found: list[tuple[Loc, str]] = []
    seen_keys: dict[str, int] = {}
    seen_finess: dict[str, str] = {}
    for index, establishment in enumerate(settings.establishments):
        if establishment.key in seen_keys:
            found.append((("establishments", index, "key"), f"clé en double : {establishment.key!r}"))
        seen_keys.setdefault(establishment.key, index)
    for loc, number in _finess_numbers(settings):
        if number in seen_finess:
            found.append((loc, f"FINESS en double : {number} déjà utilisé par {seen_finess[number]}"))
        seen_finess.setdefault(number, _dotted(loc))
    keys = {e.key for e in settings.establishments}
    seen_ports: set[tuple[str, int]] = set()
    for index, listener in enumerate(settings.logs.listeners):
        here: Loc = ("logs", "listeners", index)
        if listener.establishment is not None and listener.establishment not in keys:
            found.append(((*here, "establishment"), f"établissement inconnu : {listener.establishment!r}"))
        if listener.protocol == "tls" and not (listener.certificate and listener.key):
            found.append((here, "un écouteur TLS demande certificate et key"))
        transport = "udp" if listener.protocol == "udp" else "tcp"
        if listener.port and (transport, listener.port) in seen_ports:
            found.append(((*here, "port"), f"port {transport} {listener.port} déjà utilisé"))
        seen_ports.add((transport, listener.port))
    if settings.logs.store.backend == "elasticsearch" and not settings.logs.store.url:
        found.append((("logs", "store", "url"), "l'adresse du serveur Elasticsearch est obligatoire"))
    supports = [i for i, e in enumerate(settings.establishments) if e.support]
    if len(supports) != 1:
        found.append(
            (("establishments",), f"un et un seul établissement support attendu, {len(supports)} trouvé(s)")
        )
    return found


def _read_secrets(settings: Settings, environ: Mapping[str, str]) -> tuple[Secrets, list[tuple[Loc, str]]]:
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
    directory_passwords = {}
    for index, establishment in enumerate(settings.establishments):
        for position, item in enumerate(establishment.directories):
            loc: Loc = ("establishments", index, "directories", position, "password_env")
            password = named(loc, item.password_env)
            if password:
                directory_passwords[f"{establishment.key}/{item.name}"] = password
    secrets = Secrets(
        secret_key=secret_key,
        smtp_password=named(("hub", "smtp", "password_env"), settings.hub.smtp.password_env),
        es_api_key=named(("logs", "store", "api_key_env"), settings.logs.store.api_key_env),
        directory_passwords=directory_passwords,
    )
    return secrets, missing


def _finess_numbers(settings: Settings) -> list[tuple[Loc, str]]:
    """Every FINESS of the file (EJ, then the sites' ET) with where it stands."""
    numbered: list[tuple[Loc, str]] = []
    for index, establishment in enumerate(settings.establishments):
        numbered.append((("establishments", index, "finess_ej"), establishment.finess_ej))
        numbered += [
            (("establishments", index, "sites", site_index, "finess_et"), site.finess_et)
            for site_index, site in enumerate(establishment.sites)
        ]
    return numbered


def _warnings(settings: Settings, shown: str, locate: _LineFinder) -> list[str]:
    found = []
    for loc, number in _finess_numbers(settings):
        warning = check_finess(number).warning
        if warning:
            found.append(str(ConfigProblem(shown, locate(loc), _dotted(loc), warning)))
    return found


def _root_causes(errors: list[Any]) -> list[Any]:
    """Drop the "too short" error pydantic adds to a list whose items failed: the items' errors say it."""
    return [
        item
        for item in errors
        if item["type"] != "too_short"
        or not any(o is not item and o["loc"][: len(item["loc"])] == item["loc"] for o in errors)
    ]


def _dotted(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "-"


def _reason(item: Any) -> str:
    if item["type"] == "extra_forbidden":
        return "clé inconnue"
    if item["type"] == "missing":
        return "clé obligatoire absente"
    message = str(item["msg"])
    return message.removeprefix("Value error, ")


class _LineFinder:
    """Finds the line of a pydantic location in the composed YAML tree (the deepest node that exists)."""

    def __init__(self, root: yaml.Node | None) -> None:
        self._root = root

    def __call__(self, loc: Sequence[str | int]) -> int | None:
        node = self._root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == part:
                        line, child = key.start_mark.line + 1, value
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line
