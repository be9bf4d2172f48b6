"""Held-out measures of the transaction and ORM rules on projects written from each
rule's one-paragraph specification by helpers who never read the rule's code (see
each folder's README.md): SQA106 in tests/heldout_transactions, SQA109 in
tests/heldout_concurrency and tests/heldout_threads, SQA110 in tests/heldout_rollback, SQA107 in
tests/heldout_detached, SQA108 in tests/heldout_async_expiry, SQA401 in
tests/heldout_n_plus_one. Only the folder's rule is scored; a finding on a
`# bonus:` line counts neither way."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations import Score, score
from test_heldout_corpus import bonus_findings

HERE = Path(__file__).resolve().parent
CORPORA = [
    ("heldout_transactions", "SQA106", 3, 40),
    ("heldout_concurrency", "SQA109", 2, 15),
    ("heldout_threads", "SQA109", 1, 14),
    ("heldout_rollback", "SQA110", 2, 27),
    ("heldout_detached", "SQA107", 2, 28),
    ("heldout_async_expiry", "SQA108", 2, 28),
    ("heldout_n_plus_one", "SQA401", 2, 23),
]


def _projects(folder: str) -> list[Path]:
    root = HERE / folder
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _measure(project: Path, code: str) -> Score:
    raw = score(project)
    bonus = bonus_findings(project)
    return Score(
        {f for f in raw.expected if f[2] == code},
        {f for f in raw.reported if f[2] == code} - bonus,
    )


@pytest.mark.parametrize(("folder", "code", "projects", "markers"), CORPORA)
def test_precision_and_recall(folder: str, code: str, projects: int, markers: int) -> None:
    found = _projects(folder)
    assert len(found) == projects
    total = Score(set(), set())
    for project in found:
        s = _measure(project, code)
        assert s.expected, f"{project.name} has no `# expect: {code}` markers"
        print(
            f"\n{project.name}: precision {s.precision:.3f}, recall {s.recall:.3f}; "
            f"missed {sorted(s.missed)}, false alarms {sorted(s.false_alarms)}"
        )
        total.expected |= {(project.name, *f) for f in s.expected}
        total.reported |= {(project.name, *f) for f in s.reported}
    assert len(total.expected) >= markers
    assert total.precision >= 0.95 and total.recall >= 0.90
