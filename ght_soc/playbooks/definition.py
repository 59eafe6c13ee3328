"""A playbook as frozen, typed objects: what `playbooks/*.yaml` says, nothing about how a run goes.

The engine walks these objects; the loader builds them from YAML; the validator checks what pydantic cannot
(references between steps, expressions, actions). Semantics the engine relies on:

- A run starts at `Playbook.start` and follows each step's successors (`Step.successors()`).
- `action`, `manual` and `wait` continue at `next`; `end` stops the run.
- `approval` continues at the `next` of the chosen option; `condition` at the first branch whose `when` is true,
  else at `otherwise`.
- `parallel` starts every step of `branches` at once; a branch ends when it reaches the parallel step's `next`
  (its join step). With `join: all` the run continues at `next` once every branch has ended, with `join: any`
  as soon as one has.
- A `wait` continues at `next` once `duration` has passed, or once `until` is true; if `timeout` passes first it
  continues at `on_timeout` (default `next`) with output `timed_out` true.
- Cycles are refused by the validator: a run always terminates, repetition is what `wait … until` and
  `on_failure: retry` are for.
- Expressions (`when`, `until`, and `${{ … }}` inside action arguments) see `inputs.<name>`,
  `incident.<field>` and `steps.<id>.output.<name>` (see `expressions.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    model_validator,
)

from ght_soc.domain import AlertSeverity, IncidentCategory, Role

StepId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
PlaybookId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")]

_SHORT_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_duration(value: object) -> timedelta:
    """Read `30m`, `1h30m`, `2d`, `45s` or ISO-8601 `PT30M`/`P1DT2H` into a positive timedelta."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("durée attendue, par exemple « 30m », « 4h », « 1h30m » ou « PT30M »")
    text = value.strip()
    match = _SHORT_DURATION.match(text) or _ISO_DURATION.match(text.upper())
    if not text or match is None or not any(match.groups()):
        raise ValueError(f"durée illisible {value!r} : « 30m », « 4h », « 1h30m » ou « PT30M » attendu")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise ValueError("une durée doit être positive")
    return duration


def format_duration(value: timedelta) -> str:
    """The ISO-8601 form of a duration (`PT1H30M`), as CACAO and the timeline show it."""
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]


class StepKind(StrEnum):
    ACTION = "action"
    MANUAL = "manual"
    APPROVAL = "approval"
    CONDITION = "condition"
    PARALLEL = "parallel"
    WAIT = "wait"
    END = "end"


class OnFailure(StrEnum):
    """What the run does when a step fails (an action raises or times out).

    STOP keeps the run on the failed step, shown as failed, until a person chooses retry or skip: a run never
    stops silently. RETRY tries again up to `max_attempts`, then behaves as STOP. SKIP records the failure on
    the timeline and continues at the step's normal successor.
    """

    STOP = "stop"
    RETRY = "retry"
    SKIP = "skip"


class EscalationLevel(StrEnum):
    """The escalation chain of the GHT, in order: an unanswered step moves up one level at a time."""

    ON_CALL = "on_call"
    ADMIN_ON_DUTY = "admin_on_duty"
    RSSI = "rssi"
    DIRECTION = "direction"


def parse_escalation_target(value: object) -> Role | EscalationLevel:
    """A level of the escalation chain (`on_call`, `rssi`...) or a role (`dpo`, `ght_rssi`...)."""
    if isinstance(value, EscalationLevel | Role):
        return value
    for kind in (EscalationLevel, Role):
        if isinstance(value, str) and value in set(kind):
            return kind(value)
    levels, roles = ", ".join(EscalationLevel), ", ".join(Role)
    raise ValueError(f"cible d'escalade inconnue {value!r} ; niveaux : {levels} ; rôles : {roles}")


EscalationTarget = Annotated[Role | EscalationLevel, PlainValidator(parse_escalation_target)]


class ValueType(StrEnum):
    """Types of playbook inputs, manual answers and action outputs."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    STRING_LIST = "string_list"
    DATETIME = "datetime"  # ISO-8601 text with an offset
    OBJECT = "object"  # structured output of an action (e.g. search hits)


class JoinMode(StrEnum):
    ALL = "all"
    ANY = "any"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Triggers(_Frozen):
    """When the hub proposes (or starts) this playbook for an incident."""

    rule_tags: tuple[str, ...] = ()
    categories: tuple[IncidentCategory, ...] = ()
    min_severity: AlertSeverity = AlertSeverity.INFORMATIONAL


class InputSpec(_Frozen):
    name: Name
    type: ValueType = ValueType.STRING
    label: str | None = None
    required: bool = False
    default: Any = None


class OutputSpec(_Frozen):
    """An output a step produces, addressable as `steps.<id>.output.<name>`."""

    name: Name
    type: ValueType = ValueType.STRING
    label: str | None = None


class _StepBase(_Frozen):
    id: StepId
    title: str = Field(min_length=1)
    description: str | None = None
    deadline: Duration | None = None
    escalate_to: EscalationTarget | None = None
    on_failure: OnFailure = OnFailure.STOP
    max_attempts: int = Field(default=3, ge=1, le=20)

    def successors(self) -> tuple[str, ...]:
        """Ids of the steps this one can lead to, in order."""
        return ()

    def outputs(self) -> tuple[OutputSpec, ...]:
        """Outputs this step's kind produces by itself (actions: see the registry)."""
        return ()


