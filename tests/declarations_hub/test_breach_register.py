"""The breach register (GDPR art. 33(5)): an entry per legal entity for every personal-data breach, notified or
not, with the reasoning; the notification read from the filed art. 33 declaration."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ght_soc.access import SYSTEM, Principal
from ght_soc.database import db
from ght_soc.declarations.breaches import (
    BreachEntry,
    BreachOrigin,
    BreachValues,
    CnilDecision,
    PersonsDecision,
    Problem,
)
from ght_soc.declarations.facts import GdprRisk
from ght_soc.models import AuditEvent, BreachRecord, Declaration, DeclarationStatus, Incident, TimelineEntry
from ght_soc.services import breach_entries, breach_register
from ght_soc.services.breach_demo import load_demo_breaches
from ght_soc.services.demo import DEMO_INCIDENT_TITLE, load_demo_declarations
from tests.declarations_hub.conftest import AFFECTED, DISCOVERED, RANSOMWARE, Hub
from tests.declarations_hub.test_documents_service import row_of
from tests.declarations_hub.test_qualification_service import NOW, qualify

NO_PERSONAL_DATA = dataclasses.replace(
    RANSOMWARE, personal_data=False, health_data=False, data_confidentiality=False, persons_concerned=None
)
# A letter with lab results sent to the wrong patient: a breach with no incident, not notified.
LETTER = BreachValues(
    title="Résultats d'analyses adressés à un autre patient",
    aware_at=datetime(2024, 10, 21, 14, 0, tzinfo=UTC),
    occurred_at=datetime(2024, 10, 18, 9, 0, tzinfo=UTC),
    contained_at=datetime(2024, 10, 21, 16, 0, tzinfo=UTC),
    circumstances="Erreur de mise sous pli au laboratoire.",
    confidentiality=True,
    data_categories="identité, résultats d'analyses biologiques",
    health_data=True,
    person_categories="patients",
    persons_count=1,
    records_count=1,
    consequences="Divulgation à un tiers identifié, qui a rapporté le courrier.",
    measures="Courrier récupéré le jour même ; double contrôle de la mise sous pli.",
    risk=GdprRisk.UNLIKELY,
    cnil_decision=CnilDecision.NOT_REQUIRED,
    cnil_reasoning="Destinataire identifié de bonne foi, courrier restitué non ouvert : risque peu probable.",
    persons_decision=PersonsDecision.NOT_REQUIRED,
    persons_reasoning="Pas de risque élevé (art. 34(1)).",
)


def entries(hub: Hub, actor: Principal = SYSTEM, **filters: int) -> list[BreachEntry]:
    with db.session_for(actor, hub.app) as session:
        return breach_entries.register(session=session, context=hub.context, **filters)


def entry_of(hub: Hub, key: str) -> BreachEntry:
    return next(e for e in entries(hub) if e.establishment_id == hub.ids[key])


def entry_of_id(hub: Hub, entry_id: int) -> BreachEntry:
    return next(e for e in entries(hub) if e.id == entry_id)


def edit(hub: Hub, entry_id: int, actor: Principal, now: datetime = NOW, **changes: object) -> BreachEntry:
    with db.session_for(SYSTEM, hub.app) as session:
        row = session.get_one(BreachRecord, entry_id)
        values = dataclasses.replace(breach_entries.values_of(row), **changes)  # type: ignore[arg-type]
        return breach_register.edit(
            session=session, row=row, values=values, context=hub.context, actor=actor, now=now
        )


def record(hub: Hub, key: str, values: BreachValues, actor: Principal, now: datetime = NOW) -> int:
    with db.session_for(SYSTEM, hub.app) as session:
        row = breach_register.record(
            session=session,
            establishment_id=hub.ids[key],
            values=values,
            context=hub.context,
            actor=actor,
            now=now,
        )
        return row.id


def filed(hub: Hub, key: str, at: datetime, late_reasons: str = "", regime: str = "gdpr_art33") -> int:
    """What recording a document as sent leaves behind (the workflow is tested with the documents): the
    register only reads it."""
    with db.session_for(SYSTEM, hub.app) as session:
        row = session.get_one(Declaration, row_of(hub, regime, key=key))
        row.status, row.sent_at, row.sent_recorded_at = DeclarationStatus.SENT, at, at
        row.sent_channel, row.sent_reference = "Téléservice de la CNIL", "CNIL-2024-0042"
        if late_reasons:
            row.draft_values = {**row.draft_values, "late_reasons": late_reasons}
        return row.id


def test_a_qualification_with_personal_data_opens_an_entry_per_legal_entity_prefilled_from_it(
    hub: Hub,
) -> None:
    result = qualify(hub)
    found = entries(hub)
    assert {e.finess_ej for e in found} == {hub.context.establishments[k].finess_ej for k in AFFECTED}
    assert {e.reference for e in found} == {"VDP-2024-001"}  # numbered per establishment and year
    for entry in found:
        assert entry.origin == BreachOrigin.QUALIFICATION
        assert entry.aware_at == DISCOVERED  # the art. 33 T0
        assert (entry.persons_count, entry.health_data, entry.risk) == (12_000, True, GdprRisk.HIGH)
        assert entry.nature == ("perte de confidentialité", "perte de disponibilité")
        assert entry.cnil.decision == CnilDecision.PENDING and entry.title == "Rançongiciel sur le SI partagé"
    assert sum("Registre des violations" in line for line in result.lines) == 3  # on the main courante
    qualify(hub, now=NOW + timedelta(minutes=1))
    assert len(entries(hub)) == 3, "the same answers again open nothing more"


def test_an_incident_without_personal_data_has_no_entry(hub: Hub) -> None:
    qualify(hub, answers=NO_PERSONAL_DATA)
    assert entries(hub) == []


def test_a_requalification_without_personal_data_keeps_the_entry_until_the_dpo_gives_the_reasoning(
    hub: Hub, people
) -> None:
    qualify(hub)
    result = qualify(hub, answers=NO_PERSONAL_DATA, now=NOW + timedelta(hours=1))
    assert any("conservée" in line for line in result.lines)
    chu = entry_of(hub, "chu-tours-demo")
    assert chu.withdrawn_at == NOW + timedelta(hours=1) and Problem.REQUALIFIED in chu.problems
    dpo = hub.principal(people["dpo"])
    with pytest.raises(breach_register.IncompleteEntry) as refused:
        edit(hub, chu.id, dpo, cnil_decision=CnilDecision.NOT_REQUIRED)
    assert refused.value.problems == (Problem.CNIL_REASONING,)
    assert "justification de l'absence de notification à la CNIL est obligatoire" in str(refused.value)
    edit(hub, chu.id, dpo, cnil_decision=CnilDecision.NOT_REQUIRED, cnil_reasoning="Serveurs sans données.")
    assert entry_of(hub, "chu-tours-demo").problems == ()
    qualify(hub, now=NOW + timedelta(hours=2))  # personal data after all: the same entries, not new ones
    assert len(entries(hub)) == 3 and entry_of(hub, "chu-tours-demo").withdrawn_at is None


def test_what_the_dpo_wrote_survives_a_requalification(hub: Hub, people) -> None:
    qualify(hub)
    chu = entry_of(hub, "chu-tours-demo")
    edit(hub, chu.id, hub.principal(people["dpo"]), persons_count=40_000)
    qualify(
        hub, answers=dataclasses.replace(RANSOMWARE, persons_concerned=15_000), now=NOW + timedelta(hours=1)
    )
    assert entry_of(hub, "chu-tours-demo").persons_count == 40_000
    assert entry_of(hub, "ch-amboise-demo").persons_count == 15_000


def test_the_notification_is_read_from_the_filed_art33_declaration(hub: Hub) -> None:
    qualify(hub)
    declaration = filed(hub, "chu-tours-demo", DISCOVERED + timedelta(hours=50))
    chu, amboise = entry_of(hub, "chu-tours-demo"), entry_of(hub, "ch-amboise-demo")
    assert chu.cnil.decision == CnilDecision.NOTIFIED and chu.cnil.declaration_id == declaration
    assert (chu.cnil.at, chu.cnil.reference) == (DISCOVERED + timedelta(hours=50), "CNIL-2024-0042")
    assert chu.cnil.channel == "Téléservice de la CNIL" and not chu.late and chu.problems == ()
    assert amboise.cnil.decision == CnilDecision.PENDING, "each legal entity notifies for itself"
    assert amboise.overdue(DISCOVERED + timedelta(hours=73)) and not amboise.overdue(NOW)
    filed(hub, "chu-tours-demo", DISCOVERED + timedelta(hours=60), regime="gdpr_art34")
    assert entry_of(hub, "chu-tours-demo").persons.decision == PersonsDecision.INFORMED


def test_a_notification_after_72_hours_requires_the_reasons_for_the_delay(hub: Hub, people) -> None:
    qualify(hub)
    filed(hub, "chu-tours-demo", DISCOVERED + timedelta(hours=80))
    chu = entry_of(hub, "chu-tours-demo")
    assert chu.late and chu.problems == (Problem.LATE_REASONS,)
    later = DISCOVERED + timedelta(hours=81)
    dpo = hub.principal(people["dpo"])
    with pytest.raises(breach_register.IncompleteEntry) as refused:
        edit(hub, chu.id, dpo, later, measures="Réinitialisation des comptes.")
    assert refused.value.problems == (Problem.LATE_REASONS,)
    edit(hub, chu.id, dpo, later, late_reasons="Périmètre des données inconnu avant l'expertise.")
    assert entry_of(hub, "chu-tours-demo").problems == ()
    # the reasons given on the filed document itself are read too
    filed(hub, "ch-amboise-demo", DISCOVERED + timedelta(hours=80), late_reasons="Week-end de crise.")
    assert entry_of(hub, "ch-amboise-demo").late_reasons == "Week-end de crise."


def test_a_breach_without_incident_is_recorded_by_hand_and_numbered_in_its_register(hub: Hub, people) -> None:
    dpo = hub.principal(people["dpo"])
    with pytest.raises(breach_register.IncompleteEntry):
        record(hub, "ch-amboise-demo", dataclasses.replace(LETTER, cnil_reasoning=""), dpo)
    assert entries(hub) == [], "nothing is stored when refused"
    first = record(hub, "ch-amboise-demo", LETTER, dpo)
    second = record(hub, "ch-amboise-demo", dataclasses.replace(LETTER, title="Second courrier"), dpo)
    found = {e.id: e for e in entries(hub)}
    assert (found[first].reference, found[second].reference) == ("VDP-2024-001", "VDP-2024-002")
    assert found[first].origin == BreachOrigin.MANUAL and found[first].incident_id is None
    assert found[first].cnil_reasoning.startswith("Destinataire identifié")
    with db.session_for(SYSTEM, hub.app) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target == f"breach_record:{first}")
        )
        assert list(actions) == ["breach.recorded"]


def test_a_reference_counts_in_the_year_of_recording_and_never_changes_when_awareness_moves_to_another_year(
    hub: Hub, people
) -> None:
    """A register number is cited in letters (to the CNIL, to patients): once given it stays. So the yearly
    numbering cannot follow the awareness time, which the DPO or the art. 33 declaration may correct later:
    it counts in the year the entry was recorded, on the establishment's wall clock."""
    dpo = hub.principal(people["dpo"])
    amboise = hub.ids["ch-amboise-demo"]
    letter = record(hub, "ch-amboise-demo", LETTER, dpo)  # recorded on 26 October 2024
    corrected = datetime(2023, 12, 30, 15, 0, tzinfo=UTC)  # known since the year before, it turns out
    occurred = corrected - timedelta(days=2)
    assert edit(hub, letter, dpo, aware_at=corrected, occurred_at=occurred).reference == "VDP-2024-001"
    assert [e.aware_at for e in entries(hub, year=2024, establishment_id=amboise)] == [corrected]
    assert entries(hub, year=2023) == [], "the year filter is the year of recording, the references' year"
    # 23:30 UTC on 31 December 2024 is 00:30 on 1 January 2025 in Paris: a new register year there.
    new_year = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    late = dataclasses.replace(
        LETTER, title="Courrier du réveillon", aware_at=new_year - timedelta(hours=8), contained_at=None
    )
    second = record(hub, "ch-amboise-demo", late, dpo, now=new_year)
    assert entry_of_id(hub, second).reference == "VDP-2025-001", "the year of recording, not of awareness"
    moved = edit(hub, second, dpo, new_year + timedelta(days=3), aware_at=new_year + timedelta(hours=1))
    assert moved.reference == "VDP-2025-001" and moved.aware_at.year == 2025
    assert entry_of_id(hub, letter).reference == "VDP-2024-001"
    with db.session_for(SYSTEM, hub.app) as session:
        assert breach_entries.years(session=session) == [2025, 2024]


