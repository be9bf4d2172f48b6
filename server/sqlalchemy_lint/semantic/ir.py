"""A tiny expression language that both syntax trees are lowered into.

The analysis reads two trees: libcst's, for the module being checked (it keeps
every node and position a rule or a fix needs), and CPython's `ast`, for every
other module of the project (ten times cheaper to parse, and all a summary
needs). What a value *is* (an engine, a session factory, an instance of the
project's `DBConnectionHandler`, ...) is decided by one evaluator
(`evaluate.py`), over this language, whichever tree an expression came from.

An expression is a tuple, so that it hashes, compares and serialises (module
summaries are cached on disk with `marshal`) at no cost:

    ("n", name)                    a name
    ("a", base, attr)              base.attr
    ("c", func, args, keywords)    func(*args, **keywords): args a tuple of
                                   expressions, keywords a tuple of (name, expr)
                                   (`*x` / `**x` are UNKNOWN)
    ("w", expr)                    await expr
    ("e", expr)                    what `with expr as x` binds to x
    ("|", expr, ...)               one of several values (`a if t else b`, `a or b`)
    ("s", base, index)             base[index]
    ("t", expr, ...)               a tuple or list display
    ("str", text)                  a string literal
    ("k",)                         another literal (number, None, True, ...)
    ("bor", left, right)           left | right (annotations: `Engine | None`)
    ("?",)                         anything else

Only what decides a kind is kept: operators, comprehensions and the like are
UNKNOWN, and very deep expressions are cut off (UNKNOWN below `MAX_DEPTH`).
"""

from __future__ import annotations

import ast
from typing import Any, Union

import libcst as cst

Expr = tuple[Any, ...]  # (tag, ...): see the module docstring
UNKNOWN: Expr = ("?",)
CONSTANT: Expr = ("k",)
MAX_DEPTH = 24
MAX_ARGS = 8

Keywords = tuple[tuple[str, Expr], ...]


def name(text: str) -> Expr:
    return ("n", text)


def dotted(expr: Expr) -> str | None:
    """`a.b.c` for ("a", ("a", ("n", "a"), "b"), "c"); None for anything else."""
    parts: list[str] = []
    while expr[0] == "a":
        parts.append(expr[2])
        expr = expr[1]
    if expr[0] != "n":
        return None
    parts.append(expr[1])
    return ".".join(reversed(parts))


def call_argument(expr: Expr, position: int, keyword: str | None = None) -> Expr | None:
    """The argument of call `expr` given by `keyword=`, else at `position` (None: absent)."""
    if keyword is not None:
        for key, value in expr[3]:
            if key == keyword:
                return value  # type: ignore[no-any-return]
    args = expr[2]
    if position < 0 or position >= len(args):
        return None
    return args[position]  # type: ignore[no-any-return]


# -- from CPython's ast -----------------------------------------------------------------


def from_ast(node: ast.AST | None, depth: int = 0) -> Expr:
    if node is None or depth > MAX_DEPTH:
        return UNKNOWN
    kind = type(node)
    if kind is ast.Name:
        return ("n", node.id)  # type: ignore[attr-defined]
    if kind is ast.Attribute:
        return ("a", from_ast(node.value, depth + 1), node.attr)  # type: ignore[attr-defined]
    if kind is ast.Call:
        assert isinstance(node, ast.Call)
        args = tuple(
            UNKNOWN if type(a) is ast.Starred else from_ast(a, depth + 1)
            for a in node.args[:MAX_ARGS]
        )
        keywords = tuple(
            (k.arg, from_ast(k.value, depth + 1)) for k in node.keywords if k.arg is not None
        )
        return ("c", from_ast(node.func, depth + 1), args, keywords)
    if kind is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        return ("str", value) if isinstance(value, str) else CONSTANT
    if kind is ast.Await:
        return ("w", from_ast(node.value, depth + 1))  # type: ignore[attr-defined]
    if kind is ast.IfExp:
        assert isinstance(node, ast.IfExp)
        return ("|", from_ast(node.body, depth + 1), from_ast(node.orelse, depth + 1))
    if kind is ast.BoolOp:
        assert isinstance(node, ast.BoolOp)
        return ("|", *(from_ast(v, depth + 1) for v in node.values[:MAX_ARGS]))
    if kind is ast.Subscript:
        assert isinstance(node, ast.Subscript)
        return ("s", from_ast(node.value, depth + 1), from_ast(node.slice, depth + 1))
    if kind is ast.Tuple or kind is ast.List:
        elements = node.elts[:MAX_ARGS]  # type: ignore[attr-defined]
        return ("t", *(from_ast(e, depth + 1) for e in elements))
    if kind is ast.BinOp and type(node.op) is ast.BitOr:  # type: ignore[attr-defined]
        assert isinstance(node, ast.BinOp)
        return ("bor", from_ast(node.left, depth + 1), from_ast(node.right, depth + 1))
    if kind is ast.NamedExpr:
        return from_ast(node.value, depth + 1)  # type: ignore[attr-defined]
    return UNKNOWN


