"""The playbook loader and validator answer every input with a playbook or with problems, never an exception
or a hang (ght_soc/playbooks/loader.py `load_playbook_bytes`, validation.py `check_playbook`).

Inputs: raw bytes, shipped playbooks mutated line by line and token by token, and shipped playbooks whose
parsed document has one value replaced by any YAML value (type confusion past the YAML layer).
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from ght_soc.playbooks.loader import Problem, load_playbook_bytes
from ght_soc.playbooks.validation import check_playbook
from tests.fuzz.budget import fuzz
from tests.fuzz.strategies import json_values

PLAYBOOKS = sorted((Path(__file__).parents[2] / "playbooks").glob("*.yaml"))
FILE = "fuzz.yaml"
SNIPPETS = [
    "",
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!!binary ",
    "!!set ",
    "? ",
    "|",
    ">-",
    "'",
    '"',
    "${{",
    "}}",
    "${{ inputs.x }}",
    "${{ steps.a.outputs.b }}",
    "${{ 1 +",
    "\t",
    "#",
    "%YAML 1.1",
    "---",
    "next: main_courante",
    "kind: parallel",
    "kind: wait",
    "on_failure: retry",
    "id: x",
    "\ufeff",
    "\x00",
]
ALIAS_BOMB = b"".join(
    b"a%d: &a%d [%s]\n" % (i, i, b",".join([b"*a%d" % (i - 1) if i else b"x"] * 9)) for i in range(9)
)
FOUND = [ALIAS_BOMB, b"a: &a [*a]", b"a: &a {b: *a}", b"a: " + b"[" * 900 + b"]" * 900]  # each hung or raised


@cache
def shipped(index: int) -> str:
    return PLAYBOOKS[index].read_text(encoding="utf-8")


def load_and_check(data: bytes) -> list[Problem]:
    loaded, problems = load_playbook_bytes(data, FILE)
    if loaded is not None:
        assert problems == []
        problems = check_playbook(loaded)
    else:
        assert problems, "a refused playbook says why"
    for problem in problems:
        assert problem.file == FILE and problem.line >= 1 and problem.column >= 1 and problem.message
    return problems


@st.composite
def mutated_playbooks(draw: st.DrawFn) -> bytes:
    lines = shipped(draw(st.integers(0, len(PLAYBOOKS) - 1))).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "dedent", "indent"]))
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif action == "insert":
            line = lines[at]
            column = draw(st.integers(0, len(line)))
            snippet = draw(st.sampled_from(SNIPPETS) | st.text(max_size=6))
            lines[at] = line[:column] + snippet + line[column:]
        elif action == "dedent":
            lines[at] = lines[at].lstrip(" ")
        else:
            lines[at] = "  " + lines[at]
    return "".join(lines).encode("utf-8", errors="surrogatepass")


@st.composite
def confused_playbooks(draw: st.DrawFn) -> bytes:
    """A shipped playbook whose document has one value (at any depth) replaced by any JSON-like value."""
    document: Any = copy.deepcopy(yaml.safe_load(shipped(draw(st.integers(0, len(PLAYBOOKS) - 1)))))
    node = document
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        node[key] = draw(json_values)
        break
    return yaml.safe_dump(document, allow_unicode=True).encode()


def test_every_shipped_playbook_loads_and_checks_clean() -> None:
    for index in range(len(PLAYBOOKS)):
        assert load_and_check(shipped(index).encode()) == []


@fuzz(300, deadline_ms=2000)
@given(st.binary(max_size=500))
@example(b"\xef\xbb\xbfid: x")
def test_any_bytes_give_a_playbook_or_problems(data: bytes) -> None:
    load_and_check(data)


def test_inputs_found_by_fuzzing_give_problems_quickly() -> None:
    for data in FOUND:
        assert load_and_check(data)


@fuzz(200, deadline_ms=3000)
@given(mutated_playbooks())
def test_mutated_playbooks_give_a_playbook_or_problems(data: bytes) -> None:
    load_and_check(data)


@fuzz(50, deadline_ms=3000)
@given(confused_playbooks())
def test_playbooks_with_a_value_of_another_type_give_problems(data: bytes) -> None:
    load_and_check(data)
