"""Edits shared by the SQL fixes: wrap a string in `text(...)`, importing `text` if needed."""

from __future__ import annotations

import libcst as cst

from ..diagnostics import Position, Span, TextEdit
from ..fixes.syntax import SourceTree, variable_names
from ._sql_text import TEXT_CONSTRUCTORS

_IMPORT_TEXT = "from sqlalchemy import text"


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
    """How this module can call `sqlalchemy.text`, and the edits that make it possible.

    Uses an existing binding (`from sqlalchemy import text`, `sa.text`), else adds
    `text` to a top-level `from sqlalchemy import ...` or a new import line. None
    when the name `text` already means something else in the module.
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
                if qualified in TEXT_CONSTRUCTORS:
                    local = alias.evaluated_alias or alias.evaluated_name
                    return local, ()
        elif isinstance(small, cst.Import):
            for alias in small.names:
                if _dotted(alias.name) == "sqlalchemy" and alias_of_sqlalchemy is None:
                    alias_of_sqlalchemy = alias.evaluated_alias or "sqlalchemy"
    if alias_of_sqlalchemy is not None:
        return f"{alias_of_sqlalchemy}.text", ()
    if _binds_text(module):
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
            return "text", (TextEdit(Span(at, at), ", text"),)
    if not imports:
        return None
    last_statement = imports[-1][0]
    end = tree.range_of(last_statement).end
    newline = module.default_newline
    if end.line < source_lines:
        at = Position(end.line + 1, 0)
        return "text", (TextEdit(Span(at, at), _IMPORT_TEXT + newline),)
    at = Position(end.line, end.column)
    return "text", (TextEdit(Span(at, at), newline + _IMPORT_TEXT),)


def _binds_text(module: cst.Module) -> bool:
    """Whether a variable called `text` exists anywhere (a new import would clash with it)."""
    return any(name.value == "text" for name in variable_names(module))


def wrap_in_text(
    tree: SourceTree, node: cst.BaseExpression, callee: str
) -> tuple[TextEdit, TextEdit]:
    start = _position(tree, node)
    end = _position(tree, node, end=True)
    return TextEdit(Span(start, start), f"{callee}("), TextEdit(Span(end, end), ")")
