"""YAML playbook files into `Playbook` objects, with every problem of a file at once and its line and column.

The YAML is composed once into nodes (which carry their positions), checked for duplicate keys, then validated
by pydantic; each pydantic error is placed back on the node it concerns. Lines and columns are 1-based.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ght_soc import yaml_loading
from ght_soc.playbooks.definition import Playbook, StepKind


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


Loc = tuple[str | int, ...]


class SourceMap:
    """Positions of the keys and values of one YAML document, addressed like pydantic locations."""

    def __init__(self, root: yaml.Node | None) -> None:
        self._root = root

    def node(self, loc: Loc) -> tuple[yaml.Node | None, Loc, yaml.Node | None]:
        """The deepest node reached along `loc`, the part of `loc` actually found, and the key node of the last
        mapping step (None after a sequence step).
        """
        node, key_node = self._root, None
        found: Loc = ()
        for part in loc:
            child, child_key = None, None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == part:
                        child, child_key = value, key
                        break
            elif (
                isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                break
            node, key_node, found = child, child_key, (*found, part)
        return node, found, key_node

    def position(self, loc: Loc, *, at_key: bool = False) -> tuple[int, int]:
        """(line, column) of the value at `loc` (or of its key with `at_key`), else of the deepest parent."""
        node, _, key_node = self.node(loc)
        mark = key_node.start_mark if at_key and key_node is not None else node.start_mark if node else None
        return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)

    def scalar_position(self, loc: Loc, offset: int) -> tuple[int, int]:
        """Position of character `offset` of the scalar at `loc`: exact for one-line scalars, plain or quoted;
        for a block scalar (`|`, `>`) the first line of its text plus `offset`.
        """
        node, found, _ = self.node(loc)
        if not isinstance(node, yaml.ScalarNode) or found != loc:
            return self.position(loc)
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if node.style in ("|", ">"):
            text_line = node.start_mark.line + 1
            lines = (node.start_mark.buffer or "").splitlines()
            indent = (
                len(lines[text_line]) - len(lines[text_line].lstrip(" ")) if text_line < len(lines) else 0
            )
            return text_line + 1, indent + 1 + offset
        if node.end_mark.line != node.start_mark.line:
            return line, column  # a folded plain or quoted scalar: offsets no longer map to one line
        quote = 1 if node.style in ("'", '"') else 0
        return line, column + quote + offset


def strip_step_tags(loc: Loc) -> Loc:
    """Remove the step kind pydantic inserts after a step's index: ("steps", 1, "action", "next") → (…, 1, "next")."""
    kinds = set(StepKind)
    return tuple(
        part
        for i, part in enumerate(loc)
        if not (i >= 2 and loc[i - 2] == "steps" and isinstance(loc[i - 1], int) and part in kinds)
    )


@dataclass(frozen=True)
class LoadedPlaybook:
    playbook: Playbook
    file: str
    source: SourceMap
    text: str  # the canonical text; the engine may store it to re-read a pinned version


def canonical_bytes(data: bytes) -> bytes:
    """The bytes the content hash covers: UTF-8 without BOM, LF line ends (a Windows checkout hashes alike)."""
    return data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")


