"""The steps of a playbook as a graph: references with their place in the file, reachability, cycles, and
which steps can precede or are always preceded by an approval. Pure functions over `Playbook`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ght_soc.playbooks.definition import (
    ApprovalStep,
    ConditionStep,
    ParallelStep,
    Playbook,
    Step,
    WaitStep,
)

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Reference:
    """Step `source` (index `index`) leads to `target`; `loc` is where the file says so."""

    source: str
    target: str
    loc: Loc


def references(playbook: Playbook) -> list[Reference]:
    """Every step-to-step reference, in file order."""
    found: list[Reference] = []
    for index, step in enumerate(playbook.steps):
        here: Loc = ("steps", index)
        if isinstance(step, ApprovalStep):
            found += [
                Reference(step.id, o.next, (*here, "options", j, "next")) for j, o in enumerate(step.options)
            ]
        elif isinstance(step, ConditionStep):
            found += [
                Reference(step.id, b.next, (*here, "branches", j, "next"))
                for j, b in enumerate(step.branches)
            ]
            found.append(Reference(step.id, step.otherwise, (*here, "otherwise")))
        elif isinstance(step, ParallelStep):
            found += [Reference(step.id, b, (*here, "branches", j)) for j, b in enumerate(step.branches)]
        if isinstance(step, WaitStep) and step.on_timeout is not None:
            found.append(Reference(step.id, step.on_timeout, (*here, "on_timeout")))
        target = getattr(step, "next", None)
        if isinstance(target, str):
            found.append(Reference(step.id, target, (*here, "next")))
    return found


def successor_map(playbook: Playbook) -> dict[str, tuple[str, ...]]:
    """Step id → ids it leads to, limited to steps that exist."""
    known = {step.id for step in playbook.steps}
    return {step.id: tuple(t for t in step.successors() if t in known) for step in playbook.steps}


def reachable(
    start: str, successors: Mapping[str, Iterable[str]], *, through: Callable[[str], bool] = lambda _: True
) -> set[str]:
    """Steps reachable from `start` (included), only continuing past steps for which `through` holds."""
    seen, queue = {start}, deque([start])
    while queue:
        current = queue.popleft()
        if not through(current):
            continue
        for following in successors.get(current, ()):
            if following not in seen:
                seen.add(following)
                queue.append(following)
    return seen


def branch_reach(branch: str, parallel: ParallelStep, successors: Mapping[str, Iterable[str]]) -> set[str]:
    """Steps reached from a parallel branch's first step, stopping at the join (included) and the parallel."""
    stops = {parallel.id, parallel.next}
    return reachable(branch, successors, through=lambda step_id: step_id not in stops)


def predecessors_of(successors: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    reverse: dict[str, set[str]] = {step_id: set() for step_id in successors}
    for source, targets in successors.items():
        for target in targets:
            reverse.setdefault(target, set()).add(source)
    return reverse


def can_precede(step_id: str, successors: Mapping[str, Iterable[str]]) -> set[str]:
    """Steps from which `step_id` can be reached: their outputs may exist when it runs."""
    return reachable(step_id, predecessors_of(successors)) - {step_id}


def cycles(playbook: Playbook) -> list[tuple[Reference, tuple[str, ...]]]:
    """One entry per back edge found by a depth-first walk from the start: the reference closing the cycle and
    the cycle's step ids, in order.
    """
    by_source: dict[str, list[Reference]] = {}
    known = {step.id for step in playbook.steps}
    for ref in references(playbook):
        if ref.target in known:
            by_source.setdefault(ref.source, []).append(ref)
    found: list[tuple[Reference, tuple[str, ...]]] = []
    done: set[str] = set()
    # Iterative DFS (a playbook could be long): the stack holds (step, its outgoing references, next index).
    roots = [playbook.start] + [s.id for s in playbook.steps]
    for root in roots:
        if root in done or root not in known:
            continue
        path: list[str] = [root]
        on_path = {root}
        stack = [(root, by_source.get(root, []), 0)]
        while stack:
            node, refs, position = stack.pop()
            if position < len(refs):
                stack.append((node, refs, position + 1))
                target = refs[position].target
                if target in on_path:
                    found.append((refs[position], (*path[path.index(target) :], target)))
                elif target not in done:
                    path.append(target)
                    on_path.add(target)
                    stack.append((target, by_source.get(target, []), 0))
            else:
                done.add(node)
                path.pop()
                on_path.discard(node)
    return found


def reachable_without_approval(playbook: Playbook) -> set[str]:
    """Steps a run can reach from the start without answering any approval step."""
    steps: dict[str, Step] = playbook.steps_by_id()
    return reachable(
        playbook.start,
        successor_map(playbook),
        through=lambda step_id: not isinstance(steps.get(step_id), ApprovalStep),
    )