def test_an_entry_opened_by_a_qualification_keeps_its_reference_when_the_art33_t0_is_corrected(
    hub: Hub, people
) -> None:
    qualify(hub)  # recorded on 26 October 2024: VDP-2024-001 in each legal entity's register
    t0 = datetime(2023, 12, 31, 22, 30, tzinfo=UTC)  # 23:30 in Paris, the year before
    with db.session_for(SYSTEM, hub.app) as session:
        session.get_one(Declaration, row_of(hub, "gdpr_art33", key="chu-tours-demo")).t0_at = t0
    chu = entry_of(hub, "chu-tours-demo")
    assert chu.aware_at == t0, "awareness is read from the declaration's T0"
    assert chu.reference == "VDP-2024-001"
    qualify(hub, now=NOW + timedelta(hours=1))  # the re-qualification refreshes the row's awareness too
    assert entry_of(hub, "chu-tours-demo").reference == "VDP-2024-001"
    later = record(hub, "chu-tours-demo", LETTER, hub.principal(people["dpo"]), now=NOW + timedelta(days=1))
    assert entry_of_id(hub, later).reference == "VDP-2024-002", "the next number of the year of recording"


def test_edits_need_declare_over_the_establishment_and_are_audited_and_on_the_main_courante(
    hub: Hub, people
) -> None:
    qualify(hub)
    amboise = entry_of(hub, "ch-amboise-demo")
    for who in ("oncall", "site", "director"):  # no DECLARE, or DECLARE over another member only
        with pytest.raises(breach_register.NotAllowed):
            edit(hub, amboise.id, hub.principal(people[who]), measures="Isolement.")
    edit(hub, amboise.id, hub.principal(people["dpo"]), measures="Isolement.", records_count=90_000)
    with db.session_for(SYSTEM, hub.app) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "breach.edited")).one()
        assert event.target == f"breach_record:{amboise.id}" and event.actor_name == "Dpo"
        assert event.details["fields"] == ["records_count", "measures"]  # in the register's order
        assert "Isolement" not in str(event.details), "the audit names fields, not what they say"
        incident = session.get_one(Incident, hub.incident_id)
        texts = session.scalars(
            select(TimelineEntry.text).where(TimelineEntry.incident_id == incident.id)
        ).all()
        written = (
            "VDP-2024-001 modifiée : nombre approximatif d'enregistrements, mesures prises ou envisagées"
        )
        assert any(written in text for text in texts)


