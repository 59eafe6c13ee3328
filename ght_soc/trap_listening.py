"""SNMP traps in the hub: the connector's receiver, fed by the configuration, emitting into the log pipeline.

A trap becomes an event like a log line (same store, same attribution rules, same Sigma rules), so a linkDown
is on the events page of its establishment and rules such as config/rules/network_traps.yml raise alerts.
Credentials are those of the establishment's SNMP groups: devices send traps with what they are polled with.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence

from flask import Flask
from sqlalchemy import select

from connectors.base import Sink
from connectors.snmp.records import TrapEvent
from connectors.snmp.settings import V2cCredentials, V3Credentials
from connectors.snmp.trap_settings import TrapEstablishment, TrapPort, TrapReceiverSettings, TrapUser
from connectors.syslog.listener import LogEvent
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import Establishment
from ght_soc.services.device_traps import HISTORY_KINDS, TrapLine, record_trap_history
from ght_soc.settings import LoadedConfig

LISTENER = "snmp-traps"
log = logging.getLogger(__name__)


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


class TrapHistory:
    """Writes the generic traps of known devices in their history, in one unit of work per batch."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        with db.session_for(SYSTEM, app) as session:
            self._ids = {e.key: e.id for e in session.scalars(select(Establishment))}

    def __call__(self, traps: Sequence[TrapEvent]) -> None:
        lines = [
            TrapLine(
                establishment_id=self._ids[trap.establishment],
                sender=trap.sender,
                name=trap.name,
                interface=trap.if_name or trap.if_descr,
                received_at=trap.received_at,
            )
            for trap in traps
            if trap.establishment in self._ids and trap.name in HISTORY_KINDS
        ]
        if not lines:
            return
        try:
            with db.session_for(SYSTEM, self._app) as session:
                record_trap_history(session=session, lines=lines)
        except Exception:  # the events are stored already; a history line missed must not stop the receiver
            log.exception("historique des équipements : %d trap(s) non inscrit(s)", len(lines))


class TrapSink:
    """Turns trap records into log events and hands them to the log pipeline's sink; then, when given a
    `history`, hands it the records too (the devices' history: services/device_traps.py)."""

    def __init__(
        self, events: Sink[LogEvent], history: Callable[[Sequence[TrapEvent]], object] | None = None
    ) -> None:
        self._events = events
        self._history = history

    def emit(self, record: TrapEvent) -> None:
        self.emit_many([record])

    def emit_many(self, records: Iterable[TrapEvent]) -> None:
        traps = list(records)
        batch = [
            LogEvent(
                establishment=trap.establishment,
                listener=LISTENER,
                sender=trap.sender,
                fields=trap_fields(trap),
            )
            for trap in traps
        ]
        if batch:
            self._events.emit_many(batch)  # first: the events are what must never be lost
            if self._history is not None:
                self._history(traps)
