"""The national observatory's published figures, read from `config/observatory.yaml` (data, with its source,
so a new year is added without a release): the reference line beside the group's yearly statistics."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ght_soc.declarations.statistics import NationalFigures
from ght_soc.resources import bundled_config_path
from ght_soc.yaml_loading import safe_load


class ObservatoryFileError(ValueError):
    """The observatory file cannot be read; the message names the file and the entry."""


class _Year(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(ge=2017, le=2100)  # the national declaration exists since 2017
    reports: int = Field(ge=0)
    malicious_percent: int = Field(ge=0, le=100)
    care_impact_percent: int = Field(ge=0, le=100)
    degraded_mode_percent: int = Field(ge=0, le=100)
    source: str = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    years: list[_Year] = Field(min_length=1)


def load_national_figures(path: Path) -> tuple[NationalFigures, ...]:
    """Every published year, oldest first."""
    try:
        parsed = _File.model_validate(safe_load(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError, yaml.YAMLError) as error:
        raise ObservatoryFileError(f"{path}: {error}") from error
    return tuple(
        NationalFigures(
            y.year, y.reports, y.malicious_percent, y.care_impact_percent, y.degraded_mode_percent, y.source
        )
        for y in sorted(parsed.years, key=lambda y: y.year)
    )


@cache
def latest_national_figures() -> NationalFigures:
    """The latest published year of the bundled file."""
    return load_national_figures(bundled_config_path("observatory.yaml"))[-1]
