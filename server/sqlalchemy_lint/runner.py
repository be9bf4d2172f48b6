"""Check (and optionally fix) a list of files, in parallel worker processes.

Each worker keeps its own project index (cross-module summaries); outcomes are
plain picklable values returned in the order the files were given.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .checker import CheckResult, check_source
from .config import config_for
from .diagnostics import Diagnostic
from .fixing import fix_source
from .output import display_path
from .semantic import ProjectIndex
from .semantic.prefilter import might_involve_sqlalchemy
from .sources import UnreadableSource, read_source

# Below this many files, starting worker processes costs more than it saves.
_MIN_FILES_PER_WORKER = 4


@dataclass(frozen=True)
class CheckRequest:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool = False
    report_unused_noqa: bool = False
    # Fixes cost more than the analysis: compute them only when the output carries
    # them (json) or they are applied (--fix, --diff).
    with_fixes: bool = False


@dataclass
class FileOutcome:
    path: Path
    excluded: bool = False
    error: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    suppressed: list[Diagnostic] = field(default_factory=list)
    source: str = ""
    fixed: int = 0
    diff: list[str] = field(default_factory=list)
    config_root: Path | None = None
    config_problems: tuple[str, ...] = ()


class FileChecker:
    def __init__(self, request: CheckRequest) -> None:
        self.request = request
        self.project = ProjectIndex()

    def check(self, path: Path, explicit: bool) -> FileOutcome:
        request = self.request
        config = config_for(path)
        outcome = FileOutcome(path, config_root=config.root, config_problems=config.problems)
        if not explicit and config.excludes(path):
            outcome.excluded = True
            return outcome
        rules = config.rules_for(
            path,
            select=request.select,
            ignore=request.ignore,
            extend_select=request.extend_select,
        )
        try:
            source = read_source(path)
        except UnreadableSource as exc:
            outcome.error = str(exc)
            return outcome
        outcome.source = source.text
        wants_noqa_report = request.report_unused_noqa and "noqa" in source.text
        if not wants_noqa_report and not might_involve_sqlalchemy(
            source.text, path, self.project, config.options
        ):
            return outcome
        result: CheckResult
        if request.fix or request.diff:
            fixed = fix_source(
                source.text,
                path,
                rules=rules,
                project=self.project,
                unsafe=request.unsafe_fixes,
                severity=config.severity,
                options=config.options,
                report_unused_noqa=request.report_unused_noqa,
            )
            if fixed.source != source.text:
                outcome.fixed = fixed.applied
                if request.diff:
                    outcome.diff = unified_diff(path, source.text, fixed.source)
                else:
                    write_back(path, fixed.source, source.encoding)
                    outcome.source = fixed.source
            result = fixed.remaining
        else:
            result = check_source(
                source.text,
                path,
                rules=rules,
                project=self.project,
                severity=config.severity,
                options=config.options,
                report_unused_noqa=request.report_unused_noqa,
                with_fixes=request.with_fixes,
            )
        outcome.error = result.problem
        outcome.diagnostics = result.diagnostics
        outcome.suppressed = result.suppressed
        return outcome


def unified_diff(path: Path, before: str, after: str) -> list[str]:
    name = display_path(path)
    return list(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
    )


def write_back(path: Path, text: str, encoding: str) -> None:
    # Keep the file's own encoding and line endings (newline="" writes them as they are).
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(text)


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


_worker: FileChecker | None = None


def _start_worker(request: CheckRequest) -> None:
    global _worker
    _worker = FileChecker(request)


def _check_in_worker(item: tuple[Path, bool]) -> FileOutcome:
    assert _worker is not None
    return _worker.check(*item)


def check_files(
    files: Sequence[Path], explicit: set[Path], request: CheckRequest, jobs: int
) -> Iterator[FileOutcome]:
    items = [(path, path.resolve() in explicit) for path in files]
    workers = min(jobs, len(items) // _MIN_FILES_PER_WORKER)
    if workers <= 1:
        checker = FileChecker(request)
        for item in items:
            yield checker.check(*item)
        return
    chunk = max(1, len(items) // (workers * 8))
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(request,)) as pool:
        yield from pool.map(_check_in_worker, items, chunksize=chunk)
