"""The safe expression language of playbooks: `when:`, `until:` and `${{ … }}` inside action arguments.

Examples: `inputs.donnees_personnelles and incident.severity in ['high', 'critical']`,
`steps.recherche.output.count > 0`, `severity_at_least(incident.severity, 'high')`.

Why a small language over Python's `ast` rather than a library: simpleeval evaluates Python with a blacklist
(attribute access is allowed unless it starts with `_`), and CEL (cel-python) brings a grammar, a runtime and
its own type system for what is a dozen comparisons; neither gives the validator what it needs, the list of
dotted names with their column, to check them against the steps that can precede. Here the parser is Python's,
only a whitelist of nodes is accepted (anything else is refused with its column), names are only ever looked up
in nested mappings (never `getattr`), and calls only reach the functions of `FUNCTIONS`. Nothing is
`eval`-ed or `exec`-uted.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ght_soc.domain import AlertSeverity

MAX_LENGTH = 1000
MAX_NODES = 200
ROOTS = ("inputs", "incident", "steps")
# Incident fields a playbook may read; the engine fills `incident` in the context with these keys.
INCIDENT_FIELDS = ("title", "category", "severity", "status", "establishments", "malicious", "personal_data")
_LITERAL_NAMES: Mapping[str, object] = {"true": True, "false": False, "null": None}
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(AlertSeverity)}


def _severity_at_least(severity: object, level: object) -> bool:
    try:
        return _SEVERITY_RANK[AlertSeverity(str(severity))] >= _SEVERITY_RANK[AlertSeverity(str(level))]
    except ValueError:
        raise ExpressionEvaluationError(f"sévérité inconnue : {severity!r} ou {level!r}") from None


def _contains(container: object, item: object) -> bool:
    if isinstance(container, str | list | tuple | dict | set | frozenset):
        return item in container
    raise ExpressionEvaluationError("contains() attend une liste ou un texte")


def _text(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(value: object, *rest: object) -> Any:
        if not isinstance(value, str) or not all(isinstance(r, str) for r in rest):
            raise ExpressionEvaluationError("fonction de texte appliquée à autre chose qu'un texte")
        return function(value, *rest)

    return call


def _len(value: object) -> int:
    if isinstance(value, str | list | tuple | dict):
        return len(value)
    raise ExpressionEvaluationError("len() attend une liste ou un texte")


# name → (function, number of arguments)
FUNCTIONS: Mapping[str, tuple[Callable[..., Any], int]] = {
    "len": (_len, 1),
    "contains": (_contains, 2),
    "lower": (_text(str.lower), 1),
    "upper": (_text(str.upper), 1),
    "startswith": (_text(str.startswith), 2),
    "severity_at_least": (_severity_at_least, 2),
}

_COMPARATORS: Mapping[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: bool(a == b),
    ast.NotEq: lambda a, b: bool(a != b),
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
    ast.In: lambda a, b: bool(a in b),
    ast.NotIn: lambda a, b: bool(a not in b),
}
_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare,
    ast.Constant, ast.List, ast.Tuple, ast.Name, ast.Attribute, ast.Call, ast.Load, *_COMPARATORS,
)  # fmt: skip


class ExpressionSyntaxError(ValueError):
    """The text is not an expression of the language; `offset` is the 0-based column in the text."""

    def __init__(self, reason: str, offset: int) -> None:
        self.reason = reason
        self.offset = offset
        super().__init__(f"{reason} (colonne {offset + 1})")


class ExpressionEvaluationError(ValueError):
    """The expression is valid but cannot be evaluated on this context (missing name, wrong types)."""


@dataclass(frozen=True)
class NameRef:
    """A dotted name of the expression (`steps.recherche.output.count`) and its 0-based column."""

    parts: tuple[str, ...]
    offset: int

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.Expression
    names: tuple[NameRef, ...]

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """The value of the expression; `ExpressionEvaluationError` when the context does not fit it."""
        return _evaluate(self.tree.body, context)

    def is_true(self, context: Mapping[str, Any]) -> bool:
        """Evaluate a condition: the result must be a boolean, never a truthy string or number."""
        value = self.evaluate(context)
        if not isinstance(value, bool):
            raise ExpressionEvaluationError(f"une condition doit valoir vrai ou faux, pas {value!r}")
        return value


@lru_cache(maxsize=1024)
def compile_expression(text: str) -> Expression:
    """Parse and check `text`; raise `ExpressionSyntaxError` with the column of the first problem."""
    if len(text) > MAX_LENGTH:
        raise ExpressionSyntaxError(f"expression trop longue (plus de {MAX_LENGTH} caractères)", MAX_LENGTH)
    # Same length, so columns stay true: YAML block scalars bring newlines, Python's parser wants none.
    flat = re.sub(r"\s", " ", text)
    indent = len(flat) - len(flat.lstrip())
    try:
        tree = ast.parse(flat.strip(), mode="eval")
    except SyntaxError as error:
        offset = (error.offset or 0) - 1
        raise ExpressionSyntaxError(
            f"syntaxe invalide : {error.msg}", indent + (offset if offset >= 0 else len(flat.strip()))
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionSyntaxError("expression illisible", 0) from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionSyntaxError("expression trop complexe", indent)
    for node in nodes:
        _check(node, indent)
    return Expression(text=text, tree=tree, names=_dotted_names(tree, indent))


def _check(node: ast.AST, indent: int) -> None:
    """Refuse what the language does not have, with the column of the offending node."""
    column = indent + getattr(node, "col_offset", 0)
    if not isinstance(node, _ALLOWED_NODES):
        raise ExpressionSyntaxError(f"construction interdite : {type(node).__name__}", column)
    if isinstance(node, ast.Constant) and not isinstance(node.value, str | int | float | bool | type(None)):
        raise ExpressionSyntaxError("littéral interdit", column)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionSyntaxError(f"fonction inconnue ; connues : {known}", column)
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ExpressionSyntaxError("arguments nommés ou étoilés interdits", column)
        if len(node.args) != FUNCTIONS[node.func.id][1]:
            expected = FUNCTIONS[node.func.id][1]
            raise ExpressionSyntaxError(f"{node.func.id}() attend {expected} argument(s)", column)
    if isinstance(node, ast.Attribute):
        # Point at the attribute itself, not at the start of the chain it ends.
        attr_column = indent + (node.end_col_offset or 0) - len(node.attr)
        if node.attr.startswith("_"):
            raise ExpressionSyntaxError(f"nom interdit : {node.attr!r}", attr_column)
        if not isinstance(node.value, ast.Attribute | ast.Name):
            raise ExpressionSyntaxError("accès à un attribut d'une valeur calculée interdit", column)
    if isinstance(node, ast.Name) and node.id not in _LITERAL_NAMES and node.id not in FUNCTIONS:
        if node.id not in ROOTS:
            raise ExpressionSyntaxError(f"nom inconnu {node.id!r} ; racines : {', '.join(ROOTS)}", column)


def _dotted_names(tree: ast.Expression, indent: int) -> tuple[NameRef, ...]:
    """Every full dotted name of the expression (`inputs.x`, `steps.a.output.b`), outermost only."""
    found: list[NameRef] = []
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            parts: list[str] = []
            current: ast.expr = node
            while isinstance(current, ast.Attribute):
                inner.add(id(current.value))
                parts.append(current.attr)
                current = current.value
            if isinstance(current, ast.Name):
                parts.append(current.id)
                found.append(NameRef(tuple(reversed(parts)), indent + current.col_offset))
        elif isinstance(node, ast.Name) and id(node) not in inner and node.id in ROOTS:
            found.append(NameRef((node.id,), indent + node.col_offset))
    return tuple(sorted(found, key=lambda ref: ref.offset))


def _evaluate(node: ast.expr, context: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _LITERAL_NAMES:
        return _LITERAL_NAMES[node.id]
    if isinstance(node, ast.Name | ast.Attribute):
        return _lookup(node, context)
    if isinstance(node, ast.List | ast.Tuple):
        return [_evaluate(item, context) for item in node.elts]
    if isinstance(node, ast.BoolOp):
        want = isinstance(node.op, ast.Or)
        for value in node.values:
            if bool(_evaluate(value, context)) is want:
                return want
        return not want
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, context)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand
        raise ExpressionEvaluationError("« - » ne s'applique qu'à un nombre")
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, context)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(right_node, context)
            try:
                if not _COMPARATORS[type(op)](left, right):
                    return False
            except TypeError:
                raise ExpressionEvaluationError(
                    f"comparaison impossible entre {left!r} et {right!r}"
                ) from None
            left = right
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        function, _ = FUNCTIONS[node.func.id]
        return function(*(_evaluate(arg, context) for arg in node.args))
    raise ExpressionEvaluationError(f"construction non évaluable : {type(node).__name__}")


def _lookup(node: ast.Name | ast.Attribute, context: Mapping[str, Any]) -> Any:
    parts: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    assert isinstance(current, ast.Name)  # the parser checks only names and attributes of names reach here
    parts.append(current.id)
    value: Any = context
    for depth, part in enumerate(reversed(parts)):
        # Only plain mappings are walked: no attribute of any Python object is ever reachable.
        if not isinstance(value, Mapping) or part not in value:
            dotted = ".".join(reversed(parts[len(parts) - depth - 1 :]))
            raise ExpressionEvaluationError(f"valeur absente : {dotted}")
        value = value[part]
    return value


_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def templates(text: str) -> Iterator[tuple[int, str]]:
    """Each `${{ expression }}` of a string: (0-based offset of the expression text, expression text)."""
    for match in _TEMPLATE.finditer(text):
        yield match.start(1), match.group(1)


def render(value: Any, context: Mapping[str, Any]) -> Any:
    """Replace the templates of an argument value (recursively through lists and mappings).

    A string that is exactly one `${{ … }}` takes the expression's value and type; templates inside longer
    text are replaced by their text form.
    """
    if isinstance(value, Mapping):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render(item, context) for item in value]
    if not isinstance(value, str) or "${{" not in value:
        return value
    whole = _TEMPLATE.fullmatch(value.strip())
    if whole is not None:
        return compile_expression(whole.group(1)).evaluate(context)
    return _TEMPLATE.sub(lambda m: _as_text(compile_expression(m.group(1)).evaluate(context)), value)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(item) for item in value)
    return str(value)
