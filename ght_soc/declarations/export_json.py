"""JSON export of a declaration document: stable, documented, for archiving and for other tools.

Format `ght-soc.declaration`, version 1 (a change that breaks a reader bumps the version)::

    {
      "format": "ght-soc.declaration", "version": 1,
      "generated_at": "2024-10-26T08:00:00Z",
      "regime": {"id", "title", "legal_sources": [{"reference", "title"}], "recipient": {"name", "channel",
                 "fallback"}},
      "stage": {"kind", "title", "deadline_wording", "internal_sla"},
      "establishment": {"key", "name", "finess_ej", "finess_et": [...], "bound_reason", "reasons": [...]},
      "clock": {"timezone", "starts_at", "deadline_at", "deadline_local", "sent_at"},
      "fields": [{"key", "label", "section", "kind", "required", "value", "text"}],
      "missing": ["key", ...]
    }

Keys are sorted; `fields` keeps the document's order. Instants are ISO 8601 in UTC with a `Z`; `*_local` and
`text` are the French renderings on the establishment's wall clock. `value` is the typed value: string, integer,
boolean, list of strings, instant, or null when blank. A stage without a computed deadline has null
`deadline_at` and `deadline_local`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ght_soc.declarations.clocks import StageClock, format_local
from ght_soc.declarations.documents import Draft, display_value, missing_fields
from ght_soc.declarations.fields import FIELDS, SECTION_LABELS, FieldValue
from ght_soc.declarations.qualification import Applicability
from ght_soc.declarations.regimes import Regime

FORMAT = "ght-soc.declaration"
VERSION = 1


def _instant(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _plain(value: FieldValue) -> Any:
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def export_document(
    draft: Draft,
    regime: Regime,
    declaration: Applicability,
    clock: StageClock | None,
    *,
    timezone: str,
    generated_at: datetime,
) -> dict[str, Any]:
    """The document as plain JSON-ready data (see the module's docstring for the format)."""
    stage = regime.stage(draft.stage)
    deadline = clock.deadline_at if clock is not None else None
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": _instant(generated_at),
        "regime": {
            "id": regime.id,
            "title": regime.title,
            "legal_sources": [{"reference": s.reference, "title": s.title} for s in regime.legal_sources],
            "recipient": {
                "name": regime.recipient.name,
                "channel": regime.recipient.channel,
                "fallback": regime.recipient.fallback,
            },
        },
        "stage": {
            "kind": stage.kind.value,
            "title": stage.title,
            "deadline_wording": stage.deadline_wording,
            "internal_sla": stage.internal_sla,
        },
        "establishment": {
            "key": declaration.establishment_key,
            "name": declaration.establishment_name,
            "finess_ej": declaration.finess_ej,
            "finess_et": list(declaration.finess_et),
            "bound_reason": declaration.bound_reason,
            "reasons": list(declaration.reasons),
        },
        "clock": {
            "timezone": timezone,
            "starts_at": _instant(clock.starts_at if clock else None),
            "deadline_at": _instant(deadline),
            "deadline_local": format_local(deadline, timezone) if deadline else None,
            "sent_at": _instant(clock.sent_at if clock else None),
        },
        "fields": [
            {
                "key": key,
                "label": FIELDS[key].label,
                "section": SECTION_LABELS[FIELDS[key].section],
                "kind": FIELDS[key].kind.value,
                "required": key in draft.required,
                "value": _plain(draft.value(key)),
                "text": display_value(key, draft.value(key), timezone),
            }
            for key in draft.fields
        ],
        "missing": [m.key for m in missing_fields(draft)],
    }


def to_json(
    draft: Draft,
    regime: Regime,
    declaration: Applicability,
    clock: StageClock | None,
    *,
    timezone: str,
    generated_at: datetime,
) -> str:
    """The document as stable JSON text (sorted keys, UTF-8 characters kept, two-space indent)."""
    data = export_document(draft, regime, declaration, clock, timezone=timezone, generated_at=generated_at)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
