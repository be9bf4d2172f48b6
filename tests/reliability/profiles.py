"""Hypothesis settings of the reliability suite.

Two profiles:

- ``ci`` (the default): derandomized (a fixed seed: every run explores the same
  examples), a small example count per test, no example database, no deadline
  (no test depends on how fast the machine is; a check that never finishes is
  caught by the suite's hang detector).
- ``long``: randomized, ten times the examples, failures kept in
  ``.pytest_cache/hypothesis`` for replay. Select it for local fuzzing runs with
  ``SQLALCHEMY_LINT_FUZZ=long pytest tests/test_fuzz_analysis.py tests/test_fix_properties.py``.

The profiles are registered under these names but not loaded globally, so other
test files using Hypothesis keep their own defaults; tests here are decorated with
``fuzz(n)``, which takes the active profile and scales ``n`` examples by it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

PROFILE = os.environ.get("SQLALCHEMY_LINT_FUZZ", "ci").strip().lower() or "ci"
if PROFILE not in ("ci", "long"):
    raise RuntimeError(f"SQLALCHEMY_LINT_FUZZ must be 'ci' or 'long', not {PROFILE!r}")

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    print_blob=True,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "long",
    derandomize=False,
    database=DirectoryBasedExampleDatabase(
        str(Path(__file__).resolve().parents[2] / ".pytest_cache" / "hypothesis")
    ),
    deadline=None,
    max_examples=250,
    print_blob=True,
    suppress_health_check=_QUIET,
)

SCALE = 10 if PROFILE == "long" else 1


def fuzz(ci_examples: int, **overrides: Any) -> settings:
    """Settings for one property: `ci_examples` under ``ci``, ten times that under ``long``."""
    return settings(settings.get_profile(PROFILE), max_examples=ci_examples * SCALE, **overrides)
