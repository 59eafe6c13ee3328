"""Where a YAML file went wrong: pydantic's error locations turned into lines, dotted keys and French reasons.

The configuration, the declaration regimes and the governance catalogue all report `file:line: key: reason`
with these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml


def root_causes(errors: list[Any]) -> list[Any]:
    """Drop the "too short" error pydantic adds to a list whose items failed: the items' errors say it."""
    return [
        item
        for item in errors
        if item["type"] != "too_short"
        or not any(o is not item and o["loc"][: len(item["loc"])] == item["loc"] for o in errors)
    ]


def dotted(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "-"


def reason(item: Any) -> str:
    if item["type"] == "extra_forbidden":
        return "clé inconnue"
    if item["type"] == "missing":
        return "clé obligatoire absente"
    message = str(item["msg"])
    return message.removeprefix("Value error, ")


class LineFinder:
    """Finds the line of a pydantic location in the composed YAML tree (the deepest node that exists)."""

    def __init__(self, root: yaml.Node | None) -> None:
        self._root = root

    def __call__(self, loc: Sequence[str | int]) -> int | None:
        node = self._root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == part:
                        line, child = key.start_mark.line + 1, value
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line
