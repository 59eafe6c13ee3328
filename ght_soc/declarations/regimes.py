"""Declaration regimes as data: `config/regimes/*.yaml` loaded into frozen, typed objects.

A regime file says, with its legal sources, who is bound (`bound`: conditions on the establishment), when the
regime applies (`applies_when`: conditions on the qualification answers), what the T0 is, and its stages: what
starts each stage's clock (`starts`), its deadline, its recipient and the fields it requires.

Conditions are lists read as "any of": each item has a `when` mapping read as "all of" (a value is an exact
match, a list is "one of") and the French `reason` shown to the user when it matches.

`starts` is one of `t0` (the regime's own T0, stored per declaration), `sent:<stage>` (when an earlier stage was
sent), `incident:<timestamp>` (e.g. `incident:resolved_at`) or `request` (the recipient asked for it).
A deadline is `{months, days, hours, minutes}`: hours and minutes are elapsed time, months and days are calendar
arithmetic in the establishment's zone. `internal_sla: true` marks a deadline the texts do not give in hours
("sans délai"): it is our own service level, to be corrected in the file.

Every problem of every file is reported at once as `file:line: key: reason` (:class:`RegimeError`), so the hub
refuses to start rather than compute a wrong deadline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ght_soc import yaml_loading
from ght_soc.declarations.facts import EstablishmentFacts, QualificationAnswers, condition_fields
from ght_soc.declarations.fields import FIELDS
from ght_soc.resources import bundled_config_path

# The settings loader's line finding and error wording, shared so every config error reads the same.
from ght_soc.settings import ConfigError, ConfigProblem
from ght_soc.yaml_locations import LineFinder, dotted, reason, root_causes


class StageKind(StrEnum):
    INITIAL = "initial"
    COMPLEMENT = "complement"
    RESOLUTION = "resolution"
    EARLY_WARNING = "early_warning"
    NOTIFICATION = "notification"
    INTERMEDIATE = "intermediate"
    FINAL = "final"


class StartKind(StrEnum):
    T0 = "t0"
    SENT = "sent"
    INCIDENT = "incident"
    REQUEST = "request"


class IncidentTime(StrEnum):
    """The incident timestamps a T0 may be proposed from, or a stage may start at."""

    OCCURRED = "occurred_at"
    DETECTED = "detected_at"
    DISCOVERED = "discovered_at"
    QUALIFIED = "qualified_at"
    CONTAINED = "contained_at"
    RESOLVED = "resolved_at"


class DeclarantScope(StrEnum):
    LEGAL_ENTITY = "legal_entity"  # one declaration per affected FINESS EJ that is bound


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LegalSource(_Frozen):
    reference: str = Field(min_length=1)
    title: str = ""
    url: str | None = None


class Recipient(_Frozen):
    name: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    fallback: str = ""


class Condition(_Frozen):
    """All of `when` must hold; `reason` is shown, in French, when it does."""

    when: dict[str, bool | str | tuple[str, ...]] = Field(min_length=1)
    reason: str = Field(min_length=1)

    def matches(self, facts: EstablishmentFacts | QualificationAnswers) -> bool:
        for key, expected in self.when.items():
            actual = getattr(facts, key)
            if isinstance(expected, tuple):
                if actual not in expected:
                    return False
            elif actual != expected:
                return False
        return True


def _check_condition(
    when: Mapping[str, bool | str | tuple[str, ...]], usable: dict[str, type], subject: str
) -> None:
    for key, expected in when.items():
        kind = usable.get(key)
        if kind is None:
            raise ValueError(
                f"{key!r} n'est pas un champ de {subject} ; connus : {', '.join(sorted(usable))}"
            )
        if kind is bool:
            if not isinstance(expected, bool):
                raise ValueError(f"{key} : true ou false attendu")
            continue
        allowed = [member.value for member in kind]  # type: ignore[attr-defined]
        for value in expected if isinstance(expected, tuple) else (expected,):
            if isinstance(value, bool):  # YAML 1.1 reads a bare yes/no/on/off as a boolean
                raise ValueError(
                    f"{key} : booléen reçu (yes, no, on, off sans guillemets sont lus comme true/false) ; "
                    f"valeurs connues : {', '.join(allowed)}"
                )
            if value not in allowed:
                raise ValueError(f"{key} : valeur {value!r} inconnue ; connues : {', '.join(allowed)}")


class EstablishmentCondition(Condition):
    """A condition on :class:`EstablishmentFacts` (who is bound)."""

    @model_validator(mode="after")
    def _fields_exist(self) -> EstablishmentCondition:
        _check_condition(self.when, condition_fields(EstablishmentFacts), "l'établissement")
        return self


class AnswerCondition(Condition):
    """A condition on :class:`QualificationAnswers` (when the regime applies)."""

    @model_validator(mode="after")
    def _fields_exist(self) -> AnswerCondition:
        _check_condition(self.when, condition_fields(QualificationAnswers), "la qualification")
        return self


class ClockStart(_Frozen):
    kind: StartKind
    ref: str | None = None  # the stage for SENT, the incident timestamp for INCIDENT

    @classmethod
    def parse(cls, text: str) -> ClockStart:
        name, _, ref = text.partition(":")
        if name in (StartKind.T0, StartKind.REQUEST) and not ref:
            return cls(kind=StartKind(name))
        if name == StartKind.SENT and ref in StageKind.__members__.values():
            return cls(kind=StartKind.SENT, ref=ref)
        if name == StartKind.INCIDENT and ref in IncidentTime.__members__.values():
            return cls(kind=StartKind.INCIDENT, ref=ref)
        raise ValueError(
            "attendu : t0, request, sent:<étape> ou incident:<"
            + "|".join(t.value for t in IncidentTime)
            + f">, reçu {text!r}"
        )

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}" if self.ref else str(self.kind)


_OFFSET = re.compile(r"^(?:(?P<percent>\d{1,2})%|(?P<amount>\d+)\s*(?P<unit>min|h|d))$")


class ReminderOffset(_Frozen):
    """A reminder: when a share of the time allowed has gone (`50%`), or a duration before the deadline."""

    elapsed_fraction: float | None = None
    before: timedelta | None = None

    @classmethod
    def parse(cls, text: str) -> ReminderOffset:
        match = _OFFSET.match(text.strip())
        if match is None:
            raise ValueError(f"rappel attendu sous la forme 50%, 2h, 30min ou 1d, reçu {text!r}")
        if match["percent"]:
            return cls(elapsed_fraction=int(match["percent"]) / 100)
        unit = {"min": "minutes", "h": "hours", "d": "days"}[match["unit"]]
        return cls(before=timedelta(**{unit: int(match["amount"])}))


class Delay(_Frozen):
    months: int = Field(default=0, ge=0)
    days: int = Field(default=0, ge=0)
    hours: int = Field(default=0, ge=0)
    minutes: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _not_zero(self) -> Delay:
        if not (self.months or self.days or self.hours or self.minutes):
            raise ValueError("un délai nul n'a pas de sens : omettre `deadline` pour « sans échéance »")
        return self


class Stage(_Frozen):
    kind: StageKind
    title: str = Field(min_length=1)
    starts: ClockStart
    deadline: Delay | None = None  # None: no computed deadline (on request, as facts become known)
    deadline_wording: str = Field(min_length=1)  # the texts' own words: "sans délai", "72 heures"...
    internal_sla: bool = False
    repeatable: bool = False
    required_fields: tuple[str, ...] = Field(min_length=1)
    reminders: tuple[ReminderOffset, ...] | None = None  # None: the hub's default reminders
    note: str = ""

    @field_validator("starts", mode="before")
    @classmethod
    def _parse_start(cls, value: Any) -> Any:
        return ClockStart.parse(value) if isinstance(value, str) else value

    @field_validator("reminders", mode="before")
    @classmethod
    def _parse_reminders(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(ReminderOffset.parse(v) if isinstance(v, str) else v for v in value)
        return value

    @field_validator("required_fields")
    @classmethod
    def _known_fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in FIELDS]
        if unknown:
            raise ValueError(f"champs inconnus : {', '.join(unknown)} (voir ght_soc/declarations/fields.py)")
        return value


class T0Spec(_Frozen):
    label: str = Field(min_length=1)  # what starts the clock, in the texts' words
    proposed_from: IncidentTime  # the incident timestamp offered as T0; the user may correct it


class Regime(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    title: str = Field(min_length=1)
    short_title: str = Field(min_length=1, max_length=40)
    enabled: bool = True
    disabled_reason: str = ""
    legal_sources: tuple[LegalSource, ...] = Field(min_length=1)
    recipient: Recipient
    declarant: DeclarantScope = DeclarantScope.LEGAL_ENTITY
    # The support establishment declares too, for the shared IS, when the incident touches it.
    support_declares_for_shared_is: bool = False
    reviewed_by_dpo: bool = False
    t0: T0Spec
    bound: tuple[EstablishmentCondition, ...] = Field(min_length=1)
    applies_when: tuple[AnswerCondition, ...] = Field(min_length=1)
    stages: tuple[Stage, ...] = Field(min_length=1)
    notes: tuple[str, ...] = ()

    def stage(self, kind: StageKind) -> Stage:
        """The stage of this kind; KeyError if the regime has none."""
        for stage in self.stages:
            if stage.kind == kind:
                return stage
        raise KeyError(f"{self.id} has no stage {kind}")

    @property
    def legal_basis(self) -> str:
        return " ; ".join(source.reference for source in self.legal_sources)


def _stage_problems(regime: Regime) -> list[tuple[tuple[str | int, ...], str]]:
    """Stage order rules: unique kinds, `sent:` names an earlier stage, one stage at least starts at T0."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[StageKind] = set()
    for index, stage in enumerate(regime.stages):
        if stage.kind in seen:
            found.append((("stages", index, "kind"), f"étape en double : {stage.kind}"))
        if stage.starts.kind == StartKind.SENT and stage.starts.ref not in seen:
            found.append((("stages", index, "starts"), f"{stage.starts} ne nomme pas une étape précédente"))
        seen.add(stage.kind)
    if not any(stage.starts.kind == StartKind.T0 for stage in regime.stages):
        found.append((("stages",), "aucune étape ne part du T0 du régime"))
    return found


