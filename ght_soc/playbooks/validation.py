"""What a well-formed playbook must also respect; every problem at once, each with its line and column.

Checked: duplicate ids, unknown step references, unreachable steps, cycles (any cycle is an error: a run must
terminate, repetition is `wait … until` or `on_failure: retry`), unknown actions, bad action arguments, bad
expressions and unknown names in them (an output is known only from a step that can precede), a branch of a
parallel step that never reaches its join, and an action harming a member system reachable without an approval.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ght_soc.playbooks import graph
from ght_soc.playbooks.actions import ACTIONS, ActionSpec
from ght_soc.playbooks.definition import ActionStep, ConditionStep, ParallelStep, Playbook, WaitStep
from ght_soc.playbooks.expressions import (
    INCIDENT_FIELDS,
    ExpressionSyntaxError,
    NameRef,
    compile_expression,
    templates,
)
from ght_soc.playbooks.loader import TYPE_MESSAGES, LoadedPlaybook, Loc, Problem, dotted, load_playbook_file


def check_file(
    path: Path, *, actions: Mapping[str, ActionSpec] = ACTIONS, categories: Collection[str] | None = None
) -> tuple[LoadedPlaybook | None, list[Problem]]:
    """Load and check one file; the playbook is None whenever any problem is found."""
    loaded, problems = load_playbook_file(path)
    if loaded is None:
        return None, problems
    problems = check_playbook(loaded, actions=actions, categories=categories)
    return (None if problems else loaded), problems


def check_playbook(
    loaded: LoadedPlaybook,
    *,
    actions: Mapping[str, ActionSpec] = ACTIONS,
    categories: Collection[str] | None = None,
) -> list[Problem]:
    """Every semantic problem of a parsed playbook, sorted by position."""
    checker = _Checker(loaded, actions)
    checker.run(categories)
    return sorted(set(checker.problems))


class _Checker:
    def __init__(self, loaded: LoadedPlaybook, actions: Mapping[str, ActionSpec]) -> None:
        self.loaded = loaded
        self.playbook: Playbook = loaded.playbook
        self.actions = actions
        self.problems: list[Problem] = []
        self.successors = graph.successor_map(self.playbook)

    def add(self, loc: Loc, message: str, *, offset: int | None = None, at_key: bool = False) -> None:
        source = self.loaded.source
        line, column = (
            source.scalar_position(loc, offset) if offset is not None else source.position(loc, at_key=at_key)
        )
        self.problems.append(Problem(self.loaded.file, line, column, message))

    def run(self, categories: Collection[str] | None) -> None:
        self._unique_names()
        self._references()
        self._cycles()
        self._parallel_joins()
        for index, step in enumerate(self.playbook.steps):
            if isinstance(step, ActionStep):
                self._action(index, step)
            for loc, offset, text in _expressions(index, step):
                self._expression(step.id, loc, offset, text)
        if categories is not None:
            for index, category in enumerate(self.playbook.triggers.categories):
                if category not in categories:
                    known = ", ".join(sorted(categories))
                    self.add(
                        ("triggers", "categories", index),
                        f"catégorie inconnue {category!r} ; connues : {known}",
                    )

    def _unique_names(self) -> None:
        seen: set[str] = set()
        for index, step in enumerate(self.playbook.steps):
            if step.id in seen:
                self.add(("steps", index, "id"), f"identifiant d'étape en double « {step.id} »")
            seen.add(step.id)
        names = [i.name for i in self.playbook.inputs]
        for index, name in enumerate(names):
            if name in names[:index]:
                self.add(("inputs", index, "name"), f"entrée en double « {name} »")

    def _references(self) -> None:
        known = {step.id for step in self.playbook.steps}
        if self.playbook.start not in known:
            self.add(("start",), f"étape de départ inconnue « {self.playbook.start} »")
        for ref in graph.references(self.playbook):
            if ref.target not in known:
                self.add(ref.loc, f"{dotted(ref.loc)} : étape inconnue « {ref.target} »")
        if self.playbook.start in known:
            reached = graph.reachable(self.playbook.start, self.successors)
            for index, step in enumerate(self.playbook.steps):
                if step.id not in reached:
                    self.add(
                        ("steps", index, "id"),
                        f"étape « {step.id} » inatteignable depuis « {self.playbook.start} »",
                    )

    def _cycles(self) -> None:
        for ref, cycle in graph.cycles(self.playbook):
            self.add(ref.loc, f"cycle : {' → '.join(cycle)} (une exécution doit se terminer)")

    def _parallel_joins(self) -> None:
        for index, step in enumerate(self.playbook.steps):
            if not isinstance(step, ParallelStep):
                continue
            for position, branch in enumerate(step.branches):
                if branch not in self.successors:
                    continue
                reached = graph.branch_reach(branch, step, self.successors)
                if step.next not in reached:
                    loc = ("steps", index, "branches", position)
                    self.add(
                        loc, f"la branche « {branch} » n'arrive jamais à l'étape de jonction « {step.next} »"
                    )

    def _action(self, index: int, step: ActionStep) -> None:
        here: Loc = ("steps", index)
        spec = self.actions.get(step.action)
        if spec is None:
            known = ", ".join(sorted(self.actions))
            self.add((*here, "action"), f"action inconnue « {step.action} » ; connues : {known}")
            return
        computed = {name for name, value in step.args.items() if _has_template(value)}
        has_args = "args" in _keys(self.loaded, here)
        try:
            spec.arguments.model_validate(step.args)
        except ValidationError as error:
            for item in error.errors():
                loc, kind = tuple(item["loc"]), item["type"]
                if loc and loc[0] in computed and kind not in ("missing", "extra_forbidden"):
                    continue  # its type is known only once the expression is evaluated
                if kind == "missing":
                    where: Loc = (*here, "args") if has_args else (*here, "action")
                    self.add(
                        where, f"{step.action} : argument obligatoire absent « {dotted(loc)} »", at_key=True
                    )
                elif kind == "extra_forbidden":
                    self.add(
                        (*here, "args", *loc),
                        f"{step.action} : argument inconnu « {dotted(loc)} »",
                        at_key=True,
                    )
                else:
                    message = TYPE_MESSAGES.get(kind) or str(item["msg"]).removeprefix("Value error, ")
                    self.add(
                        (*here, "args", *loc),
                        f"{step.action} : argument « {dotted(loc)} » invalide : {message}",
                    )
        if spec.harms_member_system and step.id in graph.reachable_without_approval(self.playbook):
            self.add(
                (*here, "action"),
                f"l'action « {step.action} » agit sur un système d'un établissement : "
                "une étape d'approbation doit la précéder sur tous les chemins",
            )

    def _expression(self, step_id: str, loc: Loc, base: int, text: str) -> None:
        try:
            expression = compile_expression(text)
        except ExpressionSyntaxError as error:
            self.add(loc, f"expression invalide : {error.reason}", offset=base + error.offset)
            return
        for ref in expression.names:
            problem = self._name_problem(step_id, ref)
            if problem:
                self.add(loc, problem, offset=base + ref.offset)

    def _name_problem(self, step_id: str, ref: NameRef) -> str | None:
        parts = ref.parts
        if parts[0] == "inputs":
            names = [i.name for i in self.playbook.inputs]
            if len(parts) != 2 or parts[1] not in names:
                return f"nom inconnu « {ref.dotted} » ; entrées : {', '.join(names) or 'aucune'}"
        elif parts[0] == "incident":
            if len(parts) != 2 or parts[1] not in INCIDENT_FIELDS:
                return f"nom inconnu « {ref.dotted} » ; champs de l'incident : {', '.join(INCIDENT_FIELDS)}"
        elif len(parts) < 4 or parts[2] != "output":
            return f"« {ref.dotted} » : la forme attendue est steps.<étape>.output.<nom>"
        elif parts[1] not in graph.can_precede(step_id, self.successors):
            return f"« {ref.dotted} » : l'étape « {parts[1]} » ne peut pas précéder « {step_id} »"
        else:
            outputs = self._outputs(parts[1])
            if parts[3] not in outputs:
                return f"« {ref.dotted} » : sorties de « {parts[1]} » : {', '.join(outputs) or 'aucune'}"
        return None

    def _outputs(self, step_id: str) -> list[str]:
        step = self.playbook.step(step_id)
        if isinstance(step, ActionStep):
            spec = self.actions.get(step.action)
            return [o.name for o in spec.outputs] if spec else []
        return [o.name for o in step.outputs()]


def _expressions(index: int, step: Any) -> Iterator[tuple[Loc, int, str]]:
    """(loc of the scalar, offset of the expression in it, expression text) for every expression of a step."""
    here: Loc = ("steps", index)
    if isinstance(step, ConditionStep):
        for position, branch in enumerate(step.branches):
            yield (*here, "branches", position, "when"), 0, branch.when
    if isinstance(step, WaitStep) and step.until is not None:
        yield (*here, "until"), 0, step.until
    if isinstance(step, ActionStep):
        yield from _argument_templates((*here, "args"), step.args)


def _argument_templates(loc: Loc, value: Any) -> Iterator[tuple[Loc, int, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _argument_templates((*loc, str(key)), item)
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            yield from _argument_templates((*loc, position), item)
    elif isinstance(value, str):
        for offset, text in templates(value):
            yield loc, offset, text


def _has_template(value: Any) -> bool:
    return any(True for _ in _argument_templates((), value))


def _keys(loaded: LoadedPlaybook, loc: Loc) -> set[str]:
    node, found, _ = loaded.source.node(loc)
    if found != loc or node is None or not hasattr(node, "value") or not isinstance(node.value, list):
        return set()
    return {key.value for key, _ in node.value if hasattr(key, "value")}
