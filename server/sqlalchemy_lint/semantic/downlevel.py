"""Newer Python syntax rewritten for the interpreter that runs the tool.

Rules read libcst's tree, which knows the syntax of Python 3.14 (PEP 695 generics and
`type` aliases, PEP 701 f-strings, PEP 750 template strings, PEP 758 `except A, B:`)
whatever interpreter runs it. Module summaries and positions come from CPython's own
parser, which refuses what its version does not know: on Python 3.11 a module with one
`type` alias would summarise to nothing, and every finding that needs to know what its
names are bound to would silently vanish.

So when CPython refuses a module that libcst accepts, the summary is built from an
equivalent text in older syntax, every statement kept on the line where it was:
type parameters dropped, `type X = v` as `X = v`, `except A, B:` as `except (A, B):`,
and string templates or f-strings the interpreter cannot read as empty strings of the
same number of lines. What a summary records (imports, bindings, returns, calls and
where they are) does not depend on any of these.
"""

from __future__ import annotations

import ast
import warnings
from typing import TypeVar

import libcst as cst

from ..sources import parse_module_safely, size_problem


def older_syntax(source: str) -> str | None:
    """`source` rewritten so that this interpreter's parser accepts it, or None when
    libcst does not accept it either (a real syntax error) or the rewrite fails."""
    if size_problem(source) is not None:
        return None  # libcst would take seconds and gigabytes: the module stays unread
    try:
        module = parse_module_safely(source)
        rewritten = module.visit(_Downlevel()).code
    except Exception:  # a syntax error, or libcst failing on the text (CSTLogicError)
        return None
    return rewritten if _parses(rewritten, "exec") else None


def _parses(code: str, mode: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, "<downlevel>", mode, flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _empty_string_like(node: cst.BaseExpression, module: cst.Module) -> cst.SimpleString:
    """`""`, or a triple-quoted string holding as many line breaks as `node`'s code."""
    breaks = module.code_for_node(node).count("\n")
    if not breaks:
        return cst.SimpleString('""')
    return cst.SimpleString('"""' + "\n" * breaks + '"""')


_Generic = TypeVar("_Generic", cst.FunctionDef, cst.ClassDef)


def _without_type_parameters(node: _Generic) -> _Generic:
    """`def f[T](...)` / `class C[T]:` (PEP 695) without their type parameters."""
    if node.type_parameters is None:
        return node
    return node.with_changes(
        type_parameters=None, whitespace_after_type_parameters=cst.SimpleWhitespace("")
    )


def _parenthesised(kind: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """`except A, B:` (PEP 758) as `except (A, B):`."""
    if isinstance(kind, cst.Tuple) and not kind.lpar:
        return kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return kind


class _Downlevel(cst.CSTTransformer):
    def __init__(self) -> None:
        super().__init__()
        self._module = cst.Module(body=[])

    def visit_Module(self, node: cst.Module) -> bool:
        self._module = node
        return True

    def leave_TypeAlias(
        self, original_node: cst.TypeAlias, updated_node: cst.TypeAlias
    ) -> cst.BaseSmallStatement:
        return cst.Assign(
            targets=[cst.AssignTarget(updated_node.name)],
            value=updated_node.value,
            semicolon=updated_node.semicolon,
        )

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        return _without_type_parameters(updated_node)

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        return _without_type_parameters(updated_node)

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        return updated_node.with_changes(type=_parenthesised(updated_node.type))

    def leave_ExceptStarHandler(
        self, original_node: cst.ExceptStarHandler, updated_node: cst.ExceptStarHandler
    ) -> cst.ExceptStarHandler:
        return updated_node.with_changes(type=_parenthesised(updated_node.type))

    def leave_TemplatedString(
        self, original_node: cst.TemplatedString, updated_node: cst.TemplatedString
    ) -> cst.BaseExpression:
        return _empty_string_like(original_node, self._module)

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        code = self._module.code_for_node(original_node)
        if _parses("(" + code + ")", "eval"):
            return updated_node
        return _empty_string_like(original_node, self._module)
