"""Edits shared by the SQL fixes: wrap a string in `text(...)`, and make a SQLAlchemy
function (`text`, `select`) callable in the module, importing it if needed."""

from __future__ import annotations

import libcst as cst

from ..diagnostics import Position, Span, TextEdit
from ..fixes.syntax import SourceTree, names_used
from ..semantic.sql_runners import TEXT_CONSTRUCTORS


def _position(tree: SourceTree, node: cst.CSTNode, *, end: bool = False) -> Position:
    code_range = tree.range_of(node)
    point = code_range.end if end else code_range.start
    return Position(point.line, point.column)


def _imports(
    module: cst.Module,
) -> list[tuple[cst.SimpleStatementLine, cst.Import | cst.ImportFrom]]:
    found: list[tuple[cst.SimpleStatementLine, cst.Import | cst.ImportFrom]] = []
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    found.append((statement, small))
    return found


def _dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def text_callee(tree: SourceTree, source_lines: int) -> tuple[str, tuple[TextEdit, ...]] | None:
    """How this module can call `sqlalchemy.text`, and the edits that make it possible."""
    return sqlalchemy_callee(tree, source_lines, "text", TEXT_CONSTRUCTORS)


def sqlalchemy_callee(
    tree: SourceTree, source_lines: int, name: str, qualified_names: frozenset[str]
) -> tuple[str, tuple[TextEdit, ...]] | None:
    """How this module can call the SQLAlchemy function `name`, and the edits that make
    it possible.

    Uses an existing binding (`from sqlalchemy import text`, `sa.text`), where
    `qualified_names` lists the import paths that count, else adds `name` to a
    top-level `from sqlalchemy import ...` or a new import line. None when `name`
    already means something else in the module.
    """
    module = tree.module
    imports = _imports(module)
    alias_of_sqlalchemy = None
    for _, small in imports:
        if isinstance(small, cst.ImportFrom) and not small.relative:
            base = _dotted(small.module)
            if isinstance(small.names, cst.ImportStar):
                continue
            for alias in small.names:
                qualified = f"{base}.{_dotted(alias.name)}"
                if qualified in qualified_names:
                    local = alias.evaluated_alias or alias.evaluated_name
                    return local, ()
        elif isinstance(small, cst.Import):
            for alias in small.names:
                if _dotted(alias.name) == "sqlalchemy" and alias_of_sqlalchemy is None:
                    alias_of_sqlalchemy = alias.evaluated_alias or "sqlalchemy"
    if alias_of_sqlalchemy is not None:
        return f"{alias_of_sqlalchemy}.{name}", ()
    if _binds(module, name):
        return None
    for _, small in imports:
        if (
            isinstance(small, cst.ImportFrom)
            and not small.relative
            and _dotted(small.module) == "sqlalchemy"
            and not isinstance(small.names, cst.ImportStar)
        ):
            last = small.names[-1]
            anchor = last.asname if last.asname is not None else last.name
            at = _position(tree, anchor, end=True)
            return name, (TextEdit(Span(at, at), f", {name}"),)
    if not imports:
        return None
    last_statement = imports[-1][0]
    end = tree.range_of(last_statement).end
    newline = module.default_newline
    import_line = f"from sqlalchemy import {name}"
    if end.line < source_lines:
        at = Position(end.line + 1, 0)
        return name, (TextEdit(Span(at, at), import_line + newline),)
    at = Position(end.line, end.column)
    return name, (TextEdit(Span(at, at), newline + import_line),)


def _binds(module: cst.Module, name: str) -> bool:
    """Whether a variable called `name` exists anywhere (a new import would clash with it)."""
    return name in names_used(module)


def wrap_in_text(
    tree: SourceTree, node: cst.BaseExpression, callee: str
) -> tuple[TextEdit, TextEdit]:
    start = _position(tree, node)
    end = _position(tree, node, end=True)
    return TextEdit(Span(start, start), f"{callee}("), TextEdit(Span(end, end), ")")
