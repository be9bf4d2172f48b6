"""What a rule is: a code, a name, a docstring that is its documentation page,
its own VALID / INVALID examples (run by the test suite), and a check.

Modelled on Fixit (examples as data, one rule per file) and Ruff (stable codes,
kebab-case names, documented fix safety).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from .. import HOMEPAGE
from ..diagnostics import Fix, Severity, Span
from ..semantic import Analysis, Lifetime

# Each rule's page is generated into docs/rules/ from its docstring (scripts/generate_docs.py).
DOCS_BASE_URL = f"{HOMEPAGE}/blob/main/docs/rules"


@dataclass(frozen=True)
class Valid:
    """Code the rule must accept."""

    code: str
    files: Mapping[str, str] = field(default_factory=dict)  # other modules of the project


@dataclass(frozen=True)
class Invalid:
    """Code the rule must flag, starting at the first (or `occurrence`-th) `at` substring."""

    code: str
    at: str
    occurrence: int = 1
    files: Mapping[str, str] = field(default_factory=dict)
    expected_fix: str | None = None  # the whole module after the rule's preferred fix


@dataclass
class Finding:
    node: cst.CSTNode
    message: str
    lifetime: Lifetime | None = None


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    default_severity: ClassVar[Severity] = Severity.WARNING
    # What SQLAlchemy 2.0 removed: an error where the project requires 2.x, a hint
    # where it pins 1.x (see `checker._severity`).
    breaks_in_2_0: ClassVar[bool] = False
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        raise NotImplementedError

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        """The rule's preferred fix for one finding, if a mechanical one exists."""
        return None

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.documentation().splitlines()[0] if cls.__doc__ else cls.name

    @classmethod
    def url(cls) -> str:
        return f"{DOCS_BASE_URL}/{cls.code}.md"
