"""Held-out measure of the SQL rules on projects their author has never seen.

tests/heldout/ holds five projects written from the rules' specifications alone
(see tests/heldout/README.md). Each is checked as a whole project with
tests/expectations.py, and only SQA105 and the SQA2xx and SQA3xx codes are scored.
No lifetime code (SQA101-SQA104) is marked there, so lifetime findings are listed
but not scored. A finding on a line marked `# bonus: SQAxxx` (allowed, not required)
counts neither way.

Precision and recall are printed per project and per rule, with every missed line
and every false alarm (`pytest -s` shows them). The thresholds hold over the whole
set: precision >= 0.95, recall >= 0.90. It is a measure, not an exact-match test.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from expectations import Finding, Score, score
from sqlalchemy_lint.discovery import discover

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "heldout"
PROJECTS = (
    sorted(p for p in HELDOUT.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if HELDOUT.is_dir()
    else []
)
RULES = ("SQA105", "SQA201", "SQA202", "SQA203", "SQA301", "SQA302")
LIFETIME_MARKED: frozenset[str] = frozenset()  # no lifetime code is marked in tests/heldout
BONUS = re.compile(r"#\s*bonus:\s*(?P<codes>SQA\d+(?:\s*,\s*SQA\d+)*)")

MIN_PRECISION = 0.95
MIN_RECALL = 0.90


def scored(code: str) -> bool:
    return code == "SQA105" or code.startswith(("SQA2", "SQA3")) or code in LIFETIME_MARKED


def bonus_findings(root: Path) -> set[Finding]:
    """`# bonus: SQAxxx` lines: a finding there is allowed but not required."""
    allowed: set[Finding] = set()
    files, _ = discover([root])
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            match = BONUS.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    allowed.add((path.relative_to(root).as_posix(), number, code))
    return allowed


@dataclass
class Measure:
    score: Score  # scored codes only; bonus lines left out of `reported`
    bonus: set[Finding] = field(default_factory=set)  # all bonus lines
    bonus_found: set[Finding] = field(default_factory=set)
    unscored: set[Finding] = field(default_factory=set)  # e.g. lifetime findings


@functools.cache
def measure(project: Path) -> Measure:
    raw = score(project)  # asserts that every file was analysed
    bonus = bonus_findings(project)
    reported = {f for f in raw.reported if scored(f[2])}
    return Measure(
        score=Score({f for f in raw.expected if scored(f[2])}, reported - bonus),
        bonus=bonus,
        bonus_found=reported & bonus,
        unscored={f for f in raw.reported if not scored(f[2])},
    )


def _source_line(project: Path, finding: Finding) -> str:
    path, line, _ = finding
    try:
        return (project / path).read_text(encoding="utf-8").splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return "?"


def _describe(project: Path, findings: Iterable[Finding], label: str) -> list[str]:
    return [
        f"  {label:<12} {path}:{line} {code}  | {_source_line(project, (path, line, code))[:90]}"
        for path, line, code in sorted(findings)
    ]


def report(project: Path, m: Measure) -> str:
    s = m.score
    lines = [
        f"{project.name}: precision {s.precision:.3f}, recall {s.recall:.3f} "
        f"({len(s.true_positives)} found of {len(s.expected)}, {len(s.missed)} missed, "
        f"{len(s.false_alarms)} false alarms; bonus lines reported "
        f"{len(m.bonus_found)}/{len({(p, n) for p, n, _ in m.bonus})})"
    ]
    lines += _describe(project, s.missed, "missed")
    lines += _describe(project, s.false_alarms, "false alarm")
    lines += _describe(project, m.bonus_found, "bonus")
    lines += _describe(project, m.unscored, "unscored")
    return "\n".join(lines)


def per_rule_table(total: Score) -> str:
    codes = sorted({c for _, _, c in total.expected | total.reported} | set(RULES))
    rows = [f"{'rule':<8} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}"]
    for code in codes:
        tp = sum(1 for f in total.true_positives if f[2] == code)
        fp = sum(1 for f in total.false_alarms if f[2] == code)
        fn = sum(1 for f in total.missed if f[2] == code)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        rows.append(f"{code:<8} {tp:>4} {fp:>4} {fn:>4} {precision:>10.3f} {recall:>8.3f}")
    tp, fp, fn = len(total.true_positives), len(total.false_alarms), len(total.missed)
    rows.append(f"{'all':<8} {tp:>4} {fp:>4} {fn:>4} {total.precision:>10.3f} {total.recall:>8.3f}")
    return "\n".join(rows)


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_heldout_project(project: Path) -> None:
    m = measure(project)
    print("\n" + report(project, m))
    assert m.score.expected, f"{project.name} has no `# expect:` markers"


def test_heldout_precision_and_recall() -> None:
    assert PROJECTS, "tests/heldout is missing"
    total = Score(set(), set())
    for project in PROJECTS:
        s = measure(project).score
        total.expected |= {(f"{project.name}/{p}", n, c) for p, n, c in s.expected}
        total.reported |= {(f"{project.name}/{p}", n, c) for p, n, c in s.reported}
    print("\nheld-out corpus, scored codes SQA105, SQA2xx, SQA3xx:")
    print(per_rule_table(total))
    assert {c for _, _, c in total.expected} == set(RULES)
    assert len(total.expected) >= 60
    assert total.precision >= MIN_PRECISION and total.recall >= MIN_RECALL, total.describe()
