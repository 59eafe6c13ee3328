"""Yearly statistics in the observatory's terms, computed from hand-built declaration records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ght_soc.declarations.facts import CareImpact, QualificationAnswers
from ght_soc.declarations.regimes import StageKind
from ght_soc.declarations.statistics import (
    DeclarationRecord,
    DocumentRecord,
    Filings,
    Share,
    compute,
    year_bounds,
    year_of,
)
from ght_soc.domain import EstablishmentCategory, IncidentCategory, Malice

T0 = datetime(2024, 3, 5, 8, 0, tzinfo=UTC)
NOW = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
DEADLINE = T0 + timedelta(hours=24)


def initial(values: dict[str, object] | None = None, **clock: object) -> DocumentRecord:
    """The initial document of a declaration, its clock started at T0 with a 24 h deadline."""
    settings: dict[str, object] = {"starts_at": T0, "deadline_at": DEADLINE, **clock}
    return DocumentRecord(StageKind.INITIAL, values or {}, **settings)  # type: ignore[arg-type]


def report(
    *documents: DocumentRecord,
    incident: int = 1,
    ej: str = "370000001",
    t0: datetime = T0,
    regime: str = "health_is_incident",
    answers: QualificationAnswers | None = None,
    category: EstablishmentCategory = EstablishmentCategory.CH,
    incident_category: IncidentCategory = IncidentCategory.RANSOMWARE,
) -> DeclarationRecord:
    return DeclarationRecord(
        incident_id=incident,
        regime_id=regime,
        finess_ej=ej,
        t0_at=t0,
        establishment_category=category,
        incident_category=incident_category,
        documents=documents or (initial(),),
        answers=answers,
    )


def test_a_shared_incident_filed_by_three_members_is_one_incident_and_three_reports() -> None:
    malicious = QualificationAnswers(malicious=Malice.MALICIOUS, care_impact=CareImpact.DEGRADED_MODE)
    records = [
        report(initial(sent_at=T0 + timedelta(hours=1)), ej="370000001", answers=malicious),
        report(ej="370000002", answers=malicious),
        report(ej="370000003", answers=QualificationAnswers()),
        report(incident=2, ej="370000001", answers=QualificationAnswers(care_impact=CareImpact.NONE)),
    ]
    stats = compute(records, 2024, now=NOW)
    assert (stats.reports, stats.incidents) == (Filings(due=4, filed=1), 2)
    assert stats.malice[Malice.MALICIOUS] == Share(2, 4)
    assert stats.malice[Malice.UNKNOWN] == Share(2, 4)
    assert stats.care_impact == Share(2, 4) and stats.degraded_mode == Share(2, 4)
    assert stats.malice[Malice.MALICIOUS].percent() == 50.0  # rounded only when asked


def test_an_empty_year_gives_zero_counts_and_no_percentage_rather_than_a_division_error() -> None:
    stats = compute([report()], 2023, now=NOW)  # the only report is of 2024
    assert stats.reports == Filings(0, 0) and stats.incidents == 0
    assert all(share == Share(0, 0) for share in stats.malice.values())
    assert stats.care_impact.percent() is None and stats.care_impact.ratio is None
    assert stats.late == Share(0, 0) and (stats.open, stats.overdue) == (0, 0)
    assert stats.months == (0,) * 12 and sum(s.count for s in stats.incident_categories.values()) == 0


def test_malice_that_nobody_stated_is_counted_as_unknown() -> None:
    records = [
        report(ej="1"),  # neither declared nor qualified
        report(ej="2", answers=QualificationAnswers()),  # qualified with the cautious default
        report(
            initial({"malicious": "unknown"}),
            ej="3",
            answers=QualificationAnswers(malicious=Malice.MALICIOUS),
        ),
        report(initial({"malicious": "perhaps"}), ej="4"),  # not a known answer: falls through
    ]
    stats = compute(records, 2024, now=NOW)
    assert stats.malice == {
        Malice.MALICIOUS: Share(0, 4),
        Malice.NOT_MALICIOUS: Share(0, 4),
        Malice.UNKNOWN: Share(4, 4),
    }


def test_what_was_sent_wins_over_a_later_draft_and_the_draft_over_the_qualification() -> None:
    sent = initial({"malicious": "not_malicious"}, sent_at=T0 + timedelta(hours=2))
    later_draft = DocumentRecord(
        StageKind.COMPLEMENT, {"malicious": "malicious"}, updated_at=T0 + timedelta(days=3)
    )
    qualified = QualificationAnswers(malicious=Malice.MALICIOUS, care_impact=CareImpact.TRANSFERS)
    stats = compute(
        [
            report(sent, later_draft, ej="1", answers=qualified),
            report(initial({"malicious": "not_malicious"}), ej="2", answers=qualified),
            report(initial({}), ej="3", answers=qualified),  # nothing declared yet: the qualification says
        ],
        2024,
        now=NOW,
    )
    assert stats.malice[Malice.NOT_MALICIOUS] == Share(2, 3) and stats.malice[Malice.MALICIOUS] == Share(1, 3)
    assert stats.care_levels[CareImpact.TRANSFERS] == Share(3, 3)


@pytest.mark.parametrize("impact", list(CareImpact))
def test_degraded_mode_counts_degraded_mode_and_every_graver_impact_on_care(impact: CareImpact) -> None:
    stats = compute([report(initial({"care_impact": impact.value}))], 2024, now=NOW)
    expected = Share(0 if impact == CareImpact.NONE else 1, 1)
    assert stats.degraded_mode == expected and stats.care_impact == expected
    assert stats.care_levels[impact] == Share(1, 1)


def test_an_impact_on_care_nobody_stated_is_not_stated_rather_than_none() -> None:
    stats = compute([report(), report(initial({"care_impact": "none"}), ej="2")], 2024, now=NOW)
    assert stats.care_not_stated == Share(1, 2) and stats.care_levels[CareImpact.NONE] == Share(1, 2)
    assert stats.care_impact == Share(0, 2)


def test_support_from_cert_sante_is_what_was_declared_and_otherwise_not_stated() -> None:
    records = [
        report(initial({"support_requested": True}), ej="1"),
        report(initial({"support_requested": False}), ej="2"),
        report(initial({"support_requested": None}), ej="3"),
    ]
    stats = compute(records, 2024, now=NOW)
    assert stats.support_requested == Share(1, 3) and stats.support_not_stated == Share(1, 3)


def test_categories_are_read_from_the_declared_label_else_from_the_incident_and_the_member() -> None:
    labels = {IncidentCategory.MAILBOX_COMPROMISE: "Compromission de messagerie"}
    records = [
        report(initial({"incident_category": "Compromission de messagerie"}), ej="1"),
        report(initial({"incident_category": "LockBit 3.0"}), ej="2"),  # free text: the incident's category
        report(initial({"establishment_category": "Centre hospitalier universitaire"}), ej="3"),
        report(ej="4", category=EstablishmentCategory.EPSM, incident_category=IncidentCategory.PHISHING),
    ]
    stats = compute(records, 2024, now=NOW, incident_category_labels=labels)
    assert stats.incident_categories[IncidentCategory.MAILBOX_COMPROMISE] == Share(1, 4)
    assert stats.incident_categories[IncidentCategory.RANSOMWARE] == Share(2, 4)
    assert stats.incident_categories[IncidentCategory.PHISHING] == Share(1, 4)
    assert stats.establishment_categories[EstablishmentCategory.CHU] == Share(1, 4)
    assert stats.establishment_categories[EstablishmentCategory.CH] == Share(2, 4)
    assert stats.establishment_categories[EstablishmentCategory.EPSM] == Share(1, 4)
    assert set(stats.incident_categories) == set(IncidentCategory)  # every category, zero or not


def test_the_year_turns_at_midnight_in_paris_not_in_utc() -> None:
    last_second = datetime(2024, 12, 31, 22, 59, 59, tzinfo=UTC)  # 23:59:59 in Paris (UTC+1)
    new_year = datetime(2024, 12, 31, 23, 0, tzinfo=UTC)  # 00:00 on 1 January 2025 in Paris
    assert (year_of(last_second), year_of(new_year)) == (2024, 2025)
    assert year_bounds(2025) == (new_year, datetime(2025, 12, 31, 23, 0, tzinfo=UTC))
    records = [report(t0=last_second, ej="1"), report(t0=new_year, ej="2")]
    old, new = compute(records, 2024, now=NOW), compute(records, 2025, now=NOW)
    assert (old.reports.due, new.reports.due) == (1, 1)
    assert old.months[11] == 1 and new.months[0] == 1


def test_a_report_is_counted_in_the_month_of_its_t0_on_the_paris_calendar() -> None:
    summer_night = datetime(2024, 7, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 August in Paris (UTC+2)
    stats = compute([report(t0=summer_night)], 2024, now=NOW)
    assert stats.months[7] == 1 and sum(stats.months) == 1


def test_anssi_and_cnil_notifications_are_counted_apart_from_the_reports() -> None:
    sent = initial(sent_at=T0 + timedelta(hours=3))
    records = [
        report(sent, regime="ose_nis1"),
        report(regime="gdpr_art33"),
        report(sent, regime="gdpr_art33", ej="2"),
        report(regime="insurance_complaint"),
    ]
    stats = compute(records, 2024, now=NOW)
    assert stats.reports == Filings(0, 0)
    assert stats.anssi == Filings(1, 1) and stats.cnil == Filings(2, 1)
    assert stats.regimes == {
        "gdpr_art33": Filings(2, 1),
        "insurance_complaint": Filings(1, 0),
        "ose_nis1": Filings(1, 1),
    }


def test_late_and_open_filings_follow_the_clocks_and_leave_out_what_is_no_longer_due() -> None:
    on_time = initial(sent_at=DEADLINE - timedelta(hours=1))
    late = initial(sent_at=DEADLINE + timedelta(minutes=1))
    overdue = initial()  # not sent, its deadline passed long before NOW
    running = initial(deadline_at=NOW + timedelta(hours=2))
    as_known = DocumentRecord(StageKind.COMPLEMENT, starts_at=T0)  # "as facts become known": nothing owed
    waiting = DocumentRecord(StageKind.RESOLUTION)  # starts when the incident is resolved
    gone = initial(obsolete=True)
    records = [
        report(on_time, as_known, waiting, ej="1"),
        report(late, ej="2"),
        report(overdue, gone, ej="3"),
        report(running, ej="4"),
        report(gone, ej="5"),  # every document obsolete: no longer a report at all
    ]
    stats = compute(records, 2024, now=NOW)
    assert stats.late == Share(1, 2)
    assert (stats.open, stats.overdue) == (2, 1)
    assert stats.reports == Filings(4, 2)
