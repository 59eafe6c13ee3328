"""The pure rules: shares and loads, designation periods, the budget rule, status precedence, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ght_soc.governance.budget import BudgetEntry, check_budget
from ght_soc.governance.catalogue import Profile, load_catalogue
from ght_soc.governance.charts import Bar, Series, bar_chart, line_chart
from ght_soc.governance.enums import (
    ComplianceStatus,
    DesignationRole,
    EvidenceOrigin,
    HygieneLevel,
    ReminderKind,
    ShareUnit,
)
from ght_soc.governance.errors import GovernanceInputError, InputProblem
from ght_soc.governance.evidence import Observations, SourceFinding, automatic_evidence
from ght_soc.governance.maturity import score
from ght_soc.governance.reminders import DesignationEnd, due_reminders
from ght_soc.governance.shares import Share, check_period, check_share, total_load
from ght_soc.governance.status import DesignationFact, Facts, RecordFact, evaluate
from ght_soc.resources import bundled_config_path

CATALOGUE = load_catalogue(bundled_config_path("governance"))
TODAY = date(2026, 11, 29)
AT = datetime(2026, 11, 29, 9, tzinfo=UTC)
PLAIN = Profile(is_support=False, is_ose=False)


def test_shares_over_100_percent_for_one_person_are_flagged_not_refused() -> None:
    shares = [
        (1, Share(60, ShareUnit.PERCENT)),
        (2, Share(40, ShareUnit.PERCENT)),
        (3, Share(4, ShareUnit.DAYS_PER_MONTH)),
    ]
    for _, share in shares:
        check_share(share)  # each share is acceptable on its own
    load = total_load(shares, working_days_per_month=20)
    assert (load.total_percent, load.establishments, load.overloaded) == (120.0, 3, True)
    assert not total_load([(1, Share(100 / 3, ShareUnit.PERCENT))] * 3, 20).overloaded


@pytest.mark.parametrize(
    ("share", "problem"),
    [
        (Share(0, ShareUnit.PERCENT), InputProblem.SHARE_NOT_POSITIVE),
        (Share(-5, ShareUnit.PERCENT), InputProblem.SHARE_NOT_POSITIVE),
        (Share(101, ShareUnit.PERCENT), InputProblem.SHARE_TOO_HIGH),
        (Share(32, ShareUnit.DAYS_PER_MONTH), InputProblem.SHARE_TOO_HIGH),
    ],
)
def test_a_share_one_person_cannot_give_one_establishment_is_refused(
    share: Share, problem: InputProblem
) -> None:
    with pytest.raises(GovernanceInputError) as caught:
        check_share(share)
    assert caught.value.problem is problem


def test_a_designation_ending_before_its_start_is_refused_with_both_dates() -> None:
    with pytest.raises(GovernanceInputError) as caught:
        check_period(date(2026, 9, 1), date(2026, 8, 31))
    assert caught.value.problem is InputProblem.ENDS_BEFORE_START
    assert caught.value.field == "ends_on"
    assert "2026-08-31" in str(caught.value) and "2026-09-01" in str(caught.value)
    check_period(date(2026, 9, 1), date(2026, 9, 1))  # a one-day designation is fine


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (BudgetEntry(2026, -1_000_000, 10_000), InputProblem.BUDGET_NOT_POSITIVE),
        (BudgetEntry(2026, 0, 0), InputProblem.BUDGET_NOT_POSITIVE),
        (BudgetEntry(2026, 5_000_000, -1), InputProblem.BUDGET_NEGATIVE),
        (BudgetEntry(2026, 90_000_000_000, 1_000), InputProblem.BUDGET_ABSURD),
        (BudgetEntry(2026, 1_000_000, 2_000_000), InputProblem.CYBER_OVER_IT),
        (BudgetEntry(1999, 1_000_000, 50_000), InputProblem.YEAR_OUT_OF_RANGE),
        (BudgetEntry(2031, 1_000_000, 50_000), InputProblem.YEAR_OUT_OF_RANGE),
    ],
)
def test_a_negative_or_absurd_budget_is_refused(entry: BudgetEntry, problem: InputProblem) -> None:
    with pytest.raises(GovernanceInputError) as caught:
        check_budget(entry, current_year=2026)
    assert caught.value.problem is problem


def _status(facts: Facts, key: str) -> tuple[ComplianceStatus, EvidenceOrigin]:
    item = next(i for i in evaluate(CATALOGUE, facts, TODAY) if i.key == key)
    return item.status, item.origin


@pytest.mark.parametrize(
    ("budgets", "expected"),
    [
        ((), ComplianceStatus.NOT_MET),
        ((BudgetEntry(2026, 10_000_000, 400_000),), ComplianceStatus.NOT_MET),  # 4 %: below the floor
        ((BudgetEntry(2026, 10_000_000, 500_000),), ComplianceStatus.MET),
        ((BudgetEntry(2026, 10_000_000, 1_500_000),), ComplianceStatus.MET),  # above 10 % is not a problem
        (
            (BudgetEntry(2025, 10_000_000, 700_000),),
            ComplianceStatus.LATE,
        ),  # this year's not entered by April
    ],
)
def test_the_budget_obligation_follows_the_5_to_10_percent_rule(
    budgets: tuple[BudgetEntry, ...], expected: ComplianceStatus
) -> None:
    assert _status(Facts(PLAIN, budgets=budgets), "budget-cyber") == (expected, EvidenceOrigin.HUB)


@pytest.mark.parametrize(
    ("exercises", "expected"),
    [
        ((), ComplianceStatus.NOT_MET),
        ((date(2026, 3, 2),), ComplianceStatus.MET),
        ((date(2025, 10, 1),), ComplianceStatus.LATE),
    ],
)
def test_the_crisis_exercise_must_be_within_twelve_months(
    exercises: tuple[date, ...], expected: ComplianceStatus
) -> None:
    assert _status(Facts(PLAIN, exercises=exercises), "exercice-de-crise")[0] is expected


def test_designations_meet_their_obligation_while_active_and_fall_late_when_ended() -> None:
    active = DesignationFact(DesignationRole.DPO, date(2025, 1, 1), None, "Sophie")
    ended = DesignationFact(DesignationRole.DPO, date(2024, 1, 1), date(2025, 12, 31), "Sophie")
    assert _status(Facts(PLAIN, designations=[active]), "dpo-designe")[0] is ComplianceStatus.MET
    assert _status(Facts(PLAIN, designations=[ended]), "dpo-designe")[0] is ComplianceStatus.LATE
    assert _status(Facts(PLAIN), "dpo-designe")[0] is ComplianceStatus.NOT_MET


def _record(
    key: str,
    status: ComplianceStatus,
    *,
    override: bool = False,
    on: date = TODAY,
    level: HygieneLevel | None = None,
) -> RecordFact:
    return RecordFact(
        key, status, override, "raison" if override else "", AT, "Claire", done_on=on, level=level
    )


LDAP = Observations(
    "ldap",
    "Annuaire (LDAP)",
    {1: AT},
    [SourceFinding(1, "ldap.inactive_enabled_accounts", "Comptes inutilisés")],
)


def test_connector_findings_fill_a_measure_with_their_source_and_a_person_may_override_with_a_reason() -> (
    None
):
    automatic = automatic_evidence(CATALOGUE, [LDAP])[1]
    assert automatic["hygiene-06"].status is ComplianceStatus.NOT_MET
    assert automatic["hygiene-06"].sources == ("Annuaire (LDAP)",)
    assert automatic["hygiene-10"].status is ComplianceStatus.MET  # the directory was read, nothing found
    assert "hygiene-12" not in automatic  # SNMP measures wait for an SNMP source
    facts = Facts(PLAIN, automatic=automatic)
    assert _status(facts, "hygiene-06") == (ComplianceStatus.NOT_MET, EvidenceOrigin.CONNECTOR)
    # a plain self-assessment does not hide an open finding; an override with its reason does
    plain = Facts(
        PLAIN, automatic=automatic, records={"hygiene-06": _record("hygiene-06", ComplianceStatus.MET)}
    )
    assert _status(plain, "hygiene-06")[1] is EvidenceOrigin.CONNECTOR
    overridden = Facts(
        PLAIN,
        automatic=automatic,
        records={"hygiene-06": _record("hygiene-06", ComplianceStatus.MET, override=True)},
    )
    assert _status(overridden, "hygiene-06") == (ComplianceStatus.MET, EvidenceOrigin.OVERRIDE)


def test_a_manual_record_expires_after_the_obligations_validity() -> None:
    fresh = Facts(
        PLAIN,
        records={
            "sauvegardes-hors-ligne": _record(
                "sauvegardes-hors-ligne", ComplianceStatus.MET, on=date(2026, 2, 1)
            )
        },
    )
    old = Facts(
        PLAIN,
        records={
            "sauvegardes-hors-ligne": _record(
                "sauvegardes-hors-ligne", ComplianceStatus.MET, on=date(2025, 6, 1)
            )
        },
    )
    assert _status(fresh, "sauvegardes-hors-ligne") == (ComplianceStatus.MET, EvidenceOrigin.PERSON)
    assert _status(old, "sauvegardes-hors-ligne")[0] is ComplianceStatus.LATE
    assert _status(Facts(PLAIN), "sauvegardes-hors-ligne")[0] is ComplianceStatus.UNKNOWN


def test_an_ose_aims_at_the_reinforced_level_and_gets_its_own_obligations() -> None:
    ose = Profile(is_support=True, is_ose=True)
    keys = {i.key for i in evaluate(CATALOGUE, Facts(ose), TODAY)}
    plain_keys = {i.key for i in evaluate(CATALOGUE, Facts(PLAIN), TODAY)}
    assert {"ose-regles", "ose-contact-anssi", "si-convergent-support", "hygiene-41"} <= keys - plain_keys
    standard = {"hygiene-02": _record("hygiene-02", ComplianceStatus.MET, level=HygieneLevel.STANDARD)}
    assert _status(Facts(ose, records=standard), "hygiene-02")[0] is ComplianceStatus.PARTIAL
    assert _status(Facts(PLAIN, records=standard), "hygiene-02")[0] is ComplianceStatus.MET


def test_maturity_scores_count_late_and_partial_as_half_and_leave_out_what_does_not_apply() -> None:
    items = evaluate(CATALOGUE, Facts(PLAIN, exercises=(date(2025, 1, 1),)), TODAY)
    scores = score(items, [d.key for d in CATALOGUE.domains])
    assert scores.by_domain["continuite"] is not None and 0 < scores.by_domain["continuite"] < 50
    assert scores.overall is not None and scores.overall < 10


def test_reminders_for_an_ending_designation_a_due_exercise_and_a_missing_budget() -> None:
    reminders = due_reminders(
        parameters=CATALOGUE.parameters,
        today=TODAY,
        establishment_ids=[1, 2],
        designation_ends=[
            DesignationEnd(7, 1, "Claire", DesignationRole.POOLED_RSSI, date(2027, 1, 15)),
            DesignationEnd(8, 2, "Paul", DesignationRole.DPO, date(2027, 6, 1)),  # too far ahead
        ],
        last_exercises={1: date(2025, 12, 10), 2: date(2026, 6, 1)},
        budget_years={1: {2026}, 2: {2025}},
    )
    assert {(r.kind, r.establishment_id, r.subject) for r in reminders} == {
        (ReminderKind.DESIGNATION_EXPIRING, 1, "designation:7"),
        (ReminderKind.EXERCISE_DUE, 1, "exercise"),
        (ReminderKind.BUDGET_MISSING, 2, "budget:2026"),
    }


def test_charts_are_plain_svg_with_escaped_labels_and_no_script() -> None:
    svg = bar_chart([Bar("<script>alert(1)</script>", 120), Bar("EHPAD", None)], title="Charge", marker=100)
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert "style=" not in svg  # the CSP forbids inline styles
    line = line_chart(
        [Series("CHU", [(date(2026, 1, 1), 40), (date(2026, 6, 1), 55)]), Series("vide", [])], title="T"
    )
    assert "<polyline" in line and "vide" not in line
