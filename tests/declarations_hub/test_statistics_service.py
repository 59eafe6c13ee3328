"""The group's declarations and the year's statistics, gathered from a real hub incident within the reader's scope.

The scenario: the shared-IS ransomware of the `hub` fixture is qualified; the CHU files its health IS report
in time, declaring transfers of patients and support requested from CERT Santé; Amboise files its report
late, declaring the incident not malicious; the EPSM has not filed. Filings are written straight on the rows:
the workflow's approval and mandate rules are tested with the workflow.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from ght_soc.access import SYSTEM, Principal
from ght_soc.database import db
from ght_soc.declarations.clocks import ClockStatus
from ght_soc.declarations.facts import CareImpact
from ght_soc.declarations.statistics import Filings, Share
from ght_soc.declarations.statistics_export import StatisticsReport
from ght_soc.domain import EstablishmentCategory, IncidentCategory, Malice, Role
from ght_soc.models import Declaration, DeclarationStatus
from ght_soc.services import declaration_statistics as statistics
from ght_soc.services import declarations as service
from ght_soc.services.declaration_statistics import GroupFilters
from ght_soc.services.declaration_statistics import group_view as group_view_of
from tests.declarations_hub.conftest import DISCOVERED, RANSOMWARE, Hub
from tests.declarations_hub.test_documents_service import fill, row_of
from tests.declarations_hub.test_qualification_service import qualify

LATER = DISCOVERED + timedelta(days=2)  # the 24 h deadlines have passed, the 72 h ones not yet


def send(hub: Hub, declaration_id: int, sent_at: datetime) -> None:
    """Record a filing on the row itself, as record_sent leaves it."""
    with db.session_for(SYSTEM, hub.app) as session:
        row = session.get_one(Declaration, declaration_id)
        row.status, row.sent_at, row.sent_reference = DeclarationStatus.SENT, sent_at, "SIG-2024-0042"
        service.refresh_clocks(session=session, incident=row.incident, context=hub.context)


def scenario(hub: Hub) -> dict[str, int]:
    """Qualify, then the CHU files in time and Amboise late; the health IS initial report ids by member."""
    qualify(hub)
    ids = {key: row_of(hub, "health_is_incident", key=key) for key in ("chu-tours-demo", "ch-amboise-demo")}
    fill(hub, ids["chu-tours-demo"], {"care_impact": "transfers", "support_requested": True})
    send(hub, ids["chu-tours-demo"], DISCOVERED + timedelta(minutes=50))
    fill(hub, ids["ch-amboise-demo"], {"malicious": "not_malicious", "support_requested": False})
    send(hub, ids["ch-amboise-demo"], DISCOVERED + timedelta(hours=30))
    return ids


def report_as(hub: Hub, principal: Principal, year: int = 2024) -> StatisticsReport:
    with db.session_for(principal, hub.app) as session:
        return statistics.report(session=session, context=hub.context, year=year, now=LATER)


def group_view(hub: Hub, principal: Principal = SYSTEM, **filters: object) -> list[tuple[str, list[tuple]]]:
    """The group view as (establishment key, [(regime, stage, status, clock state, late)]) per member."""
    with db.session_for(principal, hub.app) as session:
        found = group_view_of(
            session=session,
            context=hub.context,
            now=LATER,
            filters=GroupFilters(**filters),  # type: ignore[arg-type]
        )
        return [
            (
                block.establishment.key,
                [
                    (line.regime.id, line.row.stage, line.row.status, line.state, line.late)
                    for line in block.lines
                ],
            )
            for incident in found
            for block in incident.establishments
        ]


def test_the_years_figures_are_those_declared_falling_back_to_the_qualification(hub: Hub) -> None:
    scenario(hub)
    figures = report_as(hub, SYSTEM)
    s = figures.statistics
    assert figures.whole_group
    assert (s.reports, s.incidents) == (Filings(due=3, filed=2), 1)  # one incident, one report per member
    assert s.malice[Malice.MALICIOUS] == Share(2, 3) and s.malice[Malice.NOT_MALICIOUS] == Share(1, 3)
    assert s.care_levels[CareImpact.TRANSFERS] == Share(1, 3)
    assert s.care_levels[CareImpact.DEGRADED_MODE] == Share(2, 3)  # the qualification's, as prefilled
    assert s.care_impact == Share(3, 3) and s.degraded_mode == Share(3, 3)
    assert s.support_requested == Share(1, 3) and s.support_not_stated == Share(1, 3)
    assert s.incident_categories[IncidentCategory.RANSOMWARE] == Share(
        3, 3
    )  # read back from the French label
    assert {c: v.count for c, v in s.establishment_categories.items() if v.count} == {
        EstablishmentCategory.CHU: 1,
        EstablishmentCategory.CH: 1,
        EstablishmentCategory.EPSM: 1,
    }
    assert s.months[9] == 3  # October, Paris time
    assert s.anssi == Filings(1, 0) and s.cnil == Filings(3, 0)
    assert s.late == Share(1, 2)  # Amboise filed after its 24 h
    # owed by a deadline: every started initial stage but the two filed; the 24 h ones are overdue
    assert (s.open, s.overdue) == (11, 2)
    assert report_as(hub, SYSTEM, year=2023).statistics.reports == Filings(0, 0)
    assert report_as(hub, SYSTEM, year=2025).statistics.reports == Filings(0, 0)


def test_the_group_view_shows_every_declaration_by_member_with_its_state(hub: Hub) -> None:
    scenario(hub)
    view = dict(group_view(hub))
    assert list(view) == ["chu-tours-demo", "ch-amboise-demo", "epsm-loches-demo"]  # the support first
    chu, amboise, epsm = view["chu-tours-demo"], view["ch-amboise-demo"], view["epsm-loches-demo"]
    assert chu[0] == ("health_is_incident", "initial", DeclarationStatus.SENT, ClockStatus.DONE, False)
    assert amboise[0] == ("health_is_incident", "initial", DeclarationStatus.SENT, ClockStatus.DONE, True)
    assert epsm[0][3] == ClockStatus.OVERDUE
    assert ("ose_nis1", "initial") in {(line[0], line[1]) for line in chu}
    assert len(chu) + len(amboise) + len(epsm) == 23  # every document, of every regime


def test_the_group_view_filters_by_year_member_regime_and_status(hub: Hub) -> None:
    scenario(hub)
    amboise = hub.ids["ch-amboise-demo"]
    sent = group_view(hub, status=DeclarationStatus.SENT)
    assert [(key, [line[0] for line in lines]) for key, lines in sent] == [
        ("chu-tours-demo", ["health_is_incident"]),
        ("ch-amboise-demo", ["health_is_incident"]),
    ]
    assert [key for key, _ in group_view(hub, regime_id="ose_nis1")] == ["chu-tours-demo"]
    assert [key for key, _ in group_view(hub, establishment_id=amboise)] == ["ch-amboise-demo"]
    assert group_view(hub, year=2023) == [] and len(group_view(hub, year=2024)) == 3


def test_declarations_no_longer_due_stay_in_the_group_view_but_leave_the_statistics(hub: Hub) -> None:
    scenario(hub)
    no_personal_data = dataclasses.replace(
        RANSOMWARE, personal_data=False, health_data=False, data_confidentiality=False
    )
    qualify(hub, answers=no_personal_data)
    obsolete = [line for _, lines in group_view(hub, regime_id="gdpr_art33") for line in lines]
    assert obsolete and {line[2] for line in obsolete} == {DeclarationStatus.OBSOLETE}
    figures = report_as(hub, SYSTEM).statistics
    assert figures.cnil == Filings(0, 0) and "gdpr_art33" not in figures.regimes
    assert figures.reports == Filings(3, 2)


def test_a_site_user_gets_their_own_members_declarations_and_another_members_user_none(
    hub: Hub, people, make_user
) -> None:
    scenario(hub)
    vendome = hub.principal(make_user("correspondant-vendome", Role.SITE_CORRESPONDENT, "ch-vendome-demo"))
    assert group_view(hub, vendome) == []
    figures = report_as(hub, vendome)
    assert figures.statistics.reports == Filings(0, 0) and figures.statistics.incidents == 0
    assert not figures.whole_group and [e.key for e in figures.establishments] == ["ch-vendome-demo"]

    amboise = hub.principal(people["site"])
    assert [key for key, _ in group_view(hub, amboise)] == ["ch-amboise-demo"]
    own = report_as(hub, amboise).statistics
    assert own.reports == Filings(1, 1) and own.malice[Malice.NOT_MALICIOUS] == Share(1, 1)
    years_later = DISCOVERED.replace(year=2026)
    for who, years in ((amboise, [2026, 2024]), (vendome, [2026])):  # the year list is scoped too
        with db.session_for(who, hub.app) as session:
            assert statistics.years(session=session, now=years_later) == years
