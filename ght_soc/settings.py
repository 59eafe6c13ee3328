"""The hub's configuration: one YAML file, validated into frozen objects, secrets from the environment.

Every problem is reported at once, each naming the file, the line and the key, so that `ght-soc
check-config` and the hub's start-up give the same, complete answer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ldap.dn
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    ValidationError,
    model_validator,
)

from ght_soc import yaml_loading
from ght_soc.domain import (
    GHT_WIDE_ONLY_ROLES,
    PERSON_ROLES,
    EstablishmentCategory,
    IncidentCategory,
    Nis2Class,
    Role,
)
from ght_soc.finess import check_finess, validate_finess
from ght_soc.yaml_locations import LineFinder, dotted, reason, root_causes

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


# --- login through a directory (ght_soc/services/directory_login.py) ------------------------------------
_GROUP_SID = re.compile(r"^S-1-\d+(-\d+)+$")
DOMAIN_NAME = r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$"


class DirectoryLoginConfig(_Frozen):
    """Hub login by bind against this directory; the person's groups give their hub roles."""

    enabled: bool
    # A group's DN (or, on Active Directory, its SID "S-1-5-21-…-512") → the hub role its members hold:
    # for this establishment; ght_rssi and administrator (the whole GHT) only from the support's directory.
    role_groups: dict[str, Role] = Field(default_factory=dict)
    # `user@domain` and `DOMAIN\\user` logins with one of these go to this directory alone.
    domains: tuple[Annotated[str, Field(pattern=DOMAIN_NAME)], ...] = ()


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
    login: DirectoryLoginConfig | None = None


class LdapHygieneConfig(_Frozen):
    inactive_days: int = Field(default=90, ge=1)
    privileged_password_max_days: int = Field(default=365, ge=1)
    krbtgt_password_max_days: int = Field(default=180, ge=1)


# --- SNMP (network devices) -------------------------------------------------------------------------------
MAX_SNMP_NETWORK_ADDRESSES = 4096  # a /20: a larger range would mostly poll silence every round


class SnmpV3UserConfig(_Frozen):
    """A v3 user in authPriv (SHA, AES-128); its keys are read from the environment."""

    user: str = Field(min_length=1)
    auth_key_env: EnvVarName
    priv_key_env: EnvVarName


class VulnerableFirmwareConfig(_Frozen):
    """A firmware revision known to be vulnerable, for one vendor (as the vendor table names it)."""

    vendor: str = Field(min_length=1)
    revision: str = Field(min_length=1)
    advisory: str = ""


class SnmpConfig(_Frozen):
    """One group of network devices of an establishment, polled with one set of credentials."""

    name: Slug
    hosts: tuple[str, ...] = ()
    networks: tuple[IPvAnyNetwork, ...] = ()
    port: int = Field(default=161, ge=1, le=65535)
    version: Literal["v2c", "v3"] = "v3"
    community_env: EnvVarName | None = None
    # v2c community allowed to SET (playbook action snmp.port_admin_down); v3 SETs use the same `v3` user.
    write_community_env: EnvVarName | None = None
    v3: SnmpV3UserConfig | None = None
    interval_minutes: int = Field(default=5, ge=1)
    timeout_seconds: float = Field(default=2, gt=0)
    retries: int = Field(default=1, ge=0, le=5)
    concurrency: int = Field(default=50, ge=1, le=500)
    critical_interfaces: tuple[str, ...] = ()
    vulnerable_firmware: tuple[VulnerableFirmwareConfig, ...] = ()
    silent_after: int = Field(default=3, ge=2)  # one lost UDP poll never makes a device silent
    probe_default_communities: bool = False
    # snmpEngineIDs (hex) of the group's devices that send v3 traps: a trap's keys are localized with them.
    trap_engine_ids: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> SnmpConfig:
        if not self.hosts and not self.networks:
            raise ValueError("hosts ou networks : au moins une cible attendue")
        if self.version == "v2c" and self.community_env is None:
            raise ValueError("SNMP v2c : community_env est obligatoire")
        if self.version == "v3" and self.v3 is None:
            raise ValueError("SNMP v3 : v3 (user, auth_key_env, priv_key_env) est obligatoire")
        for network in self.networks:
            if network.num_addresses > MAX_SNMP_NETWORK_ADDRESSES:
                raise ValueError(
                    f"plage {network} trop grande (au plus {MAX_SNMP_NETWORK_ADDRESSES} adresses)"
                )
        return self


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
    snmp: tuple[SnmpConfig, ...] = ()
    # Where its devices' traps come from, besides the hosts and networks of its SNMP groups.
    trap_senders: tuple[IPvAnyNetwork, ...] = ()
    # A community its devices' v1/v2c traps may use besides their SNMP groups' (inbound only, never polled
    # with). Unset in the environment: a warning, and those traps are counted as authentication failures.
    trap_community_env: EnvVarName | None = None
    # Cyber insurance cover (Code des assurances L.12-10-1: complaint within 72 h). Unknown counts as
    # insured: a complaint filed for nothing costs less than a lost indemnity.
    cyber_insured: bool = True


