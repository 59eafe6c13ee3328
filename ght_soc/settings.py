"""The hub's configuration: one YAML file, validated into frozen objects, secrets from the environment.

Every problem is reported at once, each naming the file, the line and the key, so that `ght-soc
check-config` and the hub's start-up give the same, complete answer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    EstablishmentCategory,
    IncidentCategory,
    Nis2Class,
    Role,
)
from ght_soc.finess import validate_finess
from ght_soc.settings_checks import Loc, cross_checks, warnings
from ght_soc.settings_secrets import Secrets, read_secrets
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

    def at(loc: Loc, text: str) -> ConfigProblem:
        return ConfigProblem(shown, locate(loc), dotted(loc), text)

    secrets, secret_problems = read_secrets(settings, environ)
    problems = [at(loc, text) for loc, text in [*cross_checks(settings), *secret_problems]]
    if problems:
        raise ConfigError(problems)
    return LoadedConfig(
        settings=settings,
        secrets=secrets,
        path=path,
        database_url=environ.get(ENV_DATABASE_URL) or settings.hub.database_url,
        warnings=tuple(str(at(loc, text)) for loc, text in warnings(settings, secrets)),
    )
