"""`member_actions.run` in a real hub: a gated playbook disables an account in a real slapd, the SNMP action
reaches the device through its configured group, and what does not fit the incident or the configuration
is refused before anything is touched."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import ldap
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from ght_soc import member_actions
from ght_soc.access import SYSTEM, Principal, grants_from
from ght_soc.database import db
from ght_soc.demo_directory import AdLikeSlapd
from ght_soc.domain import IncidentCategory, Role, Severity
from ght_soc.models import Incident, PlaybookRun, User
from ght_soc.models.device import NetworkDevice
from ght_soc.models.playbook_run import RunStep, StepStatus
from ght_soc.playbooks import runs
from ght_soc.playbooks.actions import DisableAccount, PortAdminDown
from ght_soc.playbooks.engine import ActionContext, Engine
from ght_soc.playbooks.handlers import builtin_handlers
from ght_soc.playbooks.loader import load_playbook_bytes
from ght_soc.services import incidents
from ght_soc.settings import DirectoryConfig, LoadedConfig, SnmpConfig
from tests.conftest import Establishments
from tests.connectors.ldap.directory import SLAPD_MISSING, SUFFIX
from tests.member_actions.snmpd_netns import Agent

pytestmark = SLAPD_MISSING
AT = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
SITE, OTHER = "chu-tours-demo", "ch-amboise-demo"
USERS = f"OU=Utilisateurs,{SUFFIX}"
CONTAINMENT = """\
id: essai-compte
version: 1
title: Désactiver un compte compromis
start: accord
steps:
  - id: accord
    kind: approval
    title: Désactiver le compte ?
    question: Désactiver ACCOUNT ?
    roles: [on_call_engineer, ght_rssi]
    options:
      - {value: oui, label: Oui, next: couper}
      - {value: non, label: Non, next: fin}
  - id: couper
    kind: action
    title: Désactiver ACCOUNT
    action: ldap.disable_account
    args: {establishment: chu-tours-demo, account: ACCOUNT}
    next: fin
  - id: fin
    kind: end
    title: Fin