def content_hash(data: bytes) -> str:
    """SHA-256 (hex) of the canonical bytes of a playbook file."""
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def load_playbook_file(path: Path) -> tuple[LoadedPlaybook | None, list[Problem]]:
    """Read and parse one file; structural problems only (see `validation.check_playbook` for the rest)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [Problem(str(path), 1, 1, f"lecture impossible : {error.strerror}")]
    return load_playbook_bytes(data, str(path))


def load_playbook_bytes(data: bytes, file: str) -> tuple[LoadedPlaybook | None, list[Problem]]:
    """Parse playbook bytes named `file` in messages; the playbook is None whenever a problem is found."""
    canonical = canonical_bytes(data)
    try:
        text = canonical.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [Problem(file, 1, 1, f"le fichier n'est pas en UTF-8 (octet {error.start})")]
    try:
        root = yaml_loading.compose(text)
        document = yaml_loading.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return None, [Problem(file, line, column, f"YAML invalide : {error.problem or error.context}")]
    except yaml.YAMLError as error:
        return None, [Problem(file, 1, 1, f"YAML invalide : {error}")]
    if not isinstance(root, yaml.MappingNode) or not isinstance(document, dict):
        return None, [Problem(file, 1, 1, "un dictionnaire YAML est attendu au premier niveau")]
    alias_problem = _alias_problem(root)
    if alias_problem is not None:
        return None, [Problem(file, 1, 1, alias_problem)]
    problems = [Problem(file, line, column, message) for line, column, message in _duplicate_keys(root)]
    source = SourceMap(root)
    try:
        playbook = Playbook.from_document(document, content_hash=hashlib.sha256(canonical).hexdigest())
    except ValidationError as error:
        for item in _root_causes(error.errors()):
            loc = strip_step_tags(tuple(item["loc"]))
            if item["type"] == "union_tag_invalid":
                loc = (*loc, "kind")  # point at the unknown kind itself
            line, column = source.position(loc, at_key=item["type"] == "extra_forbidden")
            problems.append(Problem(file, line, column, _message(loc, item)))
        return None, sorted(problems)
    if problems:
        return None, sorted(problems)
    return LoadedPlaybook(playbook=playbook, file=file, source=source, text=text), []


def _duplicate_keys(node: yaml.Node) -> list[tuple[int, int, str]]:
    """YAML keeps the last of two equal keys without a word; a playbook author wants to know."""
    found: list[tuple[int, int, str]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key, value in node.value:
            if key.value in seen:
                found.append(
                    (key.start_mark.line + 1, key.start_mark.column + 1, f"clé en double « {key.value} »")
                )
            seen.add(key.value)
            found += _duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found += _duplicate_keys(item)
    return found


MAX_EXPANDED_NODES = 100_000  # the largest shipped playbook has a few thousand nodes
MAX_DEPTH = 100  # YAML allows 1,000 levels; the recursive walks below would overflow Python's stack first


def _alias_problem(root: yaml.Node) -> str | None:
    """Why the document's shape makes it unreadable, else None: an alias inside its own anchor (`&a [*a]`)
    recurses without end, anchors of anchors (`[*a, *a, …]`) grow exponentially once expanded, and deep
    nesting (aliases included) overflows the stack of the walks that follow.

    Found by tests/fuzz: each made the loader hang or raise RecursionError. One iterative pass over the node
    graph: a node met again while it is still being walked is a cycle; sizes and heights are memoised.
    """
    shapes: dict[int, tuple[int, int]] = {}  # id → (nodes once expanded, height)
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        children = _children(node)
        if leaving:
            open_nodes.discard(id(node))
            below = [shapes[id(child)] for child in children]
            size = min(1 + sum(size for size, _ in below), MAX_EXPANDED_NODES + 1)
            shapes[id(node)] = (size, 1 + max((height for _, height in below), default=0))
            continue
        if id(node) in open_nodes:
            return "alias récursif : une ancre contient un alias vers elle-même"
        if id(node) in shapes:
            continue
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children)
    size, height = shapes[id(root)]
    if size > MAX_EXPANDED_NODES:
        return f"document trop grand une fois les alias développés (plus de {MAX_EXPANDED_NODES} nœuds)"
    if height > MAX_DEPTH:
        return f"document imbriqué sur plus de {MAX_DEPTH} niveaux"
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _root_causes(errors: Sequence[Any]) -> list[Any]:
    """Drop the "too short" error pydantic adds to a list whose items failed: the items' errors say it."""
    return [
        item
        for item in errors
        if item["type"] != "too_short"
        or not any(
            o is not item and tuple(o["loc"][: len(item["loc"])]) == tuple(item["loc"]) for o in errors
        )
    ]


def dotted(loc: Loc) -> str:
    """`steps[2].next` for ("steps", 2, "next")."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _message(loc: Loc, item: Any) -> str:
    kind, ctx = item["type"], item.get("ctx") or {}
    where = dotted(loc)
    if kind == "extra_forbidden":
        return f"{where} : clé inconnue"
    if kind == "missing":
        return f"{where} : clé obligatoire absente"
    if kind == "union_tag_invalid":
        return f"{where} : type d'étape inconnu {ctx.get('tag')!r} ; connus : {', '.join(StepKind)}"
    if kind == "union_tag_not_found":
        return f"{where} : clé « kind » absente (type d'étape : {', '.join(StepKind)})"
    if kind == "too_short":
        return f"{where} : au moins {ctx.get('min_length')} élément(s) attendu(s)"
    if kind == "string_pattern_mismatch":
        return f"{where} : valeur {item.get('input')!r} au format invalide (attendu : {ctx.get('pattern')})"
    if kind in ("enum", "literal_error"):
        return f"{where} : valeur {item.get('input')!r} inconnue ; attendues : {ctx.get('expected')}"
    return f"{where} : {TYPE_MESSAGES.get(kind) or str(item['msg']).removeprefix('Value error, ')}"


TYPE_MESSAGES = {
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "string_type": "texte attendu",
    "string_too_short": "texte non vide attendu",
    "bool_type": "booléen attendu (true ou false)",
    "bool_parsing": "booléen attendu (true ou false)",
    "tuple_type": "liste attendue",
    "list_type": "liste attendue",
    "dict_type": "dictionnaire attendu",
    "model_type": "dictionnaire attendu",
    "model_attributes_type": "dictionnaire attendu",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
}