class ActionStep(_StepBase):
    kind: Literal[StepKind.ACTION] = StepKind.ACTION
    action: str = Field(min_length=1)
    # Values are YAML scalars, lists or mappings; a string may hold `${{ expression }}` (see expressions.py).
    args: dict[str, Any] = Field(default_factory=dict)
    next: StepId

    def successors(self) -> tuple[str, ...]:
        return (self.next,)


class Answer(_Frozen):
    """A value the person must give to complete a manual step; it becomes the step's output `name`."""

    name: Name
    label: str = Field(min_length=1)
    type: ValueType = ValueType.STRING
    required: bool = True


class EvidenceRequirement(_Frozen):
    label: str = Field(min_length=1)
    required: bool = True


class ManualStep(_StepBase):
    kind: Literal[StepKind.MANUAL] = StepKind.MANUAL
    instructions: str = Field(min_length=1)
    checklist: tuple[str, ...] = ()
    evidence: tuple[EvidenceRequirement, ...] = ()
    answers: tuple[Answer, ...] = ()
    next: StepId

    def successors(self) -> tuple[str, ...]:
        return (self.next,)

    def outputs(self) -> tuple[OutputSpec, ...]:
        return tuple(OutputSpec(name=a.name, type=a.type, label=a.label) for a in self.answers)


class ApprovalOption(_Frozen):
    value: Name
    label: str = Field(min_length=1)
    next: StepId


class ApprovalStep(_StepBase):
    kind: Literal[StepKind.APPROVAL] = StepKind.APPROVAL
    question: str = Field(min_length=1)
    options: tuple[ApprovalOption, ...] = Field(min_length=2)
    roles: tuple[Role, ...] = Field(min_length=1)
    approvers: int = Field(default=1, ge=1, le=5)
    # Whoever started the run (or the step it approves) may not answer (issue 6 point 10).
    separation_of_duties: bool = True

    def successors(self) -> tuple[str, ...]:
        return tuple(option.next for option in self.options)

    def outputs(self) -> tuple[OutputSpec, ...]:
        return (
            OutputSpec(name="decision", label="Décision"),
            OutputSpec(name="approvers", type=ValueType.STRING_LIST, label="Approbateurs"),
        )


class ConditionBranch(_Frozen):
    when: str = Field(min_length=1)
    next: StepId


class ConditionStep(_StepBase):
    kind: Literal[StepKind.CONDITION] = StepKind.CONDITION
    branches: tuple[ConditionBranch, ...] = Field(min_length=1)
    otherwise: StepId

    def successors(self) -> tuple[str, ...]:
        return (*(branch.next for branch in self.branches), self.otherwise)


class ParallelStep(_StepBase):
    kind: Literal[StepKind.PARALLEL] = StepKind.PARALLEL
    branches: tuple[StepId, ...] = Field(min_length=2)
    join: JoinMode = JoinMode.ALL
    next: StepId

    def successors(self) -> tuple[str, ...]:
        return (*self.branches, self.next)


class WaitStep(_StepBase):
    kind: Literal[StepKind.WAIT] = StepKind.WAIT
    duration: Duration | None = None
    until: str | None = Field(default=None, min_length=1)
    timeout: Duration | None = None
    on_timeout: StepId | None = None
    next: StepId

    @model_validator(mode="after")
    def _one_way_to_wait(self) -> WaitStep:
        if (self.duration is None) == (self.until is None):
            raise ValueError("une attente demande soit « duration », soit « until » (pas les deux)")
        if self.until is None and (self.timeout is not None or self.on_timeout is not None):
            raise ValueError("« timeout » et « on_timeout » ne vont qu'avec « until »")
        if self.until is not None and self.timeout is None:
            raise ValueError(
                "une attente « until » demande un « timeout » : une exécution ne doit pas attendre sans fin"
            )
        return self

    def successors(self) -> tuple[str, ...]:
        return (self.next,) if self.on_timeout in (None, self.next) else (self.next, self.on_timeout)

    def outputs(self) -> tuple[OutputSpec, ...]:
        return (OutputSpec(name="timed_out", type=ValueType.BOOLEAN, label="Délai dépassé"),)


class EndStep(_StepBase):
    kind: Literal[StepKind.END] = StepKind.END


Step = Annotated[
    ActionStep | ManualStep | ApprovalStep | ConditionStep | ParallelStep | WaitStep | EndStep,
    Field(discriminator="kind"),
]


class Playbook(_Frozen):
    """One version of a playbook. `content_hash` pins the exact file a run follows."""

    id: PlaybookId
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    description: str = ""
    triggers: Triggers = Field(default_factory=Triggers)
    inputs: tuple[InputSpec, ...] = ()
    start: StepId
    steps: tuple[Step, ...] = Field(min_length=1)
    _content_hash: str = PrivateAttr(default="")

    @classmethod
    def from_document(cls, document: Mapping[str, Any], *, content_hash: str) -> Playbook:
        """Validate a parsed YAML document (raises pydantic's ValidationError) and pin its content hash."""
        playbook = cls.model_validate(document)
        playbook._content_hash = content_hash
        return playbook

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical file bytes (see `loader.canonical_bytes`); empty if built in code."""
        return self._content_hash

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    def step(self, step_id: str) -> Step:
        """The step with this id; KeyError if there is none (the validator guarantees references exist)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def steps_by_id(self) -> dict[str, Step]:
        return {step.id: step for step in self.steps}
