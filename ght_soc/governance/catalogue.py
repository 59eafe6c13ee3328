"""The obligations and hygiene-guide catalogue: two YAML files of config/governance/, read into frozen objects.

Every problem of both files is reported at once, each naming the file, the line and the key.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ght_soc import yaml_loading
from ght_soc.governance.enums import Applicability, CheckKind, DesignationRole, HygieneLevel
from ght_soc.yaml_locations import LineFinder, dotted, reason

M = TypeVar("M", bound=BaseModel)

OBLIGATIONS_FILE = "obligations.yaml"
HYGIENE_FILE = "hygiene_guide.yaml"

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$")]
Text = Annotated[str, Field(min_length=1, max_length=300)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameters(_Frozen):
    working_days_per_month: float = Field(default=20, gt=0, le=31)
    budget_min_percent: float = Field(default=5, ge=0, le=100)
    budget_max_percent: float = Field(default=10, ge=0, le=100)
    budget_due_month: int = Field(default=3, ge=1, le=12)
    designation_warning_days: int = Field(default=60, ge=1, le=366)
    exercise_warning_days: int = Field(default=30, ge=1, le=366)
    reinforced_level_for: tuple[Applicability, ...] = (Applicability.OSE,)

    @model_validator(mode="after")
    def _budget_range(self) -> Parameters:
        if self.budget_max_percent < self.budget_min_percent:
            raise ValueError("budget_max_percent est inférieur à budget_min_percent")
        return self


class Domain(_Frozen):
    """A column of the maturity matrix (CaRE axes and domains)."""

    key: Key
    title: Text
    axis: str = ""


class Obligation(_Frozen):
    key: Key
    title: Text
    domain: Key
    source: Text
    check: CheckKind
    roles: tuple[DesignationRole, ...] = ()
    applies_to: tuple[Applicability, ...] = (Applicability.ALL,)
    validity_months: int | None = Field(default=None, ge=1, le=120)
    automatic: tuple[Annotated[str, Field(min_length=1)], ...] = ()

    @model_validator(mode="after")
    def _roles_with_designation(self) -> Obligation:
        if self.check is CheckKind.DESIGNATION and not self.roles:
            raise ValueError("une obligation « designation » doit lister ses rôles (roles)")
        if self.check is not CheckKind.DESIGNATION and self.roles:
            raise ValueError("roles ne sert qu'aux obligations « designation »")
        return self


class Measure(_Frozen):
    """One measure of the ANSSI hygiene guide."""

    number: int = Field(ge=1, le=99)
    chapter: Text
    title: Text
    domain: Key
    levels: tuple[HygieneLevel, ...] = Field(min_length=1)
    automatic: tuple[Annotated[str, Field(min_length=1)], ...] = ()

    @property
    def key(self) -> str:
        return f"hygiene-{self.number:02d}"

    @property
    def reinforced_only(self) -> bool:
        return HygieneLevel.STANDARD not in self.levels


class _ObligationsFile(_Frozen):
    parameters: Parameters = Parameters()
    domains: tuple[Domain, ...] = Field(min_length=1)
    obligations: tuple[Obligation, ...] = Field(min_length=1)


class _HygieneFile(_Frozen):
    source: Text
    measures: tuple[Measure, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Profile:
    """What decides which obligations apply to an establishment."""

    is_support: bool
    is_ose: bool

    def matches(self, selectors: Sequence[Applicability]) -> bool:
        return any(
            s is Applicability.ALL
            or (s is Applicability.SUPPORT and self.is_support)
            or (s is Applicability.OSE and self.is_ose)
            for s in selectors
        )


@dataclass(frozen=True)
class Catalogue:
    parameters: Parameters
    domains: tuple[Domain, ...]
    obligations: tuple[Obligation, ...]
    measures: tuple[Measure, ...]
    hygiene_source: str

    def domain_title(self, key: str) -> str:
        return next((d.title for d in self.domains if d.key == key), key)

    def obligation(self, key: str) -> Obligation | None:
        return next((o for o in self.obligations if o.key == key), None)

    def measure(self, key: str) -> Measure | None:
        return next((m for m in self.measures if m.key == key), None)

    def title(self, key: str) -> str:
        item = self.obligation(key) or self.measure(key)
        return item.title if item is not None else key

    def applicable_obligations(self, profile: Profile) -> tuple[Obligation, ...]:
        return tuple(o for o in self.obligations if profile.matches(o.applies_to))

    def applicable_measures(self, profile: Profile) -> tuple[Measure, ...]:
        """Every measure with a standard level; reinforced-only ones for establishments aiming that high."""
        reinforced = profile.matches(self.parameters.reinforced_level_for)
        return tuple(m for m in self.measures if reinforced or not m.reinforced_only)

    def targets_reinforced(self, profile: Profile) -> bool:
        return profile.matches(self.parameters.reinforced_level_for)

    def automatic_patterns(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(item key, finding patterns) for every obligation and measure that connectors can inform."""
        items: tuple[Obligation | Measure, ...] = (*self.obligations, *self.measures)
        for item in items:
            if item.automatic:
                yield item.key, item.automatic


