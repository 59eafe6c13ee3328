"""Export a playbook to OASIS CACAO v2.0 JSON (checked in the tests against the TC's JSON schemas).

Mapping, step by step:
- a `start` step leads to our start step; `end` → `end`;
- `action` → CACAO `action` whose command (type `ght-soc-action`) names the hub action and its arguments,
  run by the hub agent (a `security-category` "orchestrator");
- `manual` → `action` with `manual` commands (instructions, then each checklist item) for the on-call agent;
- `approval` → `action` with a `manual` command (the question) that sets `__<step>_decision__`, then a
  `switch-condition` on that variable whose cases are the options;
- `condition` → a chain of `if-condition` steps, one per branch, the last `on_false` being `otherwise`;
- `parallel` → `parallel` (`next_steps` the branches, `on_completion` the join); inside a branch, the reference
  to the join becomes a reference to an `end` step of its own, as CACAO wants every branch to end explicitly;
- `wait` → `action` (a manual "wait" command) with `delay` (a duration), or with `timeout` (an `until`),
  `on_success` the next step and `on_failure` the `on_timeout` step.
Identifiers are stable: the playbook's is `playbook--<uuid5(id@version)>`; each step's UUID is derived from the
playbook's and the step id, with the version bits of a UUIDv4 set, so the same file always exports the same JSON.
Conditions keep our expression text (CACAO expects STIX patterning there; consumers show it as text).
Deadlines and escalation targets have no CACAO field: they are written into the step description.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from ght_soc.playbooks import graph
from ght_soc.playbooks.actions import ACTIONS
from ght_soc.playbooks.definition import (
    ActionStep,
    ApprovalStep,
    ConditionStep,
    EndStep,
    ManualStep,
    ParallelStep,
    Playbook,
    Step,
    ValueType,
    WaitStep,
    format_duration,
)

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ght-soc:playbooks")
_CACAO_TYPES = {
    ActionStep: "action", ManualStep: "action", ApprovalStep: "action", ConditionStep: "if-condition",
    ParallelStep: "parallel", WaitStep: "action", EndStep: "end",
}  # fmt: skip
_VARIABLE_TYPES = {
    ValueType.STRING: "string", ValueType.INTEGER: "integer", ValueType.NUMBER: "float",
    ValueType.BOOLEAN: "bool", ValueType.STRING_LIST: "string", ValueType.DATETIME: "string",
    ValueType.OBJECT: "dictionary",
}  # fmt: skip


def playbook_uuid(playbook: Playbook) -> uuid.UUID:
    """The UUIDv5 of `<id>@<version>`: one CACAO identifier per published version."""
    return uuid.uuid5(_NAMESPACE, f"{playbook.id}@{playbook.version}")


def to_cacao(playbook: Playbook, *, exported_at: datetime) -> dict[str, Any]:
    """The CACAO v2.0 playbook object (a JSON-ready dict); `exported_at` fills `created` and `modified`."""
    return _Exporter(playbook).document(exported_at)


def to_cacao_json(playbook: Playbook, *, exported_at: datetime) -> str:
    """`to_cacao` serialised with sorted keys, ready to write to a `.json` file."""
    return json.dumps(
        to_cacao(playbook, exported_at=exported_at), ensure_ascii=False, indent=2, sort_keys=True
    )


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ms(duration: Any) -> int:
    return int(duration.total_seconds() * 1000)


class _Exporter:
    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.base = playbook_uuid(playbook)
        self.steps = playbook.steps_by_id()
        self.hub_agent = self.ref("security-category", "agent:hub")
        self.person_agent = self.ref("individual", "agent:on-call")
        self.workflow: dict[str, dict[str, Any]] = {}
        self.variables: dict[str, dict[str, Any]] = {}
        self.branch_end: dict[str, str] = {}  # step id inside a parallel branch → that branch's end step
        self.join_of: dict[str, str] = {}

    def ref(self, cacao_type: str, name: str) -> str:
        digest = bytearray(hashlib.sha256(f"{self.base}:{name}".encode()).digest()[:16])
        return f"{cacao_type}--{uuid.UUID(bytes=bytes(digest), version=4)}"

    def step_ref(self, step_id: str) -> str:
        step = self.steps[step_id]
        return self.ref(_CACAO_TYPES[type(step)], f"step:{step_id}")

    def target(self, source: str, target: str) -> str:
        """Where `source` goes on to `target`: a branch's own end step when `target` is its parallel's join."""
        if source in self.branch_end and self.join_of.get(source) == target:
            return self.branch_end[source]
        return self.step_ref(target)

    def document(self, exported_at: datetime) -> dict[str, Any]:
        playbook = self.playbook
        self._branches()
        start = self.ref("start", "start")
        self.workflow[start] = {
            "type": "start",
            "name": "Début",
            "on_completion": self.step_ref(playbook.start),
        }
        for item in playbook.inputs:
            self.variables[f"__{item.name}__"] = {
                "type": _VARIABLE_TYPES[item.type],
                "description": item.label or item.name,
                "value": None if item.default is None else str(item.default),
                "external": True,
            }
        for step in playbook.steps:
            self._step(step)
        labels = list(dict.fromkeys([*playbook.triggers.categories, *playbook.triggers.rule_tags]))
        notifies = any(isinstance(s, ActionStep) and s.action.startswith("notify.") for s in playbook.steps)
        document: dict[str, Any] = {
            "type": "playbook",
            "spec_version": "cacao-2.0",
            "id": f"playbook--{self.base}",
            "name": playbook.title,
            "description": playbook.description or playbook.title,
            "playbook_types": ["investigation", "mitigation", *(["notification"] if notifies else [])],
            "created_by": f"identity--{uuid.uuid5(_NAMESPACE, 'ght-soc')}",
            "created": _timestamp(exported_at),
            "modified": _timestamp(exported_at),
            "industry_sectors": ["healthcare"],
            "external_references": [
                {"name": "ght-soc", "description": f"{playbook.id} version {playbook.version}"},
            ],
            "workflow_start": start,
            "workflow": self.workflow,
            "agent_definitions": {
                self.hub_agent: {
                    "type": "security-category",
                    "name": "Hub ght-soc",
                    "category": ["orchestrator"],
                },
                self.person_agent: {"type": "individual", "name": "Ingénieur d'astreinte"},
            },
        }
        if labels:
            document["labels"] = labels
        if self.variables:
            document["playbook_variables"] = self.variables
        return document

    def _branches(self) -> None:
        successors = graph.successor_map(self.playbook)
        for step in self.playbook.steps:
            if not isinstance(step, ParallelStep):
                continue
            stops = {step.id, step.next}
            for index, branch in enumerate(step.branches):
                end = self.ref("end", f"branch-end:{step.id}:{index}")
                self.workflow[end] = {"type": "end", "name": f"Fin de branche ({step.title})"}
                members = graph.branch_reach(branch, step, successors)
                for member in members - stops:
                    self.branch_end.setdefault(member, end)
                    self.join_of.setdefault(member, step.next)

    def _base(self, step: Step, cacao_type: str) -> dict[str, Any]:
        notes = [step.description or ""]
        if step.deadline is not None:
            notes.append(f"Échéance : {format_duration(step.deadline)}.")
        if step.escalate_to is not None:
            notes.append(f"Escalade : {step.escalate_to}.")
        body: dict[str, Any] = {"type": cacao_type, "name": step.title}
        description = " ".join(note for note in notes if note)
        if description:
            body["description"] = description
        return body

    def _step(self, step: Step) -> None:
        here = self.step_ref(step.id)
        if isinstance(step, EndStep):
            self.workflow[here] = self._base(step, "end")
        elif isinstance(step, ActionStep):
            spec = ACTIONS.get(step.action)
            arguments = json.dumps(step.args, ensure_ascii=False, sort_keys=True, default=str)
            label = spec.label if spec else step.action
            command = {"type": "ght-soc-action", "description": f"{label} ({step.action}) : {arguments}"}
            body = {**self._base(step, "action"), "commands": [command], "agent": self.hub_agent}
            self.workflow[here] = self._continue(body, step, step.next)
        elif isinstance(step, ManualStep):
            commands = [{"type": "manual", "command": step.instructions}]
            commands += [{"type": "manual", "command": f"☐ {item}"} for item in step.checklist]
            commands += [{"type": "manual", "command": f"Pièce à joindre : {e.label}"} for e in step.evidence]
            body = {**self._base(step, "action"), "commands": commands, "agent": self.person_agent}
            out = [
                self._variable(f"{step.id}_{answer.name}", answer.type, answer.label)
                for answer in step.answers
            ]
            if out:
                body["out_args"] = out
            self.workflow[here] = self._continue(body, step, step.next)
        elif isinstance(step, ApprovalStep):
            self._approval(here, step)
        elif isinstance(step, ConditionStep):
            self._condition(step)
        elif isinstance(step, ParallelStep):
            body = {**self._base(step, "parallel"), "next_steps": [self.step_ref(b) for b in step.branches]}
            body["on_completion"] = self.target(step.id, step.next)
            self.workflow[here] = body
        elif isinstance(step, WaitStep):
            self._wait(here, step)

    def _continue(self, body: dict[str, Any], step: Step, following: str) -> dict[str, Any]:
        body["on_completion"] = self.target(step.id, following)
        return body

    def _variable(self, name: str, value_type: ValueType, label: str) -> str:
        variable = f"__{name}__"
        self.variables[variable] = {"type": _VARIABLE_TYPES[value_type], "description": label, "value": None}
        return variable

    def _approval(self, here: str, step: ApprovalStep) -> None:
        decision = self._variable(f"{step.id}_decision", ValueType.STRING, step.question)
        options = " ; ".join(f"{o.value} = {o.label}" for o in step.options)
        roles = ", ".join(step.roles)
        question = f"{step.question} ({options}). Rôles : {roles} ; approbateurs requis : {step.approvers}."
        switch = self.ref("switch-condition", f"decision:{step.id}")
        self.workflow[here] = {
            **self._base(step, "action"),
            "commands": [{"type": "manual", "command": question}],
            "agent": self.person_agent,
            "out_args": [decision],
            "on_completion": switch,
        }
        self.workflow[switch] = {
            "type": "switch-condition",
            "name": f"Décision : {step.title}",
            "switch": f"{decision}:value",
            "cases": {option.value: self.target(step.id, option.next) for option in step.options},
        }

    def _condition(self, step: ConditionStep) -> None:
        refs = [self.step_ref(step.id)] + [
            self.ref("if-condition", f"condition:{step.id}:{i}") for i in range(1, len(step.branches))
        ]
        for index, branch in enumerate(step.branches):
            last = index == len(step.branches) - 1
            body = (
                self._base(step, "if-condition")
                if index == 0
                else {"type": "if-condition", "name": step.title}
            )
            body["condition"] = branch.when
            body["on_true"] = self.target(step.id, branch.next)
            body["on_false"] = self.target(step.id, step.otherwise) if last else refs[index + 1]
            self.workflow[refs[index]] = body

    def _wait(self, here: str, step: WaitStep) -> None:
        body = {**self._base(step, "action"), "agent": self.hub_agent}
        if step.duration is not None:
            body["commands"] = [{"type": "manual", "command": f"Attendre {format_duration(step.duration)}"}]
            body["delay"] = _ms(step.duration)
            self.workflow[here] = self._continue(body, step, step.next)
            return
        body["commands"] = [{"type": "manual", "command": f"Attendre que : {step.until}"}]
        if step.timeout is not None:
            body["timeout"] = _ms(step.timeout)
        body["on_success"] = self.target(step.id, step.next)
        body["on_failure"] = self.target(step.id, step.on_timeout or step.next)
        self.workflow[here] = body
