"""The checked module's functions (libcst) and its summary's functions (ast) must be
the same things to the evaluator: a differential test of their qualnames."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlalchemy_lint.semantic.inference import _qualnames
from sqlalchemy_lint.semantic.summary import summarise_source
from sqlalchemy_lint.sources import parse_module_safely

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    [
        *(ROOT / "server").rglob("*.py"),
        *(ROOT / "tests" / "corpus").rglob("*.py"),
        *(ROOT / "tests" / "heldout").rglob("*.py"),
    ]
)

TRICKY = """
from typing import overload

@overload
def f(x: int) -> int: ...
@overload
def f(x: str) -> str: ...
def f(x):
    def inner():
        pass
    return inner

if True:
    class C:
        def m(self):
            class D:
                def m(self): ...
        def m(self):  # redefined
            pass
else:
    def g(): ...

try:
    def h(): ...
except Exception:
    def h(): ...
else:
    def k(): ...
finally:
    def k(): ...

match f:
    case 1:
        def n(): ...
"""


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_qualnames_agree_on_real_code(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    summary = summarise_source(source)
    assert set(_qualnames(parse_module_safely(source)).values()) == set(summary.functions) | set(
        summary.classes
    )


def test_qualnames_agree_on_redefinitions_and_nesting() -> None:
    summary = summarise_source(TRICKY)
    names = set(_qualnames(parse_module_safely(TRICKY)).values())
    assert names == set(summary.functions) | set(summary.classes)
    assert {"f", "f#2", "f#3", "f#3.inner", "C.m", "C.m#2", "C.m.D.m", "h#2", "k#2"} <= names