"""


def with_directory(
    config: LoadedConfig, uri: str, bind_dn: str, password: str, names: tuple[str, ...] = ("ad",)
) -> LoadedConfig:
    """The example configuration, with directories (all on the test slapd) for the first establishment."""
    directories = tuple(
        DirectoryConfig(
            name=name,
            uri=uri,
            bind_dn=bind_dn,
            password_env="AD_WRITER_PASSWORD",
            base_dns=(SUFFIX,),
            start_tls=False,
            allow_plain_ldap=True,
            timeout_seconds=5,
        )
        for name in names
    )
    return _with(
        config,
        directories=directories,
        secrets={"directory_passwords": {f"{SITE}/{n}": password for n in names}},
    )


def with_switches(config: LoadedConfig, port: int, write_community: str | None) -> LoadedConfig:
    group = SnmpConfig(
        name="switches",
        hosts=("127.0.0.1",),
        port=port,
        version="v2c",
        community_env="SW_READ",
        write_community_env="SW_WRITE" if write_community else None,
        timeout_seconds=1,
        retries=0,
    )
    writes = {f"{SITE}/switches": write_community} if write_community else {}
    secrets = {"snmp_communities": {f"{SITE}/switches": "hopital-ro"}, "snmp_write_communities": writes}
    return _with(config, snmp=(group,), secrets=secrets)


def _with(config: LoadedConfig, secrets: Mapping[str, object], **fields: object) -> LoadedConfig:
    establishments = tuple(
        e.model_copy(update=fields) if e.key == SITE else e for e in config.settings.establishments
    )
    return replace(
        config,
        settings=config.settings.model_copy(update={"establishments": establishments}),
        secrets=replace(config.secrets, **secrets),  # type: ignore[arg-type]
    )


@pytest.fixture()
def incident_id(app: Flask, establishments: Establishments) -> int:
    with db.session_for(SYSTEM, app) as session:
        return incidents.open_incident(
            session=session,
            new=incidents.NewIncident(
                "Compte compromis",
                IncidentCategory.ACCOUNT_COMPROMISE,
                Severity.HIGH,
                (establishments[SITE].id,),
            ),
            actor=SYSTEM,
            now=AT,
        ).id


def user_agent_control(server: AdLikeSlapd, dn: str) -> list[bytes]:
    connection = ldap.initialize(server.ldap_uri)
    connection.simple_bind_s(server.root_dn, server.root_pw)
    ((_, entry),) = connection.search_s(dn, ldap.SCOPE_BASE, attrlist=["userAccountControl"])
    connection.unbind_s()
    return list(entry["userAccountControl"])


def test_an_approved_playbook_disables_the_account_in_the_real_directory(
    app: Flask,
    hub_config: LoadedConfig,
    ad_slapd: AdLikeSlapd,
    incident_id: int,
    make_user: Callable[..., str],
    backend: str,
) -> None:
    # One account per database backend: the directory is started once for the module.
    account, dn = {"sqlite": ("agent5", "Agent 5"), "postgresql": ("agent15", "Agent 15")}[backend]
    config = with_directory(hub_config, ad_slapd.ldap_uri, ad_slapd.root_dn, ad_slapd.root_pw)
    engine = Engine(
        handlers=builtin_handlers(),
        enabled_member_actions=frozenset({"ldap.disable_account"}),
        extras={"config": config},
    )
    people = {}
    for login, role in (("astreinte", Role.ON_CALL_ENGINEER), ("rssi", Role.GHT_RSSI)):
        make_user(login, role)
        with db.session_for(SYSTEM, app) as session:
            user = session.scalars(select(User).where(User.login == login)).one()
            people[login] = Principal(user.display_name, grants_from([(role, None)]), user_id=user.id)
    loaded, problems = load_playbook_bytes(CONTAINMENT.replace("ACCOUNT", account).encode(), "essai.yaml")
    assert loaded is not None, problems
    with db.session_for(people["rssi"], app) as session:
        incident = session.get_one(Incident, incident_id)
        run_id = runs.start(
            engine, session, incident=incident, loaded=loaded, actor=people["rssi"], now=AT
        ).id
    assert user_agent_control(ad_slapd, f"CN={dn},{USERS}") == [b"512"]  # nothing before the approval
    with db.session_for(people["astreinte"], app) as session:
        run = session.get_one(PlaybookRun, run_id)
        runs.answer_approval(
            engine,
            session,
            run=run,
            step_id="accord",
            option="oui",
            actor=people["astreinte"],
            now=AT + timedelta(minutes=2),
        )
    with db.session_for(SYSTEM, app) as session:
        step = next(s for s in session.get_one(PlaybookRun, run_id).steps if s.step_id == "couper")
        assert step.status == StepStatus.DONE, step.error
        assert step.output["disabled"] is True and step.output["dn"].lower() == f"CN={dn},{USERS}".lower()
    assert user_agent_control(ad_slapd, f"CN={dn},{USERS}") == [b"514"]


def _context(session: Session, incident_id: int, extras: dict[str, object]) -> ActionContext:
    incident = session.get_one(Incident, incident_id)
    return ActionContext(session, incident, PlaybookRun(), RunStep(), SYSTEM, AT, extras)


@pytest.mark.parametrize(
    ("arguments", "names", "error"),
    [
        (
            DisableAccount(establishment=OTHER, account="agent6"),
            ("ad",),
            member_actions.EstablishmentNotConcernedError,
        ),
        (
            DisableAccount(establishment=SITE, account="agent6"),
            ("ad", "ad-bis"),
            member_actions.MemberActionUnavailableError,
        ),
        (
            DisableAccount(establishment=SITE, directory="ldap", account="agent6"),
            ("ad",),
            member_actions.MemberActionUnavailableError,
        ),
    ],
    ids=["establishment-not-in-the-incident", "several-directories-none-named", "unknown-directory"],
)
def test_an_action_that_does_not_fit_the_incident_or_the_configuration_touches_nothing(
    app: Flask,
    hub_config: LoadedConfig,
    ad_slapd: AdLikeSlapd,
    incident_id: int,
    arguments: DisableAccount,
    names: tuple[str, ...],
    error: type[Exception],
) -> None:
    config = with_directory(hub_config, ad_slapd.ldap_uri, ad_slapd.root_dn, ad_slapd.root_pw, names)
    with db.session_for(SYSTEM, app) as session:
        with pytest.raises(error):
            member_actions.run(
                "ldap.disable_account", arguments, _context(session, incident_id, {"config": config})
            )
    assert user_agent_control(ad_slapd, f"CN=Agent 6,{USERS}") == [b"512"]


def test_without_the_hub_configuration_the_action_is_unavailable(app: Flask, incident_id: int) -> None:
    with db.session_for(SYSTEM, app) as session:
        with pytest.raises(member_actions.MemberActionUnavailableError):
            member_actions.run(
                "ldap.disable_account",
                DisableAccount(establishment=SITE, account="agent6"),
                _context(session, incident_id, {}),
            )


@pytest.fixture()
def switch_in_inventory(app: Flask, establishments: Establishments) -> Iterator[None]:
    with db.session_for(SYSTEM, app) as session:
        session.add(
            NetworkDevice(
                establishment_id=establishments[SITE].id,
                target="switches",
                address="127.0.0.1",
                sys_name="sw-bloc-op",
                poll_status="ok",
                first_seen_at=AT,
                last_polled_at=AT,
                last_answered_at=AT,
                last_complete_at=AT,
            )
        )
    yield


def test_a_port_of_an_inventory_device_is_shut_with_the_groups_write_community(
    app: Flask, hub_config: LoadedConfig, fresh_agent: Agent, incident_id: int, switch_in_inventory: None
) -> None:
    config = with_switches(hub_config, fresh_agent.port, "hopital-rw")
    arguments = PortAdminDown(establishment=SITE, device="SW-BLOC-OP", interface="ght-port1")
    with db.session_for(SYSTEM, app) as session:
        outputs = member_actions.run(
            "snmp.port_admin_down", arguments, _context(session, incident_id, {"config": config})
        )
    assert outputs == {"previous_status": "up"}
    assert not fresh_agent.is_up("ght-port1")


@pytest.mark.parametrize(
    ("device", "write_community"),
    [("127.0.0.1", None), ("10.9.9.9", "hopital-rw"), ("sw-inconnu", "hopital-rw")],
    ids=["v2c-group-without-write-community", "address-in-no-group", "name-not-in-inventory"],
)
def test_a_device_the_configuration_cannot_write_to_is_unavailable(
    app: Flask,
    hub_config: LoadedConfig,
    agent: Agent,
    incident_id: int,
    device: str,
    write_community: str | None,
) -> None:
    config = with_switches(hub_config, agent.port, write_community)
    arguments = PortAdminDown(establishment=SITE, device=device, interface="ght-port2")
    with db.session_for(SYSTEM, app) as session:
        with pytest.raises(member_actions.MemberActionUnavailableError):
            member_actions.run(
                "snmp.port_admin_down", arguments, _context(session, incident_id, {"config": config})
            )
    assert agent.is_up("ght-port2")
