"""Regime files: the shipped ones load; a broken one is refused naming its file, line, key and reason."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ght_soc.declarations.fields import FIELDS
from ght_soc.declarations.regimes import (
    RegimeError,
    StageKind,
    StartKind,
    UnknownRegime,
    bundled_regimes_dir,
    load_regimes,
)
from tests.declarations.builders import REGIMES

SHIPPED = {"health_is_incident", "ose_nis1", "nis2", "gdpr_art33", "gdpr_art34", "insurance_complaint"}


def test_every_shipped_regime_file_loads_with_its_legal_sources() -> None:
    assert set(REGIMES) == SHIPPED
    assert len(list(bundled_regimes_dir().glob("*.yaml"))) == len(SHIPPED)
    for regime in REGIMES.values():
        assert regime.legal_sources and regime.recipient.name and regime.t0.label
        assert all(set(stage.required_fields) <= set(FIELDS) for stage in regime.stages)


@pytest.mark.parametrize(
    ("regime_id", "stage", "hours", "starts"),
    [
        ("health_is_incident", StageKind.INITIAL, 24, "t0"),
        ("health_is_incident", StageKind.RESOLUTION, 24, "incident:resolved_at"),
        ("ose_nis1", StageKind.INITIAL, 24, "t0"),
        ("nis2", StageKind.EARLY_WARNING, 24, "t0"),
        ("nis2", StageKind.NOTIFICATION, 72, "t0"),
        ("gdpr_art33", StageKind.INITIAL, 72, "t0"),
        ("insurance_complaint", StageKind.INITIAL, 72, "t0"),
    ],
)
def test_the_shipped_deadlines_are_the_texts_or_marked_internal(
    regime_id: str, stage: StageKind, hours: int, starts: str
) -> None:
    found = REGIMES[regime_id].stage(stage)
    assert found.deadline is not None and found.deadline.hours == hours
    assert str(found.starts) == starts
    # "sans délai" has no hours in the texts: such a deadline must say it is our own.
    assert found.internal_sla == ("sans délai" in found.deadline_wording)


def test_the_nis2_final_report_runs_one_month_from_the_notification_sent_and_nis2_is_off() -> None:
    nis2 = REGIMES["nis2"]
    final = nis2.stage(StageKind.FINAL)
    assert (final.starts.kind, final.starts.ref) == (StartKind.SENT, "notification")
    assert final.deadline is not None and final.deadline.months == 1
    assert nis2.enabled is False and nis2.disabled_reason
    assert REGIMES.with_switches({"nis2": True})["nis2"].enabled
    assert nis2 not in REGIMES.enabled()


def test_an_unknown_regime_id_fails_listing_the_known_ones() -> None:
    with pytest.raises(UnknownRegime) as caught:
        REGIMES["nis3"]
    assert (
        "nis3" in str(caught.value) and "gdpr_art33" in str(caught.value) and "ose_nis1" in str(caught.value)
    )


GOOD = (bundled_regimes_dir() / "insurance_complaint.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "reason"),
    [
        ("deadline: {hours: 72}", "deadline: {weeks: 1}", 30, "stages[0].deadline.weeks", "clé inconnue"),
        ("deadline: {hours: 72}", "deadline: {hours: 0}", 30, "stages[0].deadline", "délai nul"),
        ("starts: t0", "starts: sent:final", 29, "stages[0].starts", "ne nomme pas une étape précédente"),
        ("starts: t0", "starts: tomorrow", 29, "stages[0].starts", "attendu : t0"),
        ("{cyber_insured: true}", "{insured: true}", 19, "bound[0]", "'insured' n'est pas un champ"),
        (
            "{malicious: malicious}",
            "{malicious: yes}",
            22,
            "applies_when[0]",
            "booléen reçu (yes, no, on, off",
        ),
        ("{malicious: unknown}", "{malicious: maybe}", 24, "applies_when[1]", "'maybe' inconnue"),
        (
            "complaint_service]",
            "complaint_desk]",
            32,
            "stages[0].required_fields",
            "champs inconnus : complaint_desk",
        ),
        ("proposed_from: discovered_at", "proposed_from: rumour", 17, "t0.proposed_from", "discovered_at"),
    ],
)
def test_a_regime_file_with_an_error_is_refused_naming_file_line_key_and_reason(
    tmp_path: Path, old: str, new: str, line: int, key: str, reason: str
) -> None:
    assert old in GOOD
    (tmp_path / "insurance_complaint.yaml").write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RegimeError) as caught:
        load_regimes(tmp_path)
    problem = caught.value.problems[0]  # a stage starting nowhere also leaves no stage at T0
    assert problem.path.endswith("insurance_complaint.yaml")
    assert (problem.line, problem.key) == (line, key)
    assert reason in problem.reason
    assert str(problem).startswith(f"{tmp_path / 'insurance_complaint.yaml'}:{line}: {key}: ")


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD.replace("hours: 72", "hours: -1"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text("id: x\n  bad: [indent\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text(textwrap.dedent("- just\n- a list\n"), encoding="utf-8")
    (tmp_path / "d.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "e.yaml").write_text(GOOD, encoding="utf-8")  # same id as d.yaml
    with pytest.raises(RegimeError) as caught:
        load_regimes(tmp_path)
    where = [(Path(p.path).name, p.key) for p in caught.value.problems]
    assert where == [
        ("a.yaml", "stages[0].deadline.hours"),
        ("b.yaml", "-"),
        ("c.yaml", "-"),
        ("e.yaml", "id"),
    ]
    assert "déjà utilisé" in caught.value.problems[-1].reason


def test_an_empty_regime_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegimeError, match="aucun fichier de régime"):
        load_regimes(tmp_path)