def matches(pattern: str, finding: str) -> bool:
    return fnmatch.fnmatchcase(finding, pattern)


@dataclass(frozen=True)
class CatalogueProblem:
    path: str
    line: int | None
    key: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.reason}"


class CatalogueError(Exception):
    """The catalogue cannot be used; `problems` lists every reason, each with its file and line."""

    def __init__(self, problems: Sequence[CatalogueProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_catalogue(directory: Path) -> Catalogue:
    """Read obligations.yaml and hygiene_guide.yaml from `directory`; raise CatalogueError on any problem."""
    problems: list[CatalogueProblem] = []
    obligations = _parse(directory / OBLIGATIONS_FILE, _ObligationsFile, problems)
    hygiene = _parse(directory / HYGIENE_FILE, _HygieneFile, problems)
    if obligations is not None and hygiene is not None:
        problems += _cross_checks(directory, obligations[0], obligations[1], hygiene[0], hygiene[1])
    if problems or obligations is None or hygiene is None:
        raise CatalogueError(problems)
    return Catalogue(
        parameters=obligations[0].parameters,
        domains=obligations[0].domains,
        obligations=obligations[0].obligations,
        measures=tuple(sorted(hygiene[0].measures, key=lambda m: m.number)),
        hygiene_source=hygiene[0].source,
    )


@cache
def cached_catalogue(directory: Path) -> Catalogue:
    """The catalogue of `directory`, read once per process (the files change only with a restart)."""
    return load_catalogue(directory)


def _parse(path: Path, model: type[M], problems: list[CatalogueProblem]) -> tuple[M, LineFinder] | None:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        problems.append(CatalogueProblem(shown, None, "-", f"lecture impossible : {error.strerror}"))
        return None
    try:
        raw = yaml_loading.safe_load(text)
        tree = yaml_loading.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(CatalogueProblem(shown, line, "-", f"YAML invalide : {error}"))
        return None
    lines = LineFinder(tree)
    if not isinstance(raw, dict):
        problems.append(CatalogueProblem(shown, 1, "-", "un dictionnaire YAML est attendu au premier niveau"))
        return None
    try:
        return model.model_validate(raw), lines
    except ValidationError as error:
        for item in error.errors():
            loc = tuple(item["loc"])
            problems.append(CatalogueProblem(shown, lines(loc), dotted(loc), reason(item)))
        return None


def _cross_checks(
    directory: Path,
    obligations: _ObligationsFile,
    obligation_lines: LineFinder,
    hygiene: _HygieneFile,
    hygiene_lines: LineFinder,
) -> list[CatalogueProblem]:
    problems: list[CatalogueProblem] = []
    o_path, h_path = str(directory / OBLIGATIONS_FILE), str(directory / HYGIENE_FILE)
    domains = {d.key for d in obligations.domains}

    def problem(path: str, lines: LineFinder, loc: tuple[str | int, ...], reason: str) -> None:
        problems.append(CatalogueProblem(path, lines(loc), dotted(loc), reason))

    for index, domain in enumerate(obligations.domains):
        if [d.key for d in obligations.domains].index(domain.key) != index:
            problem(o_path, obligation_lines, ("domains", index, "key"), f"domaine en double : {domain.key}")
    seen: set[str] = set()
    for index, obligation in enumerate(obligations.obligations):
        if obligation.key in seen:
            problem(
                o_path, obligation_lines, ("obligations", index, "key"), f"clé en double : {obligation.key}"
            )
        seen.add(obligation.key)
        if obligation.domain not in domains:
            problem(
                o_path,
                obligation_lines,
                ("obligations", index, "domain"),
                _unknown(obligation.domain, domains),
            )
    numbers: set[int] = set()
    for index, measure in enumerate(hygiene.measures):
        if measure.number in numbers:
            problem(
                h_path, hygiene_lines, ("measures", index, "number"), f"mesure en double : {measure.number}"
            )
        numbers.add(measure.number)
        if measure.domain not in domains:
            problem(h_path, hygiene_lines, ("measures", index, "domain"), _unknown(measure.domain, domains))
    return problems


def _unknown(value: str, known: set[str]) -> str:
    return f"domaine inconnu {value!r} (connus : {', '.join(sorted(known))})"
