"""What each declared action does in this hub: the handlers the engine runs.

Handlers get the validated arguments and an `ActionContext`; they change things through the same services as
the pages (so every change is on the timeline) and return the step's outputs. Actions on members' systems go
through the connectors (ght_soc/member_actions.py) and are gated twice by the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.domain import IncidentStatus, Role, Severity, TimelineKind
from ght_soc.models import RoleAssignment, User
from ght_soc.models.oncall import EscalationLevel as ChainLevel
from ght_soc.playbooks import actions as declared
from ght_soc.playbooks.actions import HandlerRegistry
from ght_soc.playbooks.definition import EscalationLevel
from ght_soc.playbooks.engine import ActionContext
from ght_soc.services import incidents, notifications, oncall, tasks, timeline

LEVELS = {
    EscalationLevel.ON_CALL: ChainLevel.ON_CALL_ENGINEER,
    EscalationLevel.ADMIN_ON_DUTY: ChainLevel.ADMINISTRATOR_ON_DUTY,
    EscalationLevel.RSSI: ChainLevel.RSSI,
    EscalationLevel.DIRECTION: ChainLevel.DIRECTION,
}


def _key(context: ActionContext) -> str:
    """One idempotency key per step attempt: a resumed run never sends the same mail twice."""
    return f"run:{context.run.id}:{context.step.step_id}:{context.step.attempts}"


def recipients(context: ActionContext, targets: tuple[str, ...]) -> list[str]:
    """Addresses for roles (in the incident's establishments or GHT-wide), chain levels, or plain addresses."""
    found: list[str] = []
    establishments = [link.establishment_id for link in context.incident.establishments]
    chain = None
    for target in targets:
        if "@" in target:
            found.append(target)
        elif target in set(EscalationLevel):
            chain = chain or oncall.escalation_chain(context.session, at=context.now)
            found += [p.email for p in chain if p.level == LEVELS[EscalationLevel(target)] and p.email]
        elif target in set(Role):
            users = context.session.scalars(
                select(User)
                .join(RoleAssignment, RoleAssignment.user_id == User.id)
                .where(
                    RoleAssignment.role == Role(target),
                    RoleAssignment.establishment_id.is_(None)
                    | RoleAssignment.establishment_id.in_(establishments),
                )
            )
            found += [u.email for u in users if u.email and u.is_active]
        else:
            raise ValueError(f"unknown recipient {target!r}: a role, a chain level or an address")
    return list(dict.fromkeys(found))


def notify_mail(arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    assert isinstance(arguments, declared.NotifyMail)
    to = recipients(context, arguments.to)
    if not to:
        raise ValueError("nobody to mail: no address for these recipients")
    notifications.enqueue_mail(
        context.session,
        to=to,
        subject=f"[{context.incident.reference}] {arguments.subject}",
        body_text=arguments.body,
        idempotency_key=_key(context),
        now=context.now,
    )
    timeline.record(
        session=context.session,
        incident=context.incident,
        kind=TimelineKind.NOTIFICATION,
        actor=None,
        now=context.now,
        text=f"Courriel « {arguments.subject} » → {', '.join(to)}",
        data={"run": context.run.id},
    )
    return {"sent": len(to)}


def notify_webhook(arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    assert isinstance(arguments, declared.NotifyWebhook)
    endpoints: Mapping[str, str] = context.extras.get("webhook_endpoints", {})
    url = endpoints.get(arguments.webhook)
    if url is None:
        raise ValueError(f"no webhook named {arguments.webhook!r} in hub.webhooks.endpoints")
    payload = {
        "incident": context.incident.reference,
        "title": context.incident.title,
        "severity": context.incident.severity.value,
        "message": arguments.message,
        **arguments.payload,
    }
    notifications.enqueue_webhook(
        context.session, url=url, payload=payload, idempotency_key=_key(context), now=context.now
    )
    return {"status": 202}  # queued; the outbox delivers and retries


def set_severity(arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    assert isinstance(arguments, declared.SetSeverity)
    incidents.set_severity(
        session=context.session,
        incident=context.incident,
        severity=Severity(arguments.severity),
        actor=context.actor,
        now=context.now,
    )
    return {}


def set_status(arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    assert isinstance(arguments, declared.SetStatus)
    target = IncidentStatus(arguments.status)
    if context.incident.status != target:
        incidents.change_status(
            session=context.session,
            incident=context.incident,
            to=target,
            actor=context.actor,
            now=context.now,
            reason=arguments.reason or "",
        )
    return {}


def add_task(arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    assert isinstance(arguments, declared.AddTask)
    due = context.now + arguments.due_in if isinstance(arguments.due_in, timedelta) else None
    task = tasks.add_task(
        session=context.session,
        incident=context.incident,
        title=arguments.title,
        actor=context.actor,
        now=context.now,
        due_at=due,
    )
    return {"task_id": str(task.id)}


def add_note(arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    assert isinstance(arguments, declared.AddNote)
    timeline.record(
        session=context.session,
        incident=context.incident,
        kind=TimelineKind.NOTE,
        text=arguments.text,
        actor=context.actor,
        now=context.now,
        data={"run": context.run.id},
    )
    return {}


def open_declaration_draft(arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    """Record that a declaration is to be prepared; the declarations module turns it into a draft."""
    assert isinstance(arguments, declared.OpenDeclarationDraft)
    opener = context.extras.get("open_declaration_draft")
    if callable(opener):
        draft_id = opener(context, arguments)
    else:
        task = tasks.add_task(
            session=context.session,
            incident=context.incident,
            actor=context.actor,
            now=context.now,
            title=f"Préparer la déclaration {arguments.regime}",
        )
        draft_id = f"task:{task.id}"
    timeline.record(
        session=context.session,
        incident=context.incident,
        kind=TimelineKind.DECLARATION,
        actor=context.actor,
        now=context.now,
        text=f"Brouillon de déclaration ouvert : {arguments.regime}",
        data={"run": context.run.id, "regime": str(arguments.regime), "draft": str(draft_id)},
    )
    return {"draft_id": str(draft_id)}


def search_events(arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    from ght_soc.events.store import EventQuery

    assert isinstance(arguments, declared.SearchEvents)
    store = context.extras.get("event_store")
    if store is None:
        raise RuntimeError("no event store available to this run")
    ids = frozenset(
        link.establishment_id
        for link in context.incident.establishments
        if arguments.establishment in (None, link.establishment.key)
    )
    query = EventQuery(
        establishment_ids=ids,
        start=context.now - arguments.since if arguments.since else None,
        text=arguments.query,
        page_size=arguments.limit,
    )
    page = store.search(query, SYSTEM.scope)
    hits: list[dict[str, Any]] = [dict(event) for event in page.events]
    return {"count": len(hits), "hits": hits}


def member_action(name: str) -> Any:
    """The connectors' side of the harmful actions; built lazily so the hub starts without them in use."""

    def run(arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
        from ght_soc import member_actions

        return member_actions.run(name, arguments, context)

    return run


def builtin_handlers() -> HandlerRegistry[ActionContext]:
    """A registry with a handler for every declared action (checked: none may be missing)."""
    registry: HandlerRegistry[ActionContext] = HandlerRegistry()
    for name, handler in {
        "notify.mail": notify_mail,
        "notify.webhook": notify_webhook,
        "incident.set_severity": set_severity,
        "incident.set_status": set_status,
        "incident.add_task": add_task,
        "incident.add_note": add_note,
        "declaration.open_draft": open_declaration_draft,
        "events.search": search_events,
        "ldap.disable_account": member_action("ldap.disable_account"),
        "snmp.port_admin_down": member_action("snmp.port_admin_down"),
    }.items():
        registry.register(name, handler)
    assert not registry.missing(), registry.missing()
    return registry
