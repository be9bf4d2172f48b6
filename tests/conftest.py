import sys
from pathlib import Path

# Test helpers (expectations.py) import each other by module name.
sys.path.insert(0, str(Path(__file__).parent))

import pytest


@pytest.fixture(autouse=True)
def _cache_outside_the_checkout(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line caches in the project it checks by default; the tests' runs
    # (in-process and in subprocesses, which inherit the environment) cache here.
    monkeypatch.setenv("SQLALCHEMY_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
