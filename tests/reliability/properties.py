"""The properties every fix must have, as one function returning what is wrong.

A fix is judged against the module it rewrites:

1. the fixed module parses (libcst) and compiles (CPython);
2. every comment of the original is still there;
3. a diagnostic whose fix was eligible is gone;
4. no diagnostic appears that was not there before (same code and message);
5. fixing the fixed module again changes nothing;
6. the line endings stay what they were (a CRLF file gets no bare LF).

`fix_violations` checks the whole-module `fix_source`; `single_fix_violations`
applies each diagnostic's own fix alone, as an editor's quick fix does.
"""

from __future__ import annotations

import io
import tokenize
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import libcst as cst

from sqlalchemy_lint.checker import CheckResult, check_source
from sqlalchemy_lint.diagnostics import Applicability, Diagnostic
from sqlalchemy_lint.fixes import apply_edits
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.rules import Rule
from sqlalchemy_lint.semantic import ProjectIndex


def comment_texts(source: str) -> Counter[str]:
    """Every comment's text (without trailing spaces), counted."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return Counter()
    return Counter(t.string.rstrip() for t in tokens if t.type == tokenize.COMMENT)


def parses(source: str) -> str | None:
    """None if `source` parses and compiles, else why not."""
    try:
        cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return f"libcst cannot parse the fixed code: {exc.message}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "<fixed>", "exec", dont_inherit=True)
        except SyntaxError as exc:
            return f"CPython cannot compile the fixed code: {exc}"
    return None


def counts(diagnostics: Sequence[Diagnostic]) -> Counter[str]:
    """How many diagnostics of each code.

    Diagnostics are compared by count per code, not by message or position: a fix
    moves the code below it, and may rename what a message quotes (SQA103's fix
    turns `create_engine(url).connect()` into `get_engine(url).connect()`), while
    the finding stays the same.
    """
    return Counter(d.code for d in diagnostics)


def line_endings(source: str) -> set[str]:
    crlf = source.count("\r\n")
    found = set()
    if crlf:
        found.add("\r\n")
    if source.count("\n") > crlf:
        found.add("\n")
    return found


def _eligible(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and (unsafe or fix.applicability is Applicability.SAFE)


def _check(
    source: str, path: Path | None, rules: Sequence[type[Rule]] | None, project: ProjectIndex
) -> CheckResult:
    return check_source(source, path, rules=rules, project=project)


def fix_violations(
    source: str,
    path: Path | None = None,
    *,
    unsafe: bool,
    rules: Sequence[type[Rule]] | None = None,
) -> list[str]:
    """What is wrong with `fix_source(source)`; empty when every property holds."""
    project = ProjectIndex()
    before = _check(source, path, rules, project)
    if before.problem is not None:
        return []  # nothing to fix in a module that cannot be checked
    outcome = fix_source(source, path, rules=rules, project=project, unsafe=unsafe)
    fixed = outcome.source
    problems: list[str] = []
    why = parses(fixed)
    if why is not None:
        return [why]
    lost = comment_texts(source) - comment_texts(fixed)
    if lost:
        problems.append(f"comments lost: {sorted(lost)}")
    after = _check(fixed, path, rules, ProjectIndex())
    if after.problem is not None:
        return [*problems, f"the fixed code cannot be checked: {after.problem}"]
    added = counts(after.diagnostics) - counts(before.diagnostics)
    if added:
        problems.append(f"new diagnostics: {dict(added)}")
    if outcome.applied and not any(_eligible(d, unsafe) for d in before.diagnostics):
        problems.append("fixes were applied although no diagnostic offered an eligible one")
    left = [(d.code, d.line) for d in after.diagnostics if _eligible(d, unsafe)]
    if left:
        # fix_source stops when a round's result does not parse: a fix that
        # cannot be applied is as bad as a fix that breaks the code.
        problems.append(f"diagnostics with an eligible fix are left unfixed: {left}")
    if fixed != source:
        again = fix_source(fixed, path, rules=rules, project=ProjectIndex(), unsafe=unsafe)
        if again.source != fixed:
            problems.append("not idempotent: fixing the fixed code changes it again")
    if line_endings(fixed) - line_endings(source) and line_endings(source):
        problems.append(
            f"line endings changed: {sorted(line_endings(source))} -> {sorted(line_endings(fixed))}"
        )
    return problems


def single_fix_violations(
    source: str,
    path: Path | None = None,
    *,
    rules: Sequence[type[Rule]] | None = None,
) -> list[str]:
    """Apply each diagnostic's fix alone (safe or not); what is wrong with any of them."""
    before = _check(source, path, rules, ProjectIndex())
    if before.problem is not None:
        return []
    problems: list[str] = []
    old = counts(before.diagnostics)
    for diagnostic in before.diagnostics:
        if diagnostic.fix is None:
            continue
        label = f"{diagnostic.code} at {diagnostic.line}:{diagnostic.span.start.column}"
        try:
            fixed = apply_edits(source, diagnostic.fix.edits)
        except ValueError as exc:
            problems.append(f"{label}: its edits do not apply: {exc}")
            continue
        why = parses(fixed)
        if why is not None:
            problems.append(f"{label}: {why}")
            continue
        lost = comment_texts(source) - comment_texts(fixed)
        if lost:
            problems.append(f"{label}: comments lost: {sorted(lost)}")
        after = _check(fixed, path, rules, ProjectIndex())
        new = counts(after.diagnostics)
        if new[diagnostic.code] >= old[diagnostic.code]:
            problems.append(f"{label}: the diagnostic is still reported after its fix")
        added = new - old
        if added:
            problems.append(f"{label}: new diagnostics: {dict(added)}")
        if line_endings(fixed) - line_endings(source) and line_endings(source):
            problems.append(f"{label}: line endings changed")
    return problems
