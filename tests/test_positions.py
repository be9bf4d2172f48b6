"""Where findings are placed: the fast path through CPython's tree must agree with
libcst's own position tracking for every call, in every top-level statement."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from sqlalchemy_lint.semantic.model import build_model
from sqlalchemy_lint.semantic.positions import _call_positions_from_ast, resolve_positions

CORPUS = Path(__file__).parent / "corpus"

TRICKY = """\
import functools as ft; from sqlalchemy import text; x = text("a"); y = len(str(x))


@ft.lru_cache(maxsize=int("8"))
@ft.wraps(print)
def handler(a=dict(k=list()), *, b=set()) -> type(None):
    café = "é" + str(f"{len(a)!r:>{int('3')}} and {max(1, 2)}")
    return [(lambda n: abs(n))(v) for v in range(3) if bool(v)] or café.upper()


class Repo(dict(a=1).__class__, metaclass=type):
    attr = staticmethod(print)

    def method(self): return self.get("k", sorted([3, 1])) ; print()


result = (
    handler()
)(print)(

)
"""


def _libcst_call_positions(source: str) -> tuple[cst.Module, dict[cst.CSTNode, object]]:
    wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    return wrapper.module, {n: positions[n] for n in positions if isinstance(n, cst.Call)}


def _sources() -> list[tuple[str, str]]:
    found = [("tricky", TRICKY)]
    for path in sorted(CORPUS.rglob("*.py")):
        found.append((str(path.relative_to(CORPUS)), path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize(("name", "source"), _sources(), ids=[n for n, _ in _sources()])
def test_call_positions_from_cpython_match_libcst(name: str, source: str) -> None:
    module, expected = _libcst_call_positions(source)
    model = build_model(module)
    calls: list[cst.CSTNode] = list(model.calls)
    assert len(calls) == len(expected)
    for tree in (None, ast.parse(source)):
        found = _call_positions_from_ast(model, source, calls, tree)
        assert found is not None, "the fast path gave up"
        assert found == expected
    # Each call alone too: only its own statement is walked.
    for call in calls:
        assert resolve_positions(model, source, [call]) == {call: expected[call]}


def test_mismatched_trees_fall_back_to_libcst_positions() -> None:
    """A tree of other text cannot be paired; the positions still come out right."""
    source = "a = f(1)\nb = g(h(2))\n"
    module, expected = _libcst_call_positions(source)
    model = build_model(module)
    calls: list[cst.CSTNode] = list(model.calls)
    other = ast.parse("a = f(1)\nb = g(2)\n")  # one call fewer in the second statement
    assert _call_positions_from_ast(model, source, calls, other) is None
    assert resolve_positions(model, source, calls, other) == expected
