"""The declared playbook actions: name, French label, typed arguments, outputs, and whether they can harm a member.

Only declarations live here; what an action does is a handler the engine registers on a `HandlerRegistry`
(one per app, built in `create_app`, never at import). The validator reads the declarations: it refuses an
unknown action, bad arguments, and an action that harms a member system without a preceding approval step.
Running such an action also needs its name in the config's list of enabled member actions
(`require_enabled`): both gates hold, neither alone is enough.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ght_soc.domain import IncidentStatus, Severity
from ght_soc.playbooks.definition import Duration, EscalationTarget, OutputSpec, ValueType


class _Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotifyMail(_Arguments):
    # Roles (ght_rssi, dpo...), escalation levels (on_call, rssi, direction) or plain addresses.
    to: tuple[str, ...] = Field(min_length=1)
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1)


class NotifyWebhook(_Arguments):
    # The name of a webhook configured in the hub (URL and HMAC secret live in config, not in playbooks).
    webhook: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    message: str = Field(min_length=1)
    payload: dict[str, Any] = Field(default_factory=dict)


class SetSeverity(_Arguments):
    severity: Severity
    reason: str | None = None


class SetStatus(_Arguments):
    status: IncidentStatus  # the engine checks the transition table when it runs
    reason: str | None = None


class AddTask(_Arguments):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = None
    assignee: EscalationTarget | None = None
    due_in: Duration | None = None


class AddNote(_Arguments):
    text: str = Field(min_length=1)


DeclarationRegime = Literal["health_incident", "nis1", "nis2", "gdpr_cnil", "gdpr_persons", "complaint"]


class OpenDeclarationDraft(_Arguments):
    """A draft only: the hub never submits a national declaration by itself."""

    regime: DeclarationRegime
    summary: str | None = None


class SearchEvents(_Arguments):
    query: str = Field(min_length=1)
    since: Duration | None = None
    establishment: str | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class DisableAccount(_Arguments):
    establishment: str = Field(min_length=1)
    directory: str | None = None  # the establishment's directory name when it has several
    account: str = Field(min_length=1)  # sAMAccountName or uid


class PortAdminDown(_Arguments):
    establishment: str = Field(min_length=1)
    device: str = Field(min_length=1)  # inventory name or management IP of the switch
    interface: str | int  # ifName or ifIndex


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str  # French, shown on the run view and the timeline
    arguments: type[BaseModel]
    outputs: tuple[OutputSpec, ...] = ()
    harms_member_system: bool = False


def _out(name: str, type_: ValueType, label: str) -> OutputSpec:
    return OutputSpec(name=name, type=type_, label=label)


_DECLARED = (
    ActionSpec(
        "notify.mail", "Envoyer un courriel", NotifyMail, (_out("sent", ValueType.INTEGER, "Envois"),)
    ),
    ActionSpec(
        "notify.webhook",
        "Appeler un webhook",
        NotifyWebhook,
        (_out("status", ValueType.INTEGER, "Code HTTP"),),
    ),
    ActionSpec("incident.set_severity", "Changer la sévérité de l'incident", SetSeverity),
    ActionSpec("incident.set_status", "Changer le statut de l'incident", SetStatus),
    ActionSpec(
        "incident.add_task", "Ajouter une tâche", AddTask, (_out("task_id", ValueType.STRING, "Tâche"),)
    ),
    ActionSpec("incident.add_note", "Écrire dans la main courante", AddNote),
    ActionSpec(
        "declaration.open_draft",
        "Ouvrir un brouillon de déclaration",
        OpenDeclarationDraft,
        (_out("draft_id", ValueType.STRING, "Brouillon"),),
    ),
    ActionSpec(
        "events.search",
        "Rechercher dans les journaux",
        SearchEvents,
        (_out("count", ValueType.INTEGER, "Nombre"), _out("hits", ValueType.OBJECT, "Résultats")),
    ),
    ActionSpec(
        "ldap.disable_account",
        "Désactiver un compte de l'annuaire",
        DisableAccount,
        (_out("disabled", ValueType.BOOLEAN, "Désactivé"), _out("dn", ValueType.STRING, "DN")),
        harms_member_system=True,
    ),
    ActionSpec(
        "snmp.port_admin_down",
        "Fermer un port de commutateur (admin-down)",
        PortAdminDown,
        (_out("previous_status", ValueType.STRING, "État précédent"),),
        harms_member_system=True,
    ),
)

ACTIONS: Mapping[str, ActionSpec] = MappingProxyType({spec.name: spec for spec in _DECLARED})


class UnknownActionError(LookupError):
    """An action name that is not declared; the message lists the known ones."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(sorted(known))
        super().__init__(f"action inconnue {name!r} ; connues : {', '.join(self.known)}")


class MemberActionDisabledError(PermissionError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"l'action {name!r} agit sur un système d'un établissement et n'est pas activée dans la configuration"
        )


class HandlerAlreadyRegisteredError(ValueError):
    pass


class MissingHandlerError(LookupError):
    pass


def action_spec(name: str, actions: Mapping[str, ActionSpec] = ACTIONS) -> ActionSpec:
    """The declaration of `name`; raise `UnknownActionError` listing the known names."""
    try:
        return actions[name]
    except KeyError:
        raise UnknownActionError(name, actions) from None


def require_enabled(spec: ActionSpec, enabled_member_actions: Iterable[str]) -> None:
    """Raise `MemberActionDisabledError` when `spec` harms a member system and config has not enabled it."""
    if spec.harms_member_system and spec.name not in set(enabled_member_actions):
        raise MemberActionDisabledError(spec.name)


ContextT = TypeVar("ContextT")
# A handler gets the validated arguments (an instance of `ActionSpec.arguments`) and the engine's context
# (session, incident, actor, clock...: the engine defines it) and returns the step outputs by name.
ActionHandler = Callable[[BaseModel, ContextT], Mapping[str, object]]


class HandlerRegistry(Generic[ContextT]):
    """What runs each declared action; the engine owns one instance and fills it at start-up."""

    def __init__(self, actions: Mapping[str, ActionSpec] = ACTIONS) -> None:
        self._actions = actions
        self._handlers: dict[str, ActionHandler[ContextT]] = {}

    def register(self, name: str, handler: ActionHandler[ContextT]) -> None:
        """Attach `handler` to the declared action `name`; an undeclared or already handled name is refused."""
        action_spec(name, self._actions)
        if name in self._handlers:
            raise HandlerAlreadyRegisteredError(f"l'action {name!r} a déjà un exécutant")
        self._handlers[name] = handler

    def handler(self, name: str) -> ActionHandler[ContextT]:
        """The handler of `name`; `UnknownActionError` if undeclared, `MissingHandlerError` if not registered."""
        action_spec(name, self._actions)
        try:
            return self._handlers[name]
        except KeyError:
            raise MissingHandlerError(f"l'action {name!r} n'a pas d'exécutant enregistré") from None

    def missing(self) -> tuple[str, ...]:
        """Declared actions without a handler, so start-up can fail loudly rather than mid-incident."""
        return tuple(sorted(set(self._actions) - set(self._handlers)))

    def parse_arguments(self, name: str, arguments: Mapping[str, Any]) -> BaseModel:
        """Validate rendered arguments (expressions already evaluated); raises pydantic's ValidationError."""
        return action_spec(name, self._actions).arguments.model_validate(dict(arguments))
