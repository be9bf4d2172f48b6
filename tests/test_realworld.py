"""The real-world corpus (`tests/realworld/`): public repositories labelled by hand.

Needs the pinned repositories: a local mirror (`/work/.mirror`, as `fetch` lays it
out) or network access to clone them; skipped when neither is there, as in
offline CI. `python benchmarks/realworld.py` prints the full report.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import realworld  # noqa: E402

MIRRORS = Path("/work/.mirror")


def _available() -> list[realworld.Repository]:
    repositories = realworld.load_corpus()
    missing = []
    for repository in repositories:
        owner, name = repository.repo.split("/")
        trees = realworld.CACHE / "trees"
        extracted = all(
            (trees / f"{owner}__{name}@{commit[:12]}" / ".complete").exists()
            for commit in repository.commits
        )
        if not extracted and not (MIRRORS / f"{owner}+{name}").exists():
            missing.append(repository.repo)
    if missing:
        pytest.skip(f"the real-world repositories are not at hand ({len(missing)} missing)")
    return repositories


def test_the_labels_are_well_formed() -> None:
    repositories = realworld.load_corpus()
    labels = [label for r in repositories for label in r.labels]
    assert len(repositories) >= 25 and len(labels) >= 150
    assert {label.verdict for label in labels} == {"misuse", "fine"}
    assert {label.rule for label in labels} <= set(realworld.FAMILIES)
    assert all(
        len(r.commit) == 40 and len(label.commit) == 40 for r in repositories for label in r.labels
    )


def test_precision_and_recall_on_real_code() -> None:
    repositories = _available()
    lint = shlex.split(f"{shlex.quote(sys.executable)} -m sqlalchemy_lint")
    scores, _, skipped = realworld.score(repositories, lint, MIRRORS)
    assert not skipped, skipped
    overall = scores["all"]
    realworld.print_report(scores, skipped, "this checkout")
    assert overall.precision() >= 0.95 and overall.recall() >= 0.85
    # Real bug-fix commits of the transaction rules, scored apart (see BASELINE.md).
    transactions = scores["transactions"]
    assert transactions.precision() >= 0.95 and transactions.recall() >= 0.5