def test_a_site_user_sees_only_their_establishments_register(hub: Hub, people) -> None:
    qualify(hub)
    record(hub, "chu-tours-demo", LETTER, hub.principal(people["dpo"]))
    site = hub.principal(people["site"])
    seen = entries(hub, site)
    assert {e.establishment_id for e in seen} == {hub.ids["ch-amboise-demo"]}
    assert entries(hub, site, establishment_id=hub.ids["chu-tours-demo"]) == []
    assert len(entries(hub)) == 4
    assert [e.reference for e in entries(hub, year=2024, establishment_id=hub.ids["chu-tours-demo"])] == [
        "VDP-2024-001",
        "VDP-2024-002",
    ]


def test_the_demo_shows_its_incidents_entries_and_a_letter_not_notified_with_its_reasoning(
    hub: Hub, people
) -> None:
    with db.session_for(SYSTEM, hub.app) as session:
        load_demo_declarations(session=session, now=NOW)
        load_demo_breaches(session=session, now=NOW)
        load_demo_breaches(session=session, now=NOW)  # once only
    found = entries(hub)
    assert len([e for e in found if e.title == DEMO_INCIDENT_TITLE]) == 3  # one per member the incident hits
    (letter,) = [e for e in found if e.origin == BreachOrigin.MANUAL]
    assert letter.incident_id is None and letter.risk == GdprRisk.UNLIKELY and letter.problems == ()
    assert letter.cnil.decision == CnilDecision.NOT_REQUIRED and "art. 33(1)" in letter.cnil_reasoning
    assert letter.contained_at is not None and letter.contained_at - letter.aware_at < timedelta(hours=12)