class RegimeError(ConfigError):
    """One or more regime files cannot be used; `problems` lists every reason."""


class UnknownRegime(KeyError):
    """A regime id that no file defines; the message lists the known ones."""


class RegimeRegistry(Mapping[str, Regime]):
    """The loaded regimes by id, disabled ones included (qualification skips them)."""

    def __init__(self, regimes: Mapping[str, Regime]) -> None:
        self._regimes = dict(regimes)

    def __getitem__(self, regime_id: str) -> Regime:
        try:
            return self._regimes[regime_id]
        except KeyError:
            known = ", ".join(sorted(self._regimes)) or "aucun"
            raise UnknownRegime(f"régime inconnu : {regime_id!r} ; connus : {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._regimes)

    def __len__(self) -> int:
        return len(self._regimes)

    def enabled(self) -> tuple[Regime, ...]:
        return tuple(r for r in self._regimes.values() if r.enabled)

    def with_switches(self, switches: Mapping[str, bool]) -> RegimeRegistry:
        """A copy with regimes switched on or off (e.g. NIS2 once the French law applies)."""
        changed = dict(self._regimes)
        for regime_id, enabled in switches.items():
            changed[regime_id] = self[regime_id].model_copy(update={"enabled": enabled})
        return RegimeRegistry(changed)


def bundled_regimes_dir() -> Path:
    """The shipped regime files: `config/regimes` in a checkout, its copy inside an installed wheel."""
    return bundled_config_path("regimes")


def load_regimes(folder: Path | None = None) -> RegimeRegistry:
    """Load every `*.yaml` of `folder` (default: the shipped ones); raise :class:`RegimeError` listing all problems."""
    folder = bundled_regimes_dir() if folder is None else folder
    files = sorted(folder.glob("*.yaml"))
    problems: list[ConfigProblem] = []
    if not files:
        problems.append(ConfigProblem(str(folder), None, "-", "aucun fichier de régime (*.yaml)"))
    regimes: dict[str, Regime] = {}
    for path in files:
        regime, found = _load_file(path)
        problems += found
        if regime is not None and regime.id in regimes:
            problems.append(ConfigProblem(str(path), None, "id", f"identifiant déjà utilisé : {regime.id}"))
        elif regime is not None:
            regimes[regime.id] = regime
    if problems:
        raise RegimeError(problems)
    return RegimeRegistry(regimes)


def _load_file(path: Path) -> tuple[Regime | None, list[ConfigProblem]]:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml_loading.safe_load(text)
        tree = yaml_loading.compose(text)
    except OSError as error:
        return None, [ConfigProblem(shown, None, "-", f"lecture impossible : {error.strerror}")]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return None, [ConfigProblem(shown, line, "-", f"YAML invalide : {error}")]
    if not isinstance(raw, dict):
        return None, [ConfigProblem(shown, 1, "-", "un dictionnaire YAML est attendu au premier niveau")]
    locate = LineFinder(tree)
    try:
        regime = Regime.model_validate(raw)
    except ValidationError as error:
        return None, [
            ConfigProblem(shown, locate(item["loc"]), dotted(item["loc"]), reason(item))
            for item in root_causes(error.errors())
        ]
    problems = [ConfigProblem(shown, locate(loc), dotted(loc), why) for loc, why in _stage_problems(regime)]
    return (None if problems else regime), problems
