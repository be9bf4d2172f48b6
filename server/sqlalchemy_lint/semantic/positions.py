"""Source positions for the few nodes that are reported.

libcst's PositionProvider generates code for the whole module with position
tracking, which costs about as much as parsing it again. Reported nodes are
calls, and CPython's own parser (C, many times faster) knows where every call
is: both trees list calls in the same source order, so the n-th call of one is
the n-th call of the other. The match is checked (same count, same callee name
at the reported place); on any doubt, or for syntax CPython cannot parse, the
libcst provider is used.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .model import ModuleModel


def resolve_positions(
    model: ModuleModel, source: str, nodes: Iterable[cst.CSTNode]
) -> Mapping[cst.CSTNode, CodeRange]:
    wanted = list(nodes)
    if all(isinstance(node, cst.Call) for node in wanted):
        found = _call_positions_from_ast(model, source, wanted)
        if found is not None:
            return found
    return MetadataWrapper(model.module, unsafe_skip_copy=True).resolve(PositionProvider)


def _call_positions_from_ast(
    model: ModuleModel, source: str, wanted: list[cst.CSTNode]
) -> dict[cst.CSTNode, CodeRange] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    if len(calls) != len(model.calls):
        return None
    # Source order; a call that starts where another does and ends later encloses it.
    calls.sort(
        key=lambda c: (c.lineno, c.col_offset, -(c.end_lineno or 0), -(c.end_col_offset or 0))
    )
    index = {call: number for number, call in enumerate(model.calls)}
    lines = source.splitlines(keepends=True)
    found: dict[cst.CSTNode, CodeRange] = {}
    for node in wanted:
        assert isinstance(node, cst.Call)
        number = index.get(node)
        if number is None:
            return None
        call = calls[number]
        if call.end_lineno is None or call.end_col_offset is None:
            return None
        start = (call.lineno, _code_points(lines, call.lineno, call.col_offset))
        end = (call.end_lineno, _code_points(lines, call.end_lineno, call.end_col_offset))
        if not _callee_matches(node, call):
            return None
        found[node] = CodeRange(start, end)
    return found


def _code_points(lines: list[str], line: int, utf8_offset: int) -> int:
    """ast counts columns in UTF-8 bytes; libcst (and we) in code points."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:utf8_offset].decode("utf-8", errors="replace"))


def _callee_matches(node: cst.Call, call: ast.Call) -> bool:
    """Same callee name on both sides: a cheap check that the pairing is right."""
    ours = node.func
    theirs = call.func
    if isinstance(ours, cst.Name) and isinstance(theirs, ast.Name):
        return ours.value == theirs.id
    if isinstance(ours, cst.Attribute) and isinstance(theirs, ast.Attribute):
        return ours.attr.value == theirs.attr
    return type(ours).__name__ == type(theirs).__name__
