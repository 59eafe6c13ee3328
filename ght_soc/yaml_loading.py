"""YAML reading through libyaml when PyYAML has it (about 10x faster), with the same safe semantics.

Configuration, rules, regimes and playbooks are read at every start of the hub and of each test app: the
pure-Python loader made that the slowest part of starting up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def safe_load_all(text: str) -> Iterator[Any]:
    return yaml.load_all(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=SafeLoader)


def compose_all(text: str) -> Iterator[yaml.Node]:
    return yaml.compose_all(text, Loader=SafeLoader)
