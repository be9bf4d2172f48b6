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


def _available(folder: Path = realworld.REPOS) -> list[realworld.Repository]:
    repositories = realworld.load_corpus(folder)
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


def _scores(folder: Path, title: str) -> dict[str, realworld.Score]:
    repositories = _available(folder)
    lint = shlex.split(f"{shlex.quote(sys.executable)} -m sqlalchemy_lint")
    scores, _, skipped = realworld.score(repositories, lint, MIRRORS)
    assert not skipped, skipped
    realworld.print_report(scores, skipped, title)
    return scores


def test_precision_and_recall_on_real_code() -> None:
    scores = _scores(realworld.REPOS, "this checkout")
    overall = scores["all"]
    # Recall 0.860 until SQA103 stopped reporting an engine made, used and dropped by a
    # function the project calls from one place only (true 8 times of 30 over all the
    # corpora): two labels here went with it (0.843).
    assert overall.precision() >= 0.95 and overall.recall() >= 0.84
    # Real bug-fix commits of the transaction rules, scored apart (see BASELINE.md).
    transactions = scores["transactions"]
    assert transactions.precision() >= 0.95 and transactions.recall() >= 0.7


def test_the_second_held_out_set_stays_precise() -> None:
    """`tests/realworld/heldout2/`: scored once before any change for it (0.952 /
    0.526, BASELINE.md there); a floor under what it reads now, so a change that
    loses what was generalised from it shows."""
    overall = _scores(realworld.ROOT / "tests" / "realworld" / "heldout2", "held-out set 2")["all"]
    assert overall.precision() >= 0.95 and overall.recall() >= 0.6