class GhtConfig(_Frozen):
    code: Slug
    name: str = Field(min_length=1)


class SmtpConfig(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = "ght-soc@localhost"
    starttls: bool = False
    ssl: bool = False  # implicit TLS from the first byte (SMTPS, usually port 465); starttls upgrades plain
    ca_file: str | None = None  # the relay's private CA; the system's CAs otherwise
    timeout_seconds: float = Field(default=30, gt=0)
    username: str | None = None
    password_env: EnvVarName | None = None

    @model_validator(mode="after")
    def _one_tls_mode(self) -> SmtpConfig:
        if self.starttls and self.ssl:
            raise ValueError("starttls et ssl s'excluent : choisissez l'un des deux")
        return self


class WebhookConfig(_Frozen):
    """Outgoing webhooks: every request is signed with HMAC-SHA256 under the secret named here."""

    secret_env: EnvVarName | None = None  # unset: webhooks stay queued, unsent
    timeout_seconds: float = Field(default=10, gt=0)
    # Named endpoints the playbooks' notify.webhook action may call (a playbook names, never embeds, a URL).
    endpoints: dict[str, str] = Field(default_factory=dict)


class LoginThrottleConfig(_Frozen):
    max_failures: int = Field(default=5, ge=1)
    window_minutes: int = Field(default=15, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)


class HubConfig(_Frozen):
    database_url: str = "sqlite:///instance/ght-soc.db"
    secret_key_env: EnvVarName = "GHT_SOC_SECRET_KEY"
    display_timezone: TimeZoneName = "Europe/Paris"
    # The address people reach the hub at: links in mails (an escalation opens the step on the phone).
    public_url: str = Field(default="https://127.0.0.1:5000", pattern=r"^https?://")
    default_locale: str = Field(default="fr", pattern=r"^(fr|en)$")
    secure_cookies: bool = True
    session_lifetime_minutes: int = Field(default=480, ge=5)
    login_throttle: LoginThrottleConfig = LoginThrottleConfig()
    # Security hardening (ght_soc/services/second_factor.py, ght_soc/web/security.py `requires_recent_auth`):
    # GHT-wide accounts set up a TOTP authenticator at their first login; approvals and declarations ask
    # for the password (and code) again when the last one is older than `reauth_minutes`.
    totp_required_for_ght_wide_roles: bool = True
    reauth_minutes: int = Field(default=10, ge=1, le=480)
    smtp: SmtpConfig = SmtpConfig()
    webhooks: WebhookConfig = WebhookConfig()


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


class TrapListenerConfig(_Frozen):
    """A UDP port receiving SNMP traps and informs (162 needs root or CAP_NET_BIND_SERVICE)."""

    name: Slug
    port: int = Field(default=162, ge=0, le=65535)  # 0: any free port (the tests use it)
    host: str = "127.0.0.1"


class LogsConfig(_Frozen):
    store: EventStoreConfig = EventStoreConfig()
    retention_days: int = Field(default=180, ge=1, le=3650)
    listeners: tuple[ListenerConfig, ...] = ()
    # SNMP traps land in the same event store, attributed like the logs; credentials are the SNMP groups'.
    trap_listeners: tuple[TrapListenerConfig, ...] = ()
    trap_engine_id: str | None = None  # fixed hex snmpEngineID of the receiver (v3 informs); random if unset
    bundled_rules: bool = True  # the rules shipped in config/rules
    rules: tuple[str, ...] = ()  # more folders of Sigma rules (SigmaHQ's format, unchanged)
    senders_timezone: TimeZoneName = "Europe/Paris"  # for RFC 3164 times, which carry no zone


class AutoOpenConfig(_Frozen):
    """Alerts of these rules open an incident by themselves, and may start a playbook on it."""

    rules: tuple[str, ...] = Field(min_length=1)  # Sigma rule ids (or names)
    category: IncidentCategory = IncidentCategory.OTHER
    playbook: str | None = None  # a playbook id; its latest published version starts
    # The playbook's inputs, from the alert: "$establishment", "$title", "$indicator:host.name", or a literal.
    inputs: dict[str, str] = Field(default_factory=dict)


class IncidentsConfig(_Frozen):
    """Where evidence files go, how big they may be, and which actions on member systems are allowed."""

    evidence_dir: str = "instance/evidence"
    evidence_max_mb: int = Field(default=200, ge=1, le=10_000)
    # Playbook actions that change a member's systems (disable an AD account, shut a switch port) run only
    # when named here, and then only after an approval step (STYLE.md rule 8).
    enabled_member_actions: tuple[str, ...] = ()
    auto_open: tuple[AutoOpenConfig, ...] = ()


# --- national declarations (ght_soc/declarations, ght_soc/services/declarations.py) ----------------------
class DeclarationsConfig(_Frozen):
    """Where the regime files are, which regimes are switched on or off, and how reminders are sent."""

    regimes_dir: str | None = None  # default: the shipped config/regimes
    # Regime id → enabled, over the files' own `enabled` (e.g. `nis2: true` once the French law applies).
    switches: dict[str, bool] = Field(default_factory=dict)
    # Default reminders for stages whose regime file sets none: "50%" of the time allowed, or "2h" before.
    reminders: tuple[str, ...] = ("50%", "2h", "30min")
    overdue_repeat_hours: int = Field(default=24, ge=0)  # 0: one overdue notice only


class Settings(_Frozen):
    """The whole configuration file."""

    ght: GhtConfig
    hub: HubConfig = HubConfig()
    logs: LogsConfig = LogsConfig()
    ldap_hygiene: LdapHygieneConfig = LdapHygieneConfig()
    incidents: IncidentsConfig = IncidentsConfig()
    declarations: DeclarationsConfig = DeclarationsConfig()
    establishments: tuple[EstablishmentConfig, ...] = Field(min_length=1)

    def establishment(self, key: str) -> EstablishmentConfig:
        return next(e for e in self.establishments if e.key == key)


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
        raw = yaml_loading.safe_load(text)
        tree = yaml_loading.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([ConfigProblem(shown, line, "-", f"YAML invalide : {error}")]) from None
    if not isinstance(raw, dict):
        raise ConfigError(
            [ConfigProblem(shown, 1, "-", "un dictionnaire YAML est attendu au premier niveau")]
        )

    locate = LineFinder(tree)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        problems = [
            ConfigProblem(shown, locate(item["loc"]), dotted(item["loc"]), reason(item))
            for item in root_causes(error.errors())
        ]
        raise ConfigError(problems) from None

    problems = [
        ConfigProblem(shown, locate(loc), dotted(loc), reason) for loc, reason in _cross_checks(settings)
    ]
    secrets, secret_problems = _read_secrets(settings, environ)
    problems += [ConfigProblem(shown, locate(loc), dotted(loc), reason) for loc, reason in secret_problems]
    if problems:
        raise ConfigError(problems)
    return LoadedConfig(
        settings=settings,
        secrets=secrets,
        path=path,
        database_url=environ.get(ENV_DATABASE_URL) or settings.hub.database_url,
        warnings=tuple(_warnings(settings, shown, locate) + _trap_warnings(settings, secrets, shown, locate)),
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
        seen_finess.setdefault(number, dotted(loc))
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
    for index, establishment in enumerate(settings.establishments):
        names = [d.name for d in establishment.directories] + [s.name for s in establishment.snmp]
        for position, item in enumerate(establishment.snmp):
            if names.count(item.name) > 1:  # `connectors run KEY/NAME` must name one connector
                found.append(
                    (("establishments", index, "snmp", position, "name"), f"nom en double : {item.name!r}")
                )
    found += _directory_login_checks(settings)
    if settings.logs.store.backend == "elasticsearch" and not settings.logs.store.url:
        found.append((("logs", "store", "url"), "l'adresse du serveur Elasticsearch est obligatoire"))
    supports = [i for i, e in enumerate(settings.establishments) if e.support]
    if len(supports) != 1:
        found.append(
            (("establishments",), f"un et un seul établissement support attendu, {len(supports)} trouvé(s)")
        )
    return found


def _directory_login_checks(settings: Settings) -> list[tuple[Loc, str]]:
    """`login:` sections: group keys that are DNs or SIDs, roles a person may hold from that directory."""
    found: list[tuple[Loc, str]] = []
    domains: dict[str, str] = {}
    for index, establishment in enumerate(settings.establishments):
        for position, item in enumerate(establishment.directories):
            if item.login is None:
                continue
            here: Loc = ("establishments", index, "directories", position, "login")
            if item.login.enabled and not item.login.role_groups:
                found.append(((*here, "role_groups"), "aucun groupe ne donne de rôle : personne n'entrerait"))
            for group, role in item.login.role_groups.items():
                reason = _login_group_problem(group, role, item.profile, establishment.support)
                if reason is not None:
                    found.append(((*here, "role_groups", group), reason))
            for domain in item.login.domains:
                label = f"{establishment.key}/{item.name}"
                other = domains.setdefault(domain.lower(), label)
                if other != label:
                    found.append(
                        ((*here, "domains"), f"domaine {domain!r} déjà rattaché à l'annuaire {other}")
                    )
    return found


def _login_group_problem(group: str, role: Role, profile: str, support: bool) -> str | None:
    if _GROUP_SID.match(group):
        if profile != "active_directory":
            return "un SID de groupe n'existe que dans Active Directory : donnez le DN du groupe"
    elif not group.strip() or not ldap.dn.is_dn(group):
        return f"DN de groupe ou SID (S-1-5-21-…) attendu, reçu {group!r}"
    if role not in PERSON_ROLES:
        return f"le rôle {role} est réservé aux jetons machine"
    if role in GHT_WIDE_ONLY_ROLES and not support:
        return f"le rôle {role} couvre tout le GHT : seul l'annuaire de l'établissement support le donne"
    return None


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
    snmp_communities, snmp_v3_keys = _snmp_secrets(settings, named, missing)
    secrets = Secrets(
        secret_key=secret_key,
        smtp_password=named(("hub", "smtp", "password_env"), settings.hub.smtp.password_env),
        webhook_secret=named(("hub", "webhooks", "secret_env"), settings.hub.webhooks.secret_env),
        es_api_key=named(("logs", "store", "api_key_env"), settings.logs.store.api_key_env),
        directory_passwords=directory_passwords,
        snmp_communities=snmp_communities,
        snmp_v3_keys=snmp_v3_keys,
        snmp_write_communities=_snmp_write_communities(settings, named),
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


def _snmp_write_communities(
    settings: Settings, named: Callable[[Loc, str | None], str | None]
) -> dict[str, str]:
    """The v2c write communities of the groups that name one (only for playbook SETs; most have none)."""
    found: dict[str, str] = {}
    for index, establishment in enumerate(settings.establishments):
        for position, item in enumerate(establishment.snmp):
            loc: Loc = ("establishments", index, "snmp", position, "write_community_env")
            community = named(loc, item.write_community_env)
            if community:
                found[f"{establishment.key}/{item.name}"] = community
    return found


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


def _warnings(settings: Settings, shown: str, locate: LineFinder) -> list[str]:
    found = []
    for loc, number in _finess_numbers(settings):
        warning = check_finess(number).warning
        if warning:
            found.append(str(ConfigProblem(shown, locate(loc), dotted(loc), warning)))
    return found


def _trap_warnings(settings: Settings, secrets: Secrets, shown: str, locate: LineFinder) -> list[str]:
    """A trap community named but not set refuses those traps; the hub still starts (traps are optional)."""
    return [
        str(
            ConfigProblem(
                shown,
                locate(("establishments", index, "trap_community_env")),
                dotted(("establishments", index, "trap_community_env")),
                f"{e.trap_community_env} n'est pas définie : les traps v1/v2c de cette communauté seront refusés",
            )
        )
        for index, e in enumerate(settings.establishments)
        if e.trap_community_env and e.key not in secrets.trap_communities
    ]
