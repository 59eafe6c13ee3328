"""Every kind of broken playbook is reported with its file, line, column and a message naming the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from ght_soc.playbooks.validation import check_file

HEADER = """id: essai
version: 1
title: Essai
start: debut
steps:
"""  # steps begin on line 6

END = """  - id: fin
    kind: end
    title: Fin
"""

NOTE = """  - id: debut
    kind: action
    title: Noter
    action: incident.add_note
    args:
      text: bonjour
    next: fin
"""

CASES = {
    "yaml_syntax_error": (
        "id: essai\nversion: 1\ntitle: [Essai\nstart: debut\n",
        [(4, 6, "YAML invalide")],
    ),
    "unknown_key": (
        HEADER + NOTE.replace("    next: fin\n", "    next: fin\n    couleur: rouge\n") + END,
        [(13, 5, "steps[0].couleur : clé inconnue")],
    ),
    "wrong_type": (
        HEADER.replace("version: 1", "version: premier") + NOTE + END,
        [(2, 10, "version : nombre entier attendu")],
    ),
    "missing_field": (
        HEADER + NOTE.replace("    title: Noter\n", "") + END,
        [(6, 5, "steps[0].title : clé obligatoire absente")],
    ),
    "unknown_step_kind": (
        HEADER + NOTE + END.replace("kind: end", "kind: fin"),
        [(14, 11, "type d'étape inconnu 'fin'")],
    ),
    "cycle": (
        HEADER
        + NOTE.replace("next: fin", "next: pause")
        + """  - id: pause
    kind: wait
    title: Pause
    duration: 30m
    next: debut
"""
        + END,
        [(17, 11, "cycle : debut → pause → debut"), (18, 9, "étape « fin » inatteignable")],
    ),
    "unreachable_step": (
        HEADER + NOTE + NOTE.replace("id: debut", "id: orphelin") + END,
        [(13, 9, "étape « orphelin » inatteignable depuis « debut »")],
    ),
    "unknown_action": (
        HEADER + NOTE.replace("incident.add_note", "incident.erase") + END,
        [(9, 13, "action inconnue « incident.erase » ; connues : declaration.open_draft")],
    ),
    "missing_required_argument": (
        HEADER + NOTE.replace("      text: bonjour\n", "      texte: bonjour\n") + END,
        [(10, 5, "argument obligatoire absent « text »"), (11, 7, "argument inconnu « texte »")],
    ),
    "bad_argument_type": (
        HEADER
        + NOTE.replace("incident.add_note", "events.search").replace(
            "text: bonjour", "query: x\n      limit: beaucoup"
        )
        + END,
        [(12, 14, "argument « limit » invalide : nombre entier attendu")],
    ),
    "bad_expression": (
        HEADER
        + """  - id: debut
    kind: condition
    title: Choix
    branches:
      - when: "incident.severity == 'high' and"
        next: fin
    otherwise: fin
"""
        + END,
        [(10, 47, "expression invalide : syntaxe invalide")],
    ),
    "unknown_name_in_expression": (
        HEADER
        + """  - id: debut
    kind: condition
    title: Choix
    branches:
      - when: incident.gravite == 'high'
        next: fin
    otherwise: fin
"""
        + END,
        [(10, 15, "nom inconnu « incident.gravite »")],
    ),
    "output_of_a_step_that_cannot_precede": (
        HEADER
        + """  - id: debut
    kind: condition
    title: Choix
    branches:
      - when: steps.fin.output.decision == 'oui'
        next: fin
    otherwise: fin
"""
        + END,
        [(10, 15, "l'étape « fin » ne peut pas précéder « debut »")],
    ),
    "unknown_step_reference": (
        HEADER + NOTE.replace("next: fin", "next: ailleurs") + END,
        [(12, 11, "steps[0].next : étape inconnue « ailleurs »"), (13, 9, "étape « fin » inatteignable")],
    ),
    "harmful_action_without_approval": (
        HEADER
        + NOTE.replace("incident.add_note", "ldap.disable_account").replace(
            "text: bonjour", "establishment: chu\n      account: jdupont"
        )
        + END,
        [(9, 13, "une étape d'approbation doit la précéder")],
    ),
    "duplicate_yaml_key": (
        HEADER + NOTE.replace("    title: Noter\n", "    title: Noter\n    title: Encore\n") + END,
        [(9, 5, "clé en double « title »")],
    ),
    "wait_without_timeout": (
        HEADER
        + """  - id: debut
    kind: wait
    title: Attendre
    until: incident.status == 'contained'
    next: fin
"""
        + END,
        [(6, 5, "une attente « until » demande un « timeout »")],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_broken_playbook_is_reported_with_file_line_column_and_message(tmp_path: Path, name: str) -> None:
    text, expected = CASES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")

    loaded, problems = check_file(path)

    assert loaded is None
    found = [(p.file, p.line, p.column) for p in problems]
    assert found == [(str(path), line, column) for line, column, _ in expected], [str(p) for p in problems]
    for problem, (_, _, message) in zip(problems, expected, strict=True):
        assert message in problem.message
        assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: ")


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = HEADER.replace("version: 1", "version: x") + NOTE.replace("    title: Noter\n", "") + END
    path = tmp_path / "many.yaml"
    path.write_text(text.replace("kind: end", "kind: fin"), encoding="utf-8")

    _, problems = check_file(path)

    assert len(problems) == 3
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_an_action_argument_computed_by_an_expression_is_not_type_checked_before_the_run(
    tmp_path: Path,
) -> None:
    text = (
        HEADER.replace("steps:\n", "inputs:\n  - name: nombre\n    type: integer\nsteps:\n")
        + NOTE.replace("incident.add_note", "events.search").replace(
            "text: bonjour", "query: x\n      limit: ${{ inputs.nombre }}"
        )
        + END
    )
    path = tmp_path / "computed.yaml"
    path.write_text(text, encoding="utf-8")

    loaded, problems = check_file(path)

    assert problems == [] and loaded is not None


def test_a_harmful_action_after_an_approval_is_accepted(tmp_path: Path) -> None:
    text = (
        HEADER
        + """  - id: debut
    kind: approval
    title: Décision
    question: Désactiver le compte ?
    roles: [ght_rssi]
    options:
      - {value: oui, label: Oui, next: desactiver}
      - {value: non, label: Non, next: fin}
  - id: desactiver
    kind: action
    title: Désactiver
    action: ldap.disable_account
    args: {establishment: chu, account: jdupont}
    next: fin
"""
        + END
    )
    path = tmp_path / "approved.yaml"
    path.write_text(text, encoding="utf-8")

    loaded, problems = check_file(path)

    assert problems == [] and loaded is not None
