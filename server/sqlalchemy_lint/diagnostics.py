"""The values the analysis hands to its front ends (CLI, language server).

Positions are 1-based lines and 0-based columns counted in Unicode code points,
as libcst reports them. Front ends convert: the CLI prints 1-based columns like
Ruff, the language server converts to the client's encoding (UTF-16 by default).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Position:
    line: int  # 1-based
    column: int  # 0-based, in code points


@dataclass(frozen=True, order=True)
class Span:
    start: Position
    end: Position


class Applicability(str, enum.Enum):
    """How much a fix can be trusted, in Ruff's terms."""

    SAFE = "safe"  # applied by `check --fix`
    UNSAFE = "unsafe"  # applied only with `--unsafe-fixes`; may change behaviour


@dataclass(frozen=True)
class TextEdit:
    """Replace the text in `span` with `content` (an insertion has start == end)."""

    span: Span
    content: str


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[TextEdit, ...]

    def applies(self, unsafe: bool) -> bool:
        """Whether `--fix` applies it (with `--unsafe-fixes` when `unsafe`)."""
        return unsafe or self.applicability is Applicability.SAFE


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


@dataclass(frozen=True)
class Diagnostic:
    code: str  # stable rule code, e.g. "SQA101"
    name: str  # kebab-case rule name, e.g. "connection-not-closed"
    message: str
    span: Span
    severity: Severity
    url: str
    fix: Fix | None = None
    # Extra facts a front end may show (e.g. what the resource is); never needed to act.
    notes: tuple[str, ...] = field(default=())

    @property
    def line(self) -> int:
        return self.span.start.line


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be checked, and why, in words for the user."""

    path: str
    message: str
