"""CACAO v2.0 export, checked against the OASIS TC's own JSON schemas (vendored in cacao_schemas/)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from ght_soc.playbooks.cacao import playbook_uuid, to_cacao, to_cacao_json
from ght_soc.playbooks.library import playbook_files
from ght_soc.playbooks.validation import check_file
from ght_soc.resources import bundled_playbooks_dir

SCHEMAS = Path(__file__).parent / "cacao_schemas" / "schemas"
BASE = "https://raw.githubusercontent.com/oasis-open/cacao-json-schemas/main/schemas/"
WHEN = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


def _validator() -> Draft7Validator:
    registry: Registry[Any] = Registry()
    for path in SCHEMAS.rglob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        registry = registry.with_resource(
            BASE + path.relative_to(SCHEMAS).as_posix(), Resource.from_contents(contents)
        )
    root = json.loads((SCHEMAS / "playbook.json").read_text(encoding="utf-8"))
    return Draft7Validator(root, registry=registry)


@pytest.mark.parametrize("path", playbook_files(bundled_playbooks_dir()), ids=lambda p: p.stem)
def test_every_shipped_playbook_exports_to_schema_valid_cacao(path: Path) -> None:
    loaded, _ = check_file(path)
    assert loaded is not None
    document = to_cacao(loaded.playbook, exported_at=WHEN)

    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []

    for field in (
        "type",
        "spec_version",
        "id",
        "name",
        "created_by",
        "created",
        "modified",
        "workflow_start",
    ):
        assert field in document
    assert document["spec_version"] == "cacao-2.0" and document["type"] == "playbook"
    assert document["created"] == "2025-03-01T08:30:00Z"
    workflow = document["workflow"]
    assert workflow[document["workflow_start"]]["type"] == "start"
    for step_id, step in workflow.items():
        assert step_id.split("--")[0] == step["type"]
        for key in ("on_completion", "on_success", "on_failure", "on_true", "on_false"):
            if key in step:
                assert step[key] in workflow, (step_id, key)
        for target in [*step.get("next_steps", []), *step.get("cases", {}).values()]:
            assert target in workflow


def test_the_playbook_id_is_the_uuid5_of_id_and_version_and_the_export_is_stable() -> None:
    loaded, _ = check_file(bundled_playbooks_dir() / "rancongiciel.yaml")
    assert loaded is not None
    document = to_cacao(loaded.playbook, exported_at=WHEN)
    identifier = uuid.UUID(document["id"].removeprefix("playbook--"))
    assert identifier.version == 5 and identifier == playbook_uuid(loaded.playbook)
    assert to_cacao_json(loaded.playbook, exported_at=WHEN) == to_cacao_json(
        loaded.playbook, exported_at=WHEN
    )


def test_steps_map_to_cacao_types_manual_commands_and_a_decision_switch() -> None:
    loaded, _ = check_file(bundled_playbooks_dir() / "rancongiciel.yaml")
    assert loaded is not None
    workflow = to_cacao(loaded.playbook, exported_at=WHEN)["workflow"]
    types = [step["type"] for step in workflow.values()]
    assert {"start", "end", "action", "if-condition", "parallel", "switch-condition"} <= set(types)
    approval = next(s for s in workflow.values() if s.get("name") == "Décision de coupure Internet")
    assert approval["commands"][0]["type"] == "manual"
    assert "Couper l'accès Internet du site ?" in approval["commands"][0]["command"]
    switch = workflow[approval["on_completion"]]
    assert switch["type"] == "switch-condition" and set(switch["cases"]) == {"couper", "maintenir"}
    parallel = next(
        s for s in workflow.values() if s["type"] == "parallel" and s["name"] == "Préparer les déclarations"
    )
    assert len(parallel["next_steps"]) == 3


def test_the_schema_check_does_catch_a_broken_export() -> None:
    loaded, _ = check_file(bundled_playbooks_dir() / "hameconnage.yaml")
    assert loaded is not None
    document = to_cacao(loaded.playbook, exported_at=WHEN)
    del document["workflow_start"]
    step_id = next(k for k in document["workflow"] if k.startswith("if-condition--"))
    document["workflow"][step_id]["on_true"] = "pas un identifiant"
    messages = [e.message for e in _validator().iter_errors(document)]
    assert any("workflow_start" in m for m in messages)
    assert any("pas un identifiant" in m for m in messages)
