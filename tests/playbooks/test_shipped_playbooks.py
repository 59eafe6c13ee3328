"""The shipped playbooks are valid, varied, in French, and published immutably; the CLI checks them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ght_soc.cli import main
from ght_soc.playbooks.actions import ACTIONS
from ght_soc.playbooks.definition import ActionStep, ApprovalStep, StepKind
from ght_soc.playbooks.library import ImmutableVersionError, PlaybookLibrary, playbook_files
from ght_soc.playbooks.loader import content_hash, load_playbook_bytes
from ght_soc.playbooks.validation import check_file
from ght_soc.resources import bundled_playbooks_dir

SHIPPED = playbook_files(bundled_playbooks_dir())
EXPECTED_IDS = {
    "rancongiciel", "compte-compromis", "hameconnage", "fuite-donnees", "equipement-expose", "telemaintenance",
    "hebergeur",
}  # fmt: skip


def test_the_seven_playbooks_of_the_issue_are_shipped() -> None:
    library, problems = PlaybookLibrary.from_directory(bundled_playbooks_dir())
    assert [str(p) for p in problems] == []
    assert {playbook.id for playbook in library} == EXPECTED_IDS


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_a_shipped_playbook_is_clean_and_uses_several_step_kinds_deadlines_and_escalation(path: Path) -> None:
    loaded, problems = check_file(path)
    assert [str(p) for p in problems] == []
    assert loaded is not None
    playbook = loaded.playbook
    kinds = {step.kind for step in playbook.steps}
    assert {StepKind.ACTION, StepKind.MANUAL, StepKind.END} <= kinds and len(kinds) >= 5
    assert any(step.deadline for step in playbook.steps)
    assert any(step.escalate_to for step in playbook.steps)
    assert playbook.triggers.categories
    harmful = [
        s for s in playbook.steps if isinstance(s, ActionStep) and ACTIONS[s.action].harms_member_system
    ]
    assert all(s.id not in {playbook.start} for s in harmful)


def test_the_ransomware_playbook_asks_before_cutting_the_site_off_internet() -> None:
    loaded, _ = check_file(bundled_playbooks_dir() / "rancongiciel.yaml")
    assert loaded is not None
    question = loaded.playbook.step("couper_internet")
    assert isinstance(question, ApprovalStep)
    assert question.question == "Couper l'accès Internet du site ?"
    assert question.separation_of_duties and question.deadline is not None


def test_the_content_hash_is_the_sha256_of_the_canonical_bytes() -> None:
    data = (bundled_playbooks_dir() / "hameconnage.yaml").read_bytes()
    unix, _ = load_playbook_bytes(data, "a.yaml")
    windows, _ = load_playbook_bytes(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"), "b.yaml")
    assert unix is not None and windows is not None
    assert unix.playbook.content_hash == windows.playbook.content_hash == content_hash(data)
    assert len(unix.playbook.content_hash) == 64


def test_a_published_version_cannot_change_its_content(tmp_path: Path) -> None:
    original = bundled_playbooks_dir() / "hameconnage.yaml"
    shutil.copy(original, tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text(
        original.read_text(encoding="utf-8").replace("duration: 24h", "duration: 12h"), encoding="utf-8"
    )
    library, problems = PlaybookLibrary.from_directory(tmp_path)
    assert len(library) == 1
    assert len(problems) == 1 and "déjà publié avec un autre contenu" in problems[0].message
    version_line = original.read_text(encoding="utf-8").splitlines().index("version: 1") + 1
    assert (problems[0].file, problems[0].line) == (str(tmp_path / "b.yaml"), version_line)

    same, _ = check_file(tmp_path / "a.yaml")
    changed, _ = check_file(tmp_path / "b.yaml")
    assert same is not None and changed is not None
    library.add(same)  # the same content again is harmless
    with pytest.raises(ImmutableVersionError):
        library.add(changed)
    assert library.by_hash(same.playbook.content_hash).text == same.text
    assert library.latest("hameconnage").version == 1


def test_the_cli_validates_every_shipped_playbook_by_default() -> None:
    result = CliRunner().invoke(main, ["playbooks", "validate"])
    assert result.exit_code == 0, result.output
    assert f"{len(EXPECTED_IDS)} playbook(s) valide(s)" in result.output


def test_the_cli_lists_every_problem_as_file_line_column_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: essai\nversion: 1\ntitle: Essai\nstart: debut\nsteps:\n"
        "  - id: debut\n    kind: action\n    title: X\n    action: notify.pigeon\n    next: nulle_part\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["playbooks", "validate", str(bad), str(SHIPPED[0])])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        f"{bad}:9:13: action inconnue « notify.pigeon » ; connues : declaration.open_draft, events.search, "
        in result.output
    )
    assert any(line.startswith(f"{bad}:10:11: steps[0].next : étape inconnue") for line in lines)


def test_the_cli_exports_a_playbook_to_cacao(tmp_path: Path) -> None:
    target = tmp_path / "rancongiciel.json"
    result = CliRunner().invoke(
        main,
        ["playbooks", "export-cacao", str(bundled_playbooks_dir() / "rancongiciel.yaml"), "-o", str(target)],
    )
    assert result.exit_code == 0, result.output
    assert '"spec_version": "cacao-2.0"' in target.read_text(encoding="utf-8")
