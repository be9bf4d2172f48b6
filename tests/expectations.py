"""Expected findings written in the code as `# expect: SQA101` markers, compared
with what the checker reports on whole projects (cross-module imports included)."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.discovery import discover
from sqlalchemy_lint.semantic import ProjectIndex
from sqlalchemy_lint.sources import read_source

MARKER = re.compile(r"#\s*expect:\s*(?P<codes>SQA\d+(?:\s*,\s*SQA\d+)*)")

Finding = tuple[str, int, str]  # (path relative to the project, line, code)


def expected_findings(root: Path) -> set[Finding]:
    expected: set[Finding] = set()
    files, _ = discover([root])
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = MARKER.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    expected.add((path.relative_to(root).as_posix(), number, code))
    return expected


def reported_findings(root: Path) -> tuple[set[Finding], list[str]]:
    """What the checker reports on `root` checked out on its own, as a clone of it
    would be (a copy with a `.git`): inside this repository, its folders would sit
    below this project's `tests/` and read as test code."""
    reported: set[Finding] = set()
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as temporary:
        clone = Path(temporary) / root.name
        shutil.copytree(root, clone)
        (clone / ".git").mkdir(exist_ok=True)
        project = ProjectIndex()
        files, _ = discover([clone])
        for path in files:
            source = read_source(path)
            result = check_source(source.text, path, project=project, with_fixes=False)
            if result.problem:
                problems.append(f"{path.relative_to(clone)}: {result.problem}")
            for d in result.diagnostics:
                reported.add((path.relative_to(clone).as_posix(), d.span.start.line, d.code))
    return reported, problems


@dataclass
class Score:
    expected: set[Finding]
    reported: set[Finding]

    @property
    def true_positives(self) -> set[Finding]:
        return self.expected & self.reported

    @property
    def missed(self) -> set[Finding]:
        return self.expected - self.reported

    @property
    def false_alarms(self) -> set[Finding]:
        return self.reported - self.expected

    @property
    def precision(self) -> float:
        return len(self.true_positives) / len(self.reported) if self.reported else 1.0

    @property
    def recall(self) -> float:
        return len(self.true_positives) / len(self.expected) if self.expected else 1.0

    def describe(self) -> str:
        lines = [
            f"precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"({len(self.true_positives)} found, {len(self.missed)} missed, "
            f"{len(self.false_alarms)} false alarms)"
        ]
        lines += [f"  missed:      {f}" for f in sorted(self.missed)]
        lines += [f"  false alarm: {f}" for f in sorted(self.false_alarms)]
        return "\n".join(lines)


def score(root: Path) -> Score:
    reported, problems = reported_findings(root)
    assert not problems, problems
    return Score(expected_findings(root), reported)
