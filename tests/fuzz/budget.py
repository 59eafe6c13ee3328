"""How long the fuzzers run: a small derandomized budget in CI, a long random one on demand.

CI (the default): every property runs a fixed, modest number of examples from a fixed seed
(`derandomize=True`), without an example database, so a run is reproducible and the whole folder stays
under about a minute of CPU. Each example has a deadline: a parser slower than that on one input fails.

Long local runs, to look for new bugs (random seeds, 50x the examples, failures remembered in .hypothesis/):

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/fuzz -q -p no:cacheprovider

A failure found that way is fixed in the parser and its input kept as an explicit `@example` of the test.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"
LONG_FACTOR = 50
HANG_SECONDS = 120  # a whole test in CI; LONG_FACTOR times more in a long run


def long_run() -> bool:
    """Whether HYPOTHESIS_PROFILE=long asks for the long, random run."""
    return os.environ.get(PROFILE_VARIABLE) == "long"


def hang_seconds() -> int:
    """How long one test may run before it counts as hung."""
    return HANG_SECONDS * LONG_FACTOR if long_run() else HANG_SECONDS


def fuzz(examples: int, *, deadline_ms: int | None = 1000) -> settings:
    """The settings of one property: `examples` in CI, LONG_FACTOR times more with HYPOTHESIS_PROFILE=long;
    `deadline_ms=None` leaves only the whole-test hang guard (tests/fuzz/conftest.py)."""
    long = long_run()
    return settings(
        max_examples=examples * LONG_FACTOR if long else examples,
        derandomize=not long,
        database=DirectoryBasedExampleDatabase(".hypothesis/examples") if long else None,
        # Generous against a loaded 2-core CI machine; the bugs it catches took seconds to minutes.
        deadline=None if deadline_ms is None else timedelta(milliseconds=deadline_ms),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
