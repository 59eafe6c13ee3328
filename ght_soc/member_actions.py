"""Actions on member establishments' systems (disable a directory account, shut a switch port).

The engine calls `run` only after both gates (config flag and a prior approval) have held. Here the target
is found in the configuration the engine passes as `context.extras["config"]`: the establishment (which must
be one the incident concerns), then its directory, or the SNMP target group that holds the device. The
connector does the change and says what was there before; the engine writes the step on the timeline.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Mapping

from pydantic import BaseModel
from sqlalchemy import func, select

from connectors.ldap.actions import disable_account as ldap_disable_account
from connectors.snmp.actions import PortActionSettings, port_admin_down
from connectors.snmp.settings import Credentials, V2cCredentials
from ght_soc.device_polling import TargetGroupRef, credentials, group_config
from ght_soc.directory_sync import DirectoryRef, connector_settings
from ght_soc.models import Establishment
from ght_soc.models.device import NetworkDevice
from ght_soc.playbooks.actions import DisableAccount, PortAdminDown
from ght_soc.playbooks.engine import ActionContext
from ght_soc.settings import EstablishmentConfig, LoadedConfig

log = logging.getLogger(__name__)


class MemberActionUnavailableError(RuntimeError):
    """The action cannot reach the member's system (no such directory or device in the configuration)."""


class EstablishmentNotConcernedError(PermissionError):
    """The action names an establishment the incident does not concern: a playbook acts only where it runs."""


def run(name: str, arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    """Dispatch to the connector that carries out `name`."""
    handler = HANDLERS.get(name)
    if handler is None:
        raise MemberActionUnavailableError(
            f"{name}: unknown member action; known: {', '.join(sorted(HANDLERS))}"
        )
    config = context.extras.get("config")
    if not isinstance(config, LoadedConfig):
        raise MemberActionUnavailableError(f"{name}: the hub's configuration is not available to this run")
    return handler(arguments, context, config)


def disable_account(
    arguments: BaseModel, context: ActionContext, config: LoadedConfig
) -> Mapping[str, object]:
    """`ldap.disable_account`: the establishment's directory (by name, or its only one) disables the account."""
    assert isinstance(arguments, DisableAccount)
    establishment = _establishment(config, context, arguments.establishment)
    names = [d.name for d in establishment.directories]
    if arguments.directory is not None and arguments.directory not in names:
        raise MemberActionUnavailableError(
            f"{establishment.key}: no directory named {arguments.directory!r} (configured: {', '.join(names) or '-'})"
        )
    if arguments.directory is None and len(names) != 1:
        raise MemberActionUnavailableError(
            f"{establishment.key}: {len(names)} directories configured; name one ({', '.join(names) or '-'})"
        )
    ref = DirectoryRef(establishment.key, arguments.directory or names[0])
    done = ldap_disable_account(connector_settings(config, ref), arguments.account)
    log.info(
        "member action ldap.disable_account: %s %s %s: %r -> %r (already disabled: %s)",
        ref.label,
        done.dn,
        done.attribute,
        done.previous,
        done.current,
        done.already_disabled,
    )
    return {"disabled": True, "dn": done.dn}


def shut_port(arguments: BaseModel, context: ActionContext, config: LoadedConfig) -> Mapping[str, object]:
    """`snmp.port_admin_down`: the device (address, or inventory name) through its SNMP group's write access."""
    assert isinstance(arguments, PortAdminDown)
    establishment = _establishment(config, context, arguments.establishment)
    address, group = _device(context, establishment, arguments.device)
    ref = TargetGroupRef(establishment.key, group)
    item = group_config(config, ref)
    settings = PortActionSettings(
        establishment=establishment.key,
        address=address,
        credentials=_write_credentials(config, ref),
        port=item.port,
        timeout_s=item.timeout_seconds,
        retries=item.retries,
    )
    done = port_admin_down(settings, arguments.interface)
    log.info(
        "member action snmp.port_admin_down: %s %s ifIndex %s (%s): %s -> %s",
        ref.label,
        address,
        done.if_index,
        done.if_name,
        done.previous,
        done.current,
    )
    return {"previous_status": done.previous.value}


HANDLERS: Mapping[str, Callable[[BaseModel, ActionContext, LoadedConfig], Mapping[str, object]]] = {
    "ldap.disable_account": disable_account,
    "snmp.port_admin_down": shut_port,
}


def _establishment(config: LoadedConfig, context: ActionContext, key: str) -> EstablishmentConfig:
    concerned = {link.establishment.key for link in context.incident.establishments}
    if key not in concerned:
        raise EstablishmentNotConcernedError(
            f"{key!r} is not an establishment of incident {context.incident.reference} ({', '.join(sorted(concerned))})"
        )
    found = next((e for e in config.settings.establishments if e.key == key), None)
    if found is None:
        raise MemberActionUnavailableError(f"{key!r} is not in the hub's configuration")
    return found


def _device(context: ActionContext, establishment: EstablishmentConfig, device: str) -> tuple[str, str]:
    """(address, SNMP group name) of a configured host, a management address, or an inventory sysName."""
    for group in establishment.snmp:
        if device in group.hosts:
            return device, group.name
    address = _as_address(device)
    if address is None:
        rows = context.session.scalars(
            select(NetworkDevice)
            .join(Establishment, NetworkDevice.establishment_id == Establishment.id)
            .where(
                Establishment.key == establishment.key, func.lower(NetworkDevice.sys_name) == device.lower()
            )
        ).all()
        address = _as_address(rows[0].address) if len(rows) == 1 else None
        if address is None:
            raise MemberActionUnavailableError(
                f"{establishment.key}: {len(rows)} device(s) named {device!r} in the inventory, one expected"
            )
    for group in establishment.snmp:
        if str(address) in group.hosts or any(address in network for network in group.networks):
            return str(address), group.name
    raise MemberActionUnavailableError(f"{establishment.key}: {address} is in no configured SNMP group")


def _as_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _write_credentials(config: LoadedConfig, ref: TargetGroupRef) -> Credentials:
    """v3: the group's user. v2c: its write community, never the read one (an agent would refuse the SET)."""
    found = credentials(config, ref)
    if not isinstance(found, V2cCredentials):
        return found
    community = config.secrets.snmp_write_communities.get(ref.label)
    if community is None:
        raise MemberActionUnavailableError(
            f"{ref.label}: no write community configured (write_community_env)"
        )
    return V2cCredentials(community)
