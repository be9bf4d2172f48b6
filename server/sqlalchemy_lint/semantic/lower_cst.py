"""Lowering libcst's expressions into `ir` (see there): the checked module's side."""

from __future__ import annotations

from typing import Union

import libcst as cst

from .ir import CONSTANT, MAX_ARGS, MAX_DEPTH, MAX_ITEMS, UNKNOWN, Expr

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
    if kind is cst.Tuple or kind is cst.List or kind is cst.Set:
        elements = node.elements  # type: ignore[union-attr]
        shown = tuple(
            from_cst(e.value, depth + 1) if type(e) is cst.Element else UNKNOWN
            for e in elements[:MAX_ITEMS]
        )
        return ("t", *shown, UNKNOWN) if len(elements) > MAX_ITEMS else ("t", *shown)
    if kind is cst.Dict:
        assert isinstance(node, cst.Dict)
        items = []
        for element in node.elements:
            if type(element) is not cst.DictElement or type(element.key) is not cst.SimpleString:
                return UNKNOWN  # `**other` or a computed key may give any key any value
            key = element.key.evaluated_value
            if not isinstance(key, str):
                return UNKNOWN
            items.append((key, from_cst(element.value, depth + 1)))
        return ("d", *items) if len(items) <= MAX_ITEMS else UNKNOWN
    if kind is cst.BinaryOperation:
        assert isinstance(node, cst.BinaryOperation)
        tag = "bor" if type(node.operator) is cst.BitOr else "op"
        return (tag, from_cst(node.left, depth + 1), from_cst(node.right, depth + 1))
    if kind is cst.NamedExpr:
        return from_cst(node.value, depth + 1)  # type: ignore[union-attr]
    return UNKNOWN
