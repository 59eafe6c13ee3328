"""Loading Sigma rules from folders, unchanged (SigmaHQ's format): a bad file is reported, the others load.

Every error names the file and the line of the YAML document it comes from; nothing stops at the first one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule

from ght_soc import yaml_loading

RULE_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class RuleLoadError:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[SigmaRule | SigmaCorrelationRule, ...]
    errors: tuple[RuleLoadError, ...]


def rule_files(folders: Iterable[Path]) -> list[Path]:
    return sorted(
        p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.suffix in RULE_SUFFIXES
    )


def load_rules(folders: Sequence[Path]) -> RuleSet:
    """Every rule of every `.yml`/`.yaml` file under `folders`; the problems of the others."""
    rules: list[SigmaRule | SigmaCorrelationRule] = []
    errors: list[RuleLoadError] = []
    lines: dict[int, tuple[Path, int]] = {}
    for path in rule_files(folders):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            errors.append(RuleLoadError(path, 1, f"lecture impossible : {error}"))
            continue
        for line, document in _documents(path, text, errors):
            try:
                if not isinstance(document, dict):
                    raise SigmaError("un document de règle doit être un dictionnaire YAML")
                collection = SigmaCollection.from_dicts(
                    [document],
                    collect_errors=True,
                    resolve_references=False,  # a correlation may name a rule of another file: resolved below
                    source=SigmaRuleLocation(path),
                )
            except SigmaError as error:
                errors.append(RuleLoadError(path, line, str(error)))
                continue
            for rule in collection.rules:
                if rule.errors:
                    errors.extend(RuleLoadError(path, line, str(e)) for e in rule.errors)
                elif isinstance(rule, (SigmaRule, SigmaCorrelationRule)):
                    rules.append(rule)
                    lines[id(rule)] = (path, line)
    return RuleSet(rules=tuple(_resolve(rules, lines, errors)), errors=tuple(errors))


def _resolve(
    rules: list[SigmaRule | SigmaCorrelationRule],
    lines: dict[int, tuple[Path, int]],
    errors: list[RuleLoadError],
) -> list[SigmaRule | SigmaCorrelationRule]:
    """Link each correlation to the rules it names; a correlation naming an unknown rule is dropped alone."""
    collection = SigmaCollection(list[SigmaRule | SigmaCorrelationRule | SigmaFilter](rules))
    kept: list[SigmaRule | SigmaCorrelationRule] = []
    for rule in rules:
        if isinstance(rule, SigmaCorrelationRule):
            try:
                rule.resolve_rule_references(collection)
            except SigmaError as error:
                path, line = lines[id(rule)]
                errors.append(RuleLoadError(path, line, str(error)))
                continue
        kept.append(rule)
    return kept


def _documents(path: Path, text: str, errors: list[RuleLoadError]) -> list[tuple[int, Any]]:
    """The YAML documents of a file as data, with the line each starts on; a YAML error names its line."""
    try:
        nodes = list(yaml_loading.compose_all(text))
        data = list(yaml_loading.safe_load_all(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        errors.append(RuleLoadError(path, mark.line + 1 if mark else 1, f"YAML invalide : {error}"))
        return []
    return [(node.start_mark.line + 1, document) for node, document in zip(nodes, data, strict=True) if node]
