"""The playbook expression language: what it computes, and what it refuses (never eval, never attributes)."""

from __future__ import annotations

from typing import Any

import pytest

from ght_soc.playbooks.expressions import (
    ExpressionEvaluationError,
    ExpressionSyntaxError,
    compile_expression,
    render,
)

CONTEXT: dict[str, Any] = {
    "inputs": {"compte": "jdupont", "donnees": True, "hotes": ["pc1", "pc2"]},
    "incident": {"severity": "high", "category": "ransomware", "status": "open", "establishments": ["chu"]},
    "steps": {"recherche": {"output": {"count": 3}}, "decision": {"output": {"decision": "couper"}}},
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("inputs.donnees", True),
        ("not inputs.donnees", False),
        ("incident.severity == 'high' and steps.recherche.output.count > 2", True),
        ("incident.severity in ['low', 'medium'] or false", False),
        ("'chu' in incident.establishments", True),
        ("'chr' not in incident.establishments", True),
        ("0 < steps.recherche.output.count <= 3", True),
        ("len(inputs.hotes) == 2", True),
        ("contains(inputs.hotes, 'pc2')", True),
        ("lower('ABC') == 'abc' and upper('a') == 'A'", True),
        ("startswith(inputs.compte, 'jd')", True),
        ("severity_at_least(incident.severity, 'medium')", True),
        ("severity_at_least(incident.severity, 'critical')", False),
        ("steps.decision.output.decision == 'couper'", True),
        ("-1 < 0", True),
        ("null == null", True),
        ("[1, 2] == [1, 2]", True),
    ],
)
def test_an_expression_computes_its_value(text: str, value: object) -> None:
    assert compile_expression(text).evaluate(CONTEXT) == value


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("inputs.__class__", 8, "nom interdit"),
        ("inputs.compte.__class__.__mro__", 25, "nom interdit"),
        ("().__class__", 4, "nom interdit"),
        ("''.join(['a'])", 1, "fonction inconnue"),
        ("open('/etc/passwd')", 1, "fonction inconnue"),
        ("__import__('os')", 1, "fonction inconnue"),
        ("eval('1')", 1, "fonction inconnue"),
        ("inputs.compte.upper()", 1, "fonction inconnue"),
        ("len(inputs.hotes).real", 1, "attribut d'une valeur calculée"),
        ("inputs.hotes[0]", 1, "Subscript"),
        ("[x for x in inputs.hotes]", 1, "ListComp"),
        ("lambda: 1", 1, "Lambda"),
        ("1 + 1", 1, "BinOp"),
        ("os.system", 1, "nom inconnu 'os'"),
        ("len(x=1)", 1, "arguments nommés"),
        ("len(1, 2)", 1, "attend 1 argument"),
        ("b'abc' == 1", 1, "littéral interdit"),
        ("incident.severity ==", 21, "syntaxe invalide"),
        ("  inputs.donnees and", 21, "syntaxe invalide"),
    ],
)
def test_a_forbidden_or_broken_expression_is_refused_with_its_column(
    text: str, column: int, reason: str
) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_expression(text)
    assert caught.value.offset + 1 == column
    assert reason in caught.value.reason


def test_an_overlong_expression_is_refused() -> None:
    with pytest.raises(ExpressionSyntaxError):
        compile_expression(" or ".join(["true"] * 400))


@pytest.mark.parametrize(
    "text",
    [
        "inputs.absent == 1",
        "steps.inconnue.output.x",
        "incident.severity < 3",
        "len(incident.severity == 'high')",
        "severity_at_least('énorme', 'high')",
    ],
)
def test_an_expression_that_does_not_fit_the_context_fails_with_a_typed_error(text: str) -> None:
    with pytest.raises(ExpressionEvaluationError):
        compile_expression(text).evaluate(CONTEXT)


def test_a_name_only_walks_mappings_never_object_attributes() -> None:
    class Secret:
        password = "hunter2"

    context = {"inputs": {"objet": Secret()}}
    with pytest.raises(ExpressionEvaluationError):
        compile_expression("inputs.objet.password").evaluate(context)


def test_a_condition_must_be_a_boolean() -> None:
    assert compile_expression("inputs.donnees").is_true(CONTEXT) is True
    with pytest.raises(ExpressionEvaluationError):
        compile_expression("inputs.compte").is_true(CONTEXT)


def test_the_dotted_names_of_an_expression_are_listed_with_their_column() -> None:
    expression = compile_expression("inputs.donnees and steps.recherche.output.count > 0")
    assert [(ref.dotted, ref.offset) for ref in expression.names] == [
        ("inputs.donnees", 0),
        ("steps.recherche.output.count", 19),
    ]


def test_templates_keep_the_type_of_a_whole_value_and_make_text_inside_longer_strings() -> None:
    arguments = {
        "to": ["rssi", "${{ inputs.compte }}"],
        "limit": "${{ steps.recherche.output.count }}",
        "body": "Compte ${{ inputs.compte }} : ${{ steps.recherche.output.count }} événements, "
        "données ${{ inputs.donnees }}",
    }
    assert render(arguments, CONTEXT) == {
        "to": ["rssi", "jdupont"],
        "limit": 3,
        "body": "Compte jdupont : 3 événements, données oui",
    }
