"""SNMP traps in the hub: the connector's receiver, fed by the configuration, emitting into the log pipeline.

A trap becomes an event like a log line (same store, same attribution rules, same Sigma rules), so a linkDown
is on the events page of its establishment and rules such as config/rules/network_traps.yml raise alerts.
Credentials are those of the establishment's SNMP groups: devices send traps with what they are polled with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from connectors.base import Sink
from connectors.snmp.records import TrapEvent
from connectors.snmp.settings import V2cCredentials, V3Credentials
from connectors.snmp.trap_settings import TrapEstablishment, TrapPort, TrapReceiverSettings, TrapUser
from connectors.syslog.listener import LogEvent
from ght_soc.settings import LoadedConfig

LISTENER = "snmp-traps"


def receiver_settings(config: LoadedConfig) -> TrapReceiverSettings | None:
    """The receiver's settings, or None when no trap port is configured."""
    settings, secrets = config.settings, config.secrets
    if not settings.logs.trap_listeners:
        return None
    establishments = []
    for establishment in settings.establishments:
        networks = [str(n) for n in establishment.trap_senders]
        communities, users = [], []
        for group in establishment.snmp:
            ref = f"{establishment.key}/{group.name}"
            networks += [f"{host}/32" if ":" not in host else f"{host}/128" for host in group.hosts]
            networks += [str(n) for n in group.networks]
            if ref in secrets.snmp_communities:
                communities.append(V2cCredentials(secrets.snmp_communities[ref]))
            if group.v3 is not None and ref in secrets.snmp_v3_keys:
                auth, priv = secrets.snmp_v3_keys[ref]
                users.append(
                    TrapUser(V3Credentials(group.v3.user, auth, priv), engine_ids=group.trap_engine_ids)
                )
        if establishment.key in secrets.trap_communities:
            communities.append(V2cCredentials(secrets.trap_communities[establishment.key]))
        establishments.append(
            TrapEstablishment(
                key=establishment.key,
                networks=tuple(dict.fromkeys(networks)),
                communities=tuple(dict.fromkeys(communities)),
                users=tuple(users),
            )
        )
    return TrapReceiverSettings(
        ports=tuple(TrapPort(name=p.name, port=p.port, host=p.host) for p in settings.logs.trap_listeners),
        establishments=tuple(establishments),
        engine_id=settings.logs.trap_engine_id,
    )


def trap_fields(trap: TrapEvent) -> dict[str, object]:
    """The event a trap becomes: ECS-style names, the varbinds kept as the original."""
    interface = trap.if_name or trap.if_descr or (str(trap.if_index) if trap.if_index is not None else None)
    message = f"SNMP {trap.name} de {trap.sender}" + (f", interface {interface}" if interface else "")
    fields: dict[str, object] = {
        "@timestamp": trap.received_at.isoformat(),
        "event.created": trap.received_at.isoformat(),
        "event.module": "snmp",
        "event.dataset": "snmp.trap",
        "event.kind": "event",
        "event.action": trap.name,
        "event.original": json.dumps(dict(trap.varbinds), ensure_ascii=False),
        "message": message,
        "source.ip": trap.sender,
        "host.ip": trap.sender,
        "snmp.trap_oid": trap.trap_oid,
        "snmp.version": str(trap.version),
        "snmp.inform": trap.inform,
    }
    optional = {
        "observer.vendor": trap.vendor,
        "interface.id": trap.if_index,
        "interface.name": trap.if_name or trap.if_descr,
        "snmp.if_admin_status": str(trap.if_admin_status) if trap.if_admin_status else None,
        "snmp.if_oper_status": str(trap.if_oper_status) if trap.if_oper_status else None,
        "snmp.uptime_ticks": trap.uptime_ticks,
        "event.truncated": True if trap.truncated else None,
        "event.parse_error": "trap mal formé" if trap.malformed else None,
    }
    fields.update({name: value for name, value in optional.items() if value is not None})
    return fields


class TrapSink:
    """Turns trap records into log events and hands them to the log pipeline's sink."""

    def __init__(self, events: Sink[LogEvent]) -> None:
        self._events = events

    def emit(self, record: TrapEvent) -> None:
        self.emit_many([record])

    def emit_many(self, records: Iterable[TrapEvent]) -> None:
        batch = [
            LogEvent(
                establishment=trap.establishment,
                listener=LISTENER,
                sender=trap.sender,
                fields=trap_fields(trap),
            )
            for trap in records
        ]
        if batch:
            self._events.emit_many(batch)