# -- from libcst ---------------------------------------------------------------------------

CstExpr = Union[cst.BaseExpression, cst.BaseSlice]


def from_cst(node: CstExpr | None, depth: int = 0) -> Expr:
    if node is None or depth > MAX_DEPTH:
        return UNKNOWN
    # Exact types: libcst's node classes are final, and isinstance() on its ABCs is slow.
    kind = type(node)
    if kind is cst.Name:
        return ("n", node.value)  # type: ignore[union-attr]
    if kind is cst.Attribute:
        assert isinstance(node, cst.Attribute)
        return ("a", from_cst(node.value, depth + 1), node.attr.value)
    if kind is cst.Call:
        assert isinstance(node, cst.Call)
        args: list[Expr] = []
        keywords: list[tuple[str, Expr]] = []
        for arg in node.args:
            if arg.keyword is not None:
                keywords.append((arg.keyword.value, from_cst(arg.value, depth + 1)))
            elif arg.star:
                if arg.star == "*":
                    args.append(UNKNOWN)
            elif len(args) < MAX_ARGS:
                args.append(from_cst(arg.value, depth + 1))
        return ("c", from_cst(node.func, depth + 1), tuple(args), tuple(keywords))
    if kind is cst.SimpleString:
        assert isinstance(node, cst.SimpleString)
        try:
            value = node.evaluated_value
        except Exception:  # a malformed escape: libcst raises while evaluating
            return CONSTANT
        return ("str", value) if isinstance(value, str) else CONSTANT
    if kind in (cst.Integer, cst.Float, cst.Imaginary, cst.ConcatenatedString):
        return CONSTANT
    if kind is cst.Await:
        return ("w", from_cst(node.expression, depth + 1))  # type: ignore[union-attr]
    if kind is cst.IfExp:
        assert isinstance(node, cst.IfExp)
        return ("|", from_cst(node.body, depth + 1), from_cst(node.orelse, depth + 1))
    if kind is cst.BooleanOperation:
        assert isinstance(node, cst.BooleanOperation)
        options: list[Expr] = []
        current: cst.BaseExpression = node
        # `a or b or c` nests to the left: flatten it without recursing per link.
        while type(current) is cst.BooleanOperation and len(options) < MAX_ARGS:
            assert isinstance(current, cst.BooleanOperation)
            options.append(from_cst(current.right, depth + 1))
            current = current.left
        options.append(from_cst(current, depth + 1))
        return ("|", *reversed(options))
    if kind is cst.Subscript:
        assert isinstance(node, cst.Subscript)
        elements = node.slice
        if len(elements) == 1:
            index = from_cst(elements[0].slice, depth + 1)
        else:
            index = ("t", *(from_cst(e.slice, depth + 1) for e in elements[:MAX_ARGS]))
        return ("s", from_cst(node.value, depth + 1), index)
    if kind is cst.Index:
        return from_cst(node.value, depth + 1)  # type: ignore[union-attr]
    if kind is cst.Tuple or kind is cst.List:
        items = node.elements[:MAX_ARGS]  # type: ignore[union-attr]
        return (
            "t",
            *(from_cst(e.value, depth + 1) if type(e) is cst.Element else UNKNOWN for e in items),
        )
    if kind is cst.BinaryOperation:
        assert isinstance(node, cst.BinaryOperation)
        if type(node.operator) is cst.BitOr:
            return ("bor", from_cst(node.left, depth + 1), from_cst(node.right, depth + 1))
        return UNKNOWN
    if kind is cst.NamedExpr:
        return from_cst(node.value, depth + 1)  # type: ignore[union-attr]
    return UNKNOWN


def annotation_from_string(text: str) -> Expr:
    """A string annotation (`"Engine"`, `"Optional[Session]"`) as an expression."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return UNKNOWN
    return from_ast(tree.body)
