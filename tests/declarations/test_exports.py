"""Exports: the printable French PDF (checked by extracting its text) and the stable JSON document."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime

from pypdf import PdfReader

from ght_soc.declarations.clocks import ClockEvents, compute_clocks
from ght_soc.declarations.documents import prefill
from ght_soc.declarations.export_json import FORMAT, VERSION, export_document, to_json
from ght_soc.declarations.export_pdf import render_pdf
from ght_soc.declarations.fields import FIELDS
from ght_soc.declarations.qualification import applicable_regimes
from ght_soc.declarations.regimes import StageKind
from tests.declarations.builders import CH, CHU, DISCOVERED, RANSOMWARE, REGIMES, ransomware_incident

GENERATED = datetime(2024, 10, 26, 8, 5, tzinfo=UTC)
REGIME = REGIMES["health_is_incident"]
DUE = applicable_regimes(RANSOMWARE, (CHU, CH), REGIMES, support=CHU)
HEALTH_CH = next(a for a in DUE if a.key == ("health_is_incident", CH.finess_ej))
CLOCKS = compute_clocks(REGIME, ClockEvents(t0=DISCOVERED), timezone="Europe/Paris")
# The declarant's phone is not known yet: the paper form must leave a line for it.
DRAFT = prefill(replace(ransomware_incident(), support_requested=None), REGIME, StageKind.INITIAL, HEALTH_CH)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_pdf_is_a_printable_french_declaration_with_every_field_and_a_signature_block() -> None:
    data = render_pdf(DRAFT, REGIME, HEALTH_CH, CLOCKS, timezone="Europe/Paris", generated_at=GENERATED)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and str(reader.metadata.title).startswith(
        "Déclaration d'incident grave"
    )
    text = pdf_text(data)
    for expected in [
        "Déclaration d'incident grave de sécurité des systèmes d'information de santé",
        "Déclaration initiale",
        "CSP art. L.1111-8-2",
        "Agence du numérique en santé — CERT Santé",
        "formulaire papier adressé à l'ARS",
        f"FINESS EJ {CH.finess_ej}",
        "établissement de santé",
        "dimanche 27 octobre 2024 à 8 h 40 (Europe/Paris, UTC+01:00)",  # the 24 h deadline across the change
        "sans délai",
        "engagement interne du GHT",
        "Impact sur la prise en charge des patients",
        "passage en mode dégradé",
        "Chiffrement des serveurs du DPI partagé",
        "Appui demandé au CERT Santé *",
        "Signature",
        "directeur de l'établissement / délégataire",
    ]:
        assert expected in text, expected
    # The missing field gets a ruled line right after its label.
    assert re.search(r"Appui demandé au CERT Santé \* _{20,}", text)
    for key in DRAFT.fields:  # every field of the document, by its French label
        assert FIELDS[key].label.split(" (")[0] in text, key


def test_a_stage_whose_start_is_unknown_says_its_deadline_is_yet_to_come_and_odd_characters_survive() -> None:
    nis2 = REGIMES.with_switches({"nis2": True})["nis2"]
    found = applicable_regimes(replace(RANSOMWARE, nis2_significant=True), (CH,), [nis2])[0]
    draft = prefill(ransomware_incident(), nis2, StageKind.FINAL, found).with_value(
        "root_cause", "VPN non corrigé → accès initial ≤ 2 h 🙂 <script>&"
    )
    clocks = compute_clocks(nis2, ClockEvents(t0=DISCOVERED), timezone="America/Cayenne")
    text = pdf_text(
        render_pdf(draft, nis2, found, clocks, timezone="America/Cayenne", generated_at=GENERATED)
    )
    assert "à calculer (point de départ non encore connu)" in text
    assert "Directive (UE) 2022/2555, art. 23" in text
    assert "mardi 29 octobre 2024 à 4 h 40 (America/Cayenne, UTC-03:00)" in text  # the 72 h notification
    assert "VPN non corrigé -> accès initial <= 2 h ? <script>&" in text


def test_the_json_export_is_stable_documented_and_typed() -> None:
    clock = CLOCKS[0]
    first = to_json(DRAFT, REGIME, HEALTH_CH, clock, timezone="Europe/Paris", generated_at=GENERATED)
    assert first == to_json(DRAFT, REGIME, HEALTH_CH, clock, timezone="Europe/Paris", generated_at=GENERATED)
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert (data["format"], data["version"]) == (FORMAT, VERSION) == ("ght-soc.declaration", 1)
    assert data["generated_at"] == "2024-10-26T08:05:00Z"
    assert data["regime"]["id"] == "health_is_incident"
    assert data["regime"]["legal_sources"][0]["reference"] == "CSP art. L.1111-8-2"
    assert data["stage"] == {
        "kind": "initial",
        "title": "Déclaration initiale",
        "deadline_wording": "sans délai",
        "internal_sla": True,
    }
    assert data["establishment"]["finess_ej"] == CH.finess_ej
    assert data["clock"]["deadline_at"] == "2024-10-27T07:40:00Z"
    assert data["clock"]["deadline_local"] == "dimanche 27 octobre 2024 à 8 h 40 (Europe/Paris, UTC+01:00)"
    assert [f["key"] for f in data["fields"]] == list(DRAFT.fields)
    by_key = {f["key"]: f for f in data["fields"]}
    assert by_key["discovered_at"]["value"] == "2024-10-26T07:40:00Z"
    assert by_key["finess_et"]["value"] == list(CH.finess_et)
    assert by_key["operations_impact"] == {
        "key": "operations_impact",
        "label": "Impact sur le fonctionnement de l'établissement",
        "section": "Impacts",
        "kind": "bool",
        "required": True,
        "value": True,
        "text": "oui",
    }
    assert data["missing"] == ["support_requested"]
    assert "é" in first  # French kept readable, not \u-escaped
    assert export_document(DRAFT, REGIME, HEALTH_CH, None, timezone="Europe/Paris", generated_at=GENERATED)[
        "clock"
    ] == {
        "timezone": "Europe/Paris",
        "starts_at": None,
        "deadline_at": None,
        "deadline_local": None,
        "sent_at": None,
    }
