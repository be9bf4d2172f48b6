"""The fix shared by SQA401 and SQA108: load a relationship with the query that
loads its objects, `.options(selectinload(Model.rel))` on the statement.

The statement is the nearest `select(Model ...)` (or `session.query(Model ...)`)
before the read, in the function that holds the read, found in CPython's tree of
the source; `selectinload` is imported from `sqlalchemy.orm` when the module does
not have it yet. It is unsafe: it changes the queries the code issues (one more
`SELECT ... IN` up front, none per object), which is the point.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..diagnostics import Applicability, Fix, Position, Span, TextEdit
from ..sources import cpython_tree
from .base import Finding


@dataclass
class LazyRelationshipFinding(Finding):
    model: str = ""
    relationship: str = ""


def loader_option_fix(source: str, span: Span, finding: Finding) -> Fix | None:
    if not isinstance(finding, LazyRelationshipFinding) or not finding.model:
        return None
    located = function_at(source, span.start.line)
    if located is None:
        return None
    tree, function = located
    statement = _statement_before(function, finding.model, span.start.line)
    if statement is None:
        return None
    lines = source.splitlines(keepends=True)
    end_line = statement.end_lineno or statement.lineno
    end = Position(end_line, characters(lines[end_line - 1], statement.end_col_offset or 0))
    option = f".options(selectinload({finding.model}.{finding.relationship}))"
    edits = [TextEdit(Span(end, end), option)]
    if not _imports_selectinload(tree):
        line = _after_imports(tree)
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        edits.insert(
            0,
            TextEdit(
                Span(Position(line, 0), Position(line, 0)),
                f"from sqlalchemy.orm import selectinload{newline}",
            ),
        )
    return Fix(
        title=f"Load `{finding.model}.{finding.relationship}` with the query (`selectinload`)",
        applicability=Applicability.UNSAFE,
        edits=tuple(edits),
    )


def function_at(source: str, line: int) -> tuple[ast.Module, ast.AST] | None:
    """CPython's tree of `source` and the innermost function holding `line`, for fixes
    that edit around a finding; None when either cannot be had."""
    tree = cpython_tree(source)
    if tree is None:
        return None
    function = innermost_function(tree, line)
    return (tree, function) if function is not None else None


def innermost_function(tree: ast.Module, line: int) -> ast.AST | None:
    functions = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    return max(functions, key=lambda f: f.lineno, default=None)


def _statement_before(function: ast.AST, model: str, line: int) -> ast.Call | None:
    """The last `select(Model, ...)` / `x.query(Model, ...)` call (the model anywhere
    among its entities: `query(Address, User)`) that starts before `line` in
    `function`."""
    candidates = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Call) or node.lineno > line or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        named = any(isinstance(arg, ast.Name) and arg.id == model for arg in node.args)
        if name in ("select", "query") and named:
            candidates.append(node)
    return max(candidates, key=lambda c: (c.lineno, c.col_offset), default=None)


def _imports_selectinload(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and any(a.asname is None and a.name == "selectinload" for a in node.names)
        for node in tree.body
    )


def _after_imports(tree: ast.Module) -> int:
    """The line after the module's leading imports (after its docstring if none)."""
    line = 1
    for index, node in enumerate(tree.body):
        is_docstring = (
            index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        )
        if isinstance(node, (ast.Import, ast.ImportFrom)) or is_docstring:
            line = (node.end_lineno or node.lineno) + 1
        else:
            break
    return line


def characters(line: str, utf8_offset: int) -> int:
    """CPython's UTF-8 byte offset in `line` as a code point column."""
    return len(line.encode("utf-8")[:utf8_offset].decode("utf-8", "replace"))
