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
    ("s", base, index)             base[index]; with an UNKNOWN index also what
                                   `for x in base` binds to x (an item of base)
    ("t", expr, ...)               a tuple, list or set display (one longer than
                                   MAX_ITEMS ends with UNKNOWN)
    ("i", expr, index)             item `index` of what expr gives, as an unpacking
                                   binds it (`_, conn = helper()`: conn is
                                   ("i", helper(), 1))
    ("d", (key, value), ...)       a dict display whose keys are all string literals
                                   (what `record["repo_id"]` reads)
    ("str", text)                  a string literal
    ("k",)                         another literal (number, None, True, ...)
    ("bor", left, right)           left | right (annotations: `Engine | None`)
    ("op", left, right)            any other binary operator (`count * 7`, `"'" + s`,
                                   `sql % args`): what it makes from its operands
    ("?",)                         anything else

Only what decides a kind, or whether a value is the program's own, is kept:
comparisons, comprehensions and the like are UNKNOWN, and very deep expressions
are cut off (UNKNOWN below `MAX_DEPTH`).
"""

from __future__ import annotations

import ast
from typing import Any

Expr = tuple[Any, ...]  # (tag, ...): see the module docstring
UNKNOWN: Expr = ("?",)
CONSTANT: Expr = ("k",)
MAX_DEPTH = 24
MAX_ARGS = 8
MAX_ITEMS = 24  # of a dict, list, tuple or set display

Keywords = tuple[tuple[str, Expr], ...]


def name(text: str) -> Expr:
    return ("n", text)


def element_of(iterable: Expr) -> Expr:
    """What `for x in iterable` binds to `x`: some item (or part of one) of it."""
    return ("s", iterable, UNKNOWN)


def item_of(value: Expr, index: int) -> Expr:
    """What an unpacking (`a, b = value`) binds to its target at `index`."""
    return ("i", value, index)


def from_dotted(text: str) -> Expr:
    """("a", ("n", "a"), "b") for `a.b`."""
    first, *rest = text.split(".")
    expr = name(first)
    for attr in rest:
        expr = ("a", expr, attr)
    return expr


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
        if isinstance(value, bool):
            return ("n", str(value))  # as libcst has it (a name), and as told apart
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
    if kind is ast.Tuple or kind is ast.List or kind is ast.Set:
        elements = node.elts  # type: ignore[attr-defined]
        # (A list of ten table names is the program's as much as one of three.)
        shown = tuple(from_ast(e, depth + 1) for e in elements[:MAX_ITEMS])
        return ("t", *shown, UNKNOWN) if len(elements) > MAX_ITEMS else ("t", *shown)
    if kind is ast.Dict:
        assert isinstance(node, ast.Dict)
        items = []
        for key, value in zip(node.keys, node.values):
            if type(key) is not ast.Constant or not isinstance(key.value, str):
                return UNKNOWN  # `**other` or a computed key may give any key any value
            items.append((key.value, from_ast(value, depth + 1)))
        return ("d", *items) if len(items) <= MAX_ITEMS else UNKNOWN
    if kind is ast.BinOp:
        assert isinstance(node, ast.BinOp)
        tag = "bor" if type(node.op) is ast.BitOr else "op"
        return (tag, from_ast(node.left, depth + 1), from_ast(node.right, depth + 1))
    if kind is ast.NamedExpr:
        return from_ast(node.value, depth + 1)  # type: ignore[attr-defined]
    return UNKNOWN


def annotation_from_string(text: str) -> Expr:
    """A string annotation (`"Engine"`, `"Optional[Session]"`) as an expression."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return UNKNOWN
    return from_ast(tree.body)
