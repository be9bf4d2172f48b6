"""The examples and the corpus of realistic projects: exactly the marked findings.

Precision and recall are printed per project (`pytest -s` shows them) and over
the whole corpus; the corpus aims at precision >= 0.95 and recall >= 0.90.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations import Score, score

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
PROJECTS = sorted(p for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


def test_examples_report_exactly_the_marked_findings() -> None:
    result = score(ROOT / "examples")
    print("examples:", result.describe())
    assert {code for _, _, code in result.expected} == {
        "SQA101",
        "SQA102",
        "SQA103",
        "SQA104",
        "SQA106",
    }
    assert result.missed == set() and result.false_alarms == set(), result.describe()


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_corpus_project(project: Path) -> None:
    result = score(project)
    print(f"{project.name}:", result.describe())
    assert result.missed == set() and result.false_alarms == set(), result.describe()


def test_corpus_precision_and_recall() -> None:
    assert PROJECTS, "the corpus is missing"
    total = Score(set(), set())
    for project in PROJECTS:
        result = score(project)
        total.expected |= {(f"{project.name}/{p}", line, c) for p, line, c in result.expected}
        total.reported |= {(f"{project.name}/{p}", line, c) for p, line, c in result.reported}
    print("corpus:", total.describe())
    assert len(total.expected) >= 40
    assert total.precision >= 0.95 and total.recall >= 0.90, total.describe()
