"""The fix of SQA107 and SQA108 for an object that `commit()` expired and a later read
would load again where it cannot (after its session closed; under asyncio):
`session.refresh(obj)` right after the commit (`await session.refresh(obj)` after
`await session.commit()`), so its column attributes are loaded while that is
possible.

It is offered only where it is sure to help: a single object (not a list), an
attribute read (not the object handed to a caller, who may read a relationship), an
explicit `session.commit()` statement in the same function, and a read that is not
of a relationship that loads lazily (refreshing does not load those). It is unsafe:
one more SELECT runs, and the values are the committed ones at that point, which is
what the read after the commit would have loaded had the session been open.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..diagnostics import Applicability, Fix, Position, Span, TextEdit
from ._loader_fix import characters, function_at
from .base import Finding


@dataclass
class ExpiredFinding(Finding):
    instance: str = ""  # as written: `user`
    session: str = ""  # as written: `session`
    refreshable: bool = False  # see the module's docstring
    awaited: bool = False  # an `AsyncSession`: `await session.refresh(obj)`


def refresh_fix(source: str, span: Span, finding: Finding) -> Fix | None:
    if not isinstance(finding, ExpiredFinding) or not finding.refreshable:
        return None
    located = function_at(source, span.start.line)
    if located is None:
        return None
    _, function = located
    commits = [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Expr)
        and _is_commit_of(node.value, finding.session, finding.awaited)
        and (node.end_lineno or node.lineno) < span.start.line
    ]
    if not commits:
        return None
    commit = max(commits, key=lambda node: node.lineno)
    lines = source.splitlines(keepends=True)
    line = lines[commit.lineno - 1]
    end_line = commit.end_lineno or commit.lineno
    end = Position(end_line, characters(lines[end_line - 1], commit.end_col_offset or 0))
    indent = line[: len(line) - len(line.lstrip())]
    newline = "\r\n" if line.endswith("\r\n") else "\n"
    refresh = f"{'await ' * finding.awaited}{finding.session}.refresh({finding.instance})"
    return Fix(
        title=f"Refresh `{finding.instance}` after the commit, while the session is open",
        applicability=Applicability.UNSAFE,
        edits=(TextEdit(Span(end, end), f"{newline}{indent}{refresh}"),),
    )


def _is_commit_of(value: ast.expr, session: str, awaited: bool) -> bool:
    if awaited:
        if not isinstance(value, ast.Await):
            return False
        value = value.value
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "commit"
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == session
        and not value.args
    )
