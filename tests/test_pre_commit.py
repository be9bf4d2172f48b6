"""The pre-commit hook, run by pre-commit itself against a throwaway repository.

`pre-commit try-repo` installs the hook from this checkout (uncommitted changes
included) into its own environment, as a user's `pre-commit run` would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from samples import LEAK

ROOT = Path(__file__).resolve().parent.parent


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_reports_leaks_and_passes_clean_code(tmp_path: Path) -> None:
    repo = tmp_path / "user-project"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    (repo / "app.py").write_text(LEAK)
    (repo / "ok.py").write_text("x = 1\n")
    git("add", ".", cwd=repo)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "sqlalchemy-lint"]
    failing = subprocess.run(
        [*command, "--all-files"], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "app.py:4:12: SQA101" in failing.stdout
    (repo / "app.py").write_text(LEAK.replace("conn = engine.connect()", "conn = None"))
    git("add", ".", cwd=repo)
    passing = subprocess.run(
        [*command, "--all-files"], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
