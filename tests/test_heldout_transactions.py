"""Held-out measure of SQA106 (`uncommitted-write`) on projects written from its
one-paragraph specification by a helper who never read the rule's code (see
tests/heldout_transactions/README.md). Only SQA106 is scored; a finding on a
`# bonus:` line counts neither way."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations import Score, score
from test_heldout_corpus import bonus_findings

ROOT = Path(__file__).resolve().parent / "heldout_transactions"
PROJECTS = sorted(p for p in ROOT.iterdir() if p.is_dir()) if ROOT.is_dir() else []


def _measure(project: Path) -> Score:
    raw = score(project)
    bonus = bonus_findings(project)
    return Score(
        {f for f in raw.expected if f[2] == "SQA106"},
        {f for f in raw.reported if f[2] == "SQA106"} - bonus,
    )


def test_precision_and_recall_of_uncommitted_writes() -> None:
    assert len(PROJECTS) == 3
    total = Score(set(), set())
    for project in PROJECTS:
        s = _measure(project)
        print(
            f"\n{project.name}: precision {s.precision:.3f}, recall {s.recall:.3f}; "
            f"missed {sorted(s.missed)}, false alarms {sorted(s.false_alarms)}"
        )
        total.expected |= {(project.name, *f) for f in s.expected}
        total.reported |= {(project.name, *f) for f in s.reported}
    assert len(total.expected) >= 40
    assert total.precision >= 0.95 and total.recall >= 0.90


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_every_project_has_markers(project: Path) -> None:
    assert _measure(project).expected
