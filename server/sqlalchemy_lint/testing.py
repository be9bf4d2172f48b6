"""Run a rule's own VALID / INVALID examples (the test suite is generated from them).

Each example is written into a temporary project, with the extra modules it
names, and checked exactly as the CLI would check it.
"""

from __future__ import annotations

import contextlib
import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Union

from .checker import CheckResult, check_source
from .diagnostics import Position
from .rules import Invalid, Rule, Valid, all_rules
from .semantic import ProjectIndex

Example = Union[Valid, Invalid]


def examples() -> Iterator[tuple[type[Rule], Example, str]]:
    """(rule, example, test id) for every example of every rule."""
    for rule in all_rules():
        for number, valid in enumerate(rule.VALID, start=1):
            yield rule, valid, f"{rule.code}-valid-{number}"
        for number, invalid in enumerate(rule.INVALID, start=1):
            yield rule, invalid, f"{rule.code}-invalid-{number}"


def check_example(rule: type[Rule], example: Example, root: Path) -> tuple[str, CheckResult]:
    (root / "pyproject.toml").write_text("[project]\nname = 'example'\n")
    for name, text in example.files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    source = textwrap.dedent(example.code).lstrip("\n")
    main = root / "main.py"
    main.write_text(source)
    with failures_raise():
        return source, check_source(source, main, rules=[rule], project=ProjectIndex())


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def failures_raise() -> Iterator[None]:
    """A rule or fix that raises is logged and skipped in use (the rest of the file is
    still checked); in a test, it is a failure."""
    failures = _Failures()
    logger = logging.getLogger("sqlalchemy_lint")
    logger.addHandler(failures)
    try:
        yield
    finally:
        logger.removeHandler(failures)
    if failures.messages:
        raise AssertionError(f"failed while checking: {failures.messages}")


def position_of(source: str, needle: str, occurrence: int = 1) -> Position:
    """Where the `occurrence`-th `needle` starts (1-based line, 0-based column)."""
    index = -1
    for _ in range(occurrence):
        index = source.find(needle, index + 1)
        if index == -1:
            raise AssertionError(f"{needle!r} (occurrence {occurrence}) is not in the example")
    line = source.count("\n", 0, index) + 1
    column = index - (source.rfind("\n", 0, index) + 1)
    return Position(line, column)
