"""Apply fixes to a whole module, as `check --fix` and the editor's "fix all" do.

Fixes are applied in rounds: every non-overlapping eligible fix of one round,
then the module is checked again (a fix may change what the others see). A
round whose result does not parse is thrown away, so a module never ends up
broken; the loop is bounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from .checker import CheckResult, check_source
from .diagnostics import Diagnostic, Fix, Severity
from .fixes import apply_edits
from .rules import Rule
from .semantic import AnalysisOptions, ProjectIndex
from .sources import parse_module_safely

_MAX_ROUNDS = 20


@dataclass
class FixOutcome:
    source: str
    applied: int
    remaining: CheckResult
    applied_codes: tuple[str, ...] = ()  # the code of each fix applied, in order


def eligible(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and fix.applies(unsafe)


def fix_source(
    source: str,
    path: Path | None = None,
    *,
    rules: Sequence[type[Rule]] | None = None,
    project: ProjectIndex | None = None,
    unsafe: bool = False,
    severity: Mapping[str, Severity] | None = None,
    options: AnalysisOptions | None = None,
    report_unused_noqa: bool = False,
) -> FixOutcome:
    def check(text: str) -> CheckResult:
        return check_source(
            text,
            path,
            rules=rules,
            project=project,
            severity=severity,
            options=options,
            report_unused_noqa=report_unused_noqa,
        )

    applied: list[str] = []
    result = check(source)
    for _ in range(_MAX_ROUNDS):
        chosen = _non_overlapping([d for d in result.diagnostics if eligible(d.fix, unsafe)])
        if not chosen:
            break
        edits = [edit for d in chosen if d.fix is not None for edit in d.fix.edits]
        candidate = apply_edits(source, edits)
        try:
            parse_module_safely(candidate)
        except cst.ParserSyntaxError:
            break  # never hand back code that does not parse
        if candidate == source:
            break
        source = candidate
        applied.extend(d.code for d in chosen)
        result = check(source)
    return FixOutcome(source, len(applied), result, tuple(applied))


def _non_overlapping(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    chosen: list[Diagnostic] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for diagnostic in sorted(diagnostics, key=lambda d: d.span.start):
        assert diagnostic.fix is not None
        spans = [
            ((e.span.start.line, e.span.start.column), (e.span.end.line, e.span.end.column))
            for e in diagnostic.fix.edits
        ]
        if any(s <= t_end and t_start <= e for s, e in spans for t_start, t_end in taken):
            continue
        chosen.append(diagnostic)
        taken.extend(spans)
    return chosen
