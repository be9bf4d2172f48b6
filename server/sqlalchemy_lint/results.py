"""Per-file results of `check`, kept in the cache (`cache.py`) between runs.

A result is stored under a key made of the file's path and text, the tool's
version and everything of the configuration that decides it (the rules in force
for that file, severities, analysis options, whether fixes are wanted). With it
go the modules the analysis read, each with a digest of its summary, and the
imports it resolved (including those that found nothing): a result is reused
only while every one of those modules still summarises the same and every import
still resolves to the same file. So editing a module re-checks the files that
read it only when what it declares changed, and adding a module that an import
would now find re-checks the importer.

Loading a result needs neither libcst nor the rules: a run over an unchanged tree
reads and hashes the files and nothing more.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import Cache, content_key
from .diagnostics import Applicability, Diagnostic, Fix, Position, Severity, Span, TextEdit

if TYPE_CHECKING:
    from .semantic.project import ProjectIndex

FORMAT = 4
NAMESPACE = f"results-{FORMAT}"


@dataclass
class Record:
    """What one check read of the project (filled in by `ProjectIndex.recording`)."""

    summaries: dict[str, str] = field(default_factory=dict)  # path -> summary digest
    # (importing folder, module as written) -> the file found (None: none)
    resolutions: dict[tuple[str, str], str | None] = field(default_factory=dict)
    # (project root, word) -> the files that mention it (where callers can be)
    searches: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)


def project_settings(project: ProjectIndex, folder: str) -> tuple[object, str]:
    """What the project of a file in `folder` declares that decides its result beside
    its text and the modules it reads: the stamps of its declarations (its SQLAlchemy
    requirement, its console scripts) and, for a file with no project marker above
    it, the folder taken as its project. (Both stat every folder up to the root:
    callers keep this per folder.)"""
    from .semantic.versions import declarations_stamp  # (it reads `Record` from here)

    return (
        declarations_stamp(Path(folder)),
        str(project.unmarked_project(Path(folder, "__importer__.py"))),
    )


def settings_key(
    project: tuple[object, str],
    selection: object,
    severity: Mapping[str, Severity],
    options: object,
    with_fixes: bool,
    report_unused_noqa: bool,
) -> str:
    """A digest of what decides a file's result besides its text and the modules it
    reads: its project's declarations, its rules and options."""
    decisive = (
        *project,
        selection,
        sorted((code, level.value) for code, level in severity.items()),
        options,
        with_fixes,
        report_unused_noqa,
    )
    return content_key(NAMESPACE, repr(decisive))


def result_key(path: Path, text: str, settings: str) -> str:
    """Where the result of checking `text` as the file `path` under `settings` is kept."""
    return content_key(NAMESPACE, os.path.abspath(path), text, settings)


@dataclass
class CachedResult:
    diagnostics: list[Diagnostic]
    suppressed: list[Diagnostic]
    problem: str | None
    record: Record


def encode(result: CachedResult) -> bytes:
    resolutions = result.record.resolutions.items()
    searches = result.record.searches.items()
    return marshal.dumps(
        (
            FORMAT,
            [_diagnostic_data(d) for d in result.diagnostics],
            [_diagnostic_data(d) for d in result.suppressed],
            result.problem,
            result.record.summaries,
            [(folder, module, found) for (folder, module), found in resolutions],
            [(root, word, matching) for (root, word), matching in searches],
        )
    )


def load(cache: Cache, key: str) -> CachedResult | None:
    """The result kept under `key`; None when there is none, or a damaged one (the
    file is then checked again and its result written anew)."""
    blob = cache.get(NAMESPACE, key)
    if blob is None:
        return None
    try:
        return decode(blob)
    except ValueError:
        return None


def decode(blob: bytes) -> CachedResult:
    """Raises ValueError for anything that is not a whole result of this format."""
    try:
        data = marshal.loads(blob)
        version, diagnostics, suppressed, problem, summaries, resolutions, searches = data
        if version != FORMAT:
            raise ValueError("a result of another format")
        return CachedResult(
            [_diagnostic(d) for d in diagnostics],
            [_diagnostic(d) for d in suppressed],
            problem,
            Record(
                dict(summaries),
                {(folder, module): found for folder, module, found in resolutions},
                {(root, word): tuple(matching) for root, word, matching in searches},
            ),
        )
    except (EOFError, TypeError, KeyError, ValueError) as exc:
        raise ValueError(f"a damaged result: {exc}") from None


def _span_data(span: Span) -> tuple[int, int, int, int]:
    return (span.start.line, span.start.column, span.end.line, span.end.column)


def _span(data: tuple[int, int, int, int]) -> Span:
    return Span(Position(data[0], data[1]), Position(data[2], data[3]))


def _diagnostic_data(d: Diagnostic) -> tuple:  # type: ignore[type-arg]
    fix = None
    if d.fix is not None:
        fix = (
            d.fix.title,
            d.fix.applicability.value,
            tuple((_span_data(e.span), e.content) for e in d.fix.edits),
        )
    return (d.code, d.name, d.message, _span_data(d.span), d.severity.value, d.url, fix, d.notes)


def _diagnostic(data: tuple) -> Diagnostic:  # type: ignore[type-arg]
    code, name, message, span, severity, url, fix, notes = data
    return Diagnostic(
        code=code,
        name=name,
        message=message,
        span=_span(span),
        severity=Severity(severity),
        url=url,
        fix=None
        if fix is None
        else Fix(
            fix[0],
            Applicability(fix[1]),
            tuple(TextEdit(_span(span), content) for span, content in fix[2]),
        ),
        notes=tuple(notes),
    )
