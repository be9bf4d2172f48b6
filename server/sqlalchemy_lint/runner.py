"""Check (and optionally fix) a list of files, in parallel worker processes.

Each worker keeps its own project index (cross-module summaries); outcomes are
plain picklable values returned in the order the files were given. Checks run
on threads with a big stack (see `stack`), in worker processes or, for one job,
in this one. A file that still crashes its worker process is reported as an
internal error, and the other files are still checked.
"""

from __future__ import annotations

import difflib
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from . import results, snapshot
from .cache import Cache
from .config import Config, config_for, use_config_file
from .diagnostics import Diagnostic
from .gctune import tune_for_analysis
from .output import display_path
from .semantic.project import ProjectIndex, remembering_folders
from .sources import UnreadableSource, read_source
from .stack import run_with_big_stack

if TYPE_CHECKING:
    from .checker import CheckResult

log = logging.getLogger(__name__)

# Below this many files, starting worker processes costs more than it saves.
_MIN_FILES_PER_WORKER = 4
# Files per task sent to a worker: enough to make messaging cheap, few enough that
# the files in flight when a worker crashes are quickly checked again one by one.
_MAX_CHUNK = 16
CRASHED = "internal error: checking this file crashed the worker process (please report it)"


def internal_error(exc: BaseException) -> str:
    """One line for an exception raised while checking a file."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    detail = detail[:200] + ("..." if len(detail) > 200 else "")
    name = type(exc).__name__
    return (
        f"internal error while checking ({name}: {detail}); please report it"
        if detail
        else (f"internal error while checking ({name}); please report it")
    )


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
    # Where module summaries (and, with `cache_results`, per-file results) are kept;
    # None: nowhere (each process summarises for itself).
    cache_dir: str | None = None
    cache_results: bool = False
    # `--config PATH`: the configuration of every file (workers are told it too).
    config_file: str | None = None
    # Where the check started (the folders given): the project of a file that has no
    # project marker above it.
    roots: tuple[str, ...] = ()


@dataclass
class FileOutcome:
    path: Path
    excluded: bool = False
    error: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    suppressed: list[Diagnostic] = field(default_factory=list)
    source: str = ""
    fixed: int = 0
    fixed_codes: tuple[str, ...] = ()  # with --fix/--diff: the code of each fix applied
    diff: list[str] = field(default_factory=list)
    config_root: Path | None = None
    config_problems: tuple[str, ...] = ()
    result_key: str | None = None  # the cached result this outcome is (or was stored as)
    # What besides the text decided `result_key` (settings, declarations), as a digest:
    # the next run reuses the key of a file whose stamp and settings did not change
    # without reading it (see `snapshot.Snapshot.keys`).
    settings_key: str | None = None
    # Rules that failed on the file (logged where they failed): its other findings
    # stand, but the run must not look clean, nor be kept in the cache as such.
    failed_rules: tuple[str, ...] = ()


class FileChecker:
    def __init__(self, request: CheckRequest) -> None:
        self.request = request
        cache = Cache(Path(request.cache_dir)) if request.cache_dir is not None else None
        roots = [Path(root) for root in request.roots]
        self.project = ProjectIndex(cache=cache, unmarked_roots=lambda: roots)
        reusable = request.cache_results and not (request.fix or request.diff)
        self.results = cache if reusable else None
        # Per folder, since files do not change during a run (and every file asks):
        # its configuration, its project's declarations' stamps and unmarked project.
        self._configs: dict[str, Config] = {}
        self._project_settings: dict[str, tuple[object, str]] = {}

    def _config_for(self, path: Path) -> Config:
        folder = os.path.dirname(path)
        config = self._configs.get(folder)
        if config is None:
            config = self._configs[folder] = config_for(path)
        return config

    def check(self, path: Path, explicit: bool) -> FileOutcome:
        """The outcome of checking `path`. Whatever goes wrong while reading, parsing,
        analysing, positioning or fixing it (libcst included) is this file's problem
        only: it is reported as an internal error, and the run goes on."""
        try:
            return self._check_file(path, explicit)
        except Exception as exc:
            log.debug("checking %s failed", path, exc_info=True)
            return FileOutcome(path, error=internal_error(exc))

    def _check_file(self, path: Path, explicit: bool) -> FileOutcome:
        config = self._config_for(path)
        outcome = FileOutcome(path, config_root=config.root, config_problems=config.problems)
        if not explicit and config.excludes(path):
            outcome.excluded = True
            return outcome
        try:
            source = read_source(path)
        except UnreadableSource as exc:
            outcome.error = str(exc)
            return outcome
        outcome.source = source.text
        if self.results is None:
            self._check(path, source.text, source.encoding, config, outcome)
            return outcome
        key = self._result_key(path, source.text, config, outcome)
        if self._reuse(key, outcome):
            return outcome
        with self.project.recording() as record:
            self._check(path, source.text, source.encoding, config, outcome)
        if outcome.failed_rules:
            return outcome
        self.results.put(
            results.NAMESPACE,
            key,
            results.encode(
                results.CachedResult(outcome.diagnostics, outcome.suppressed, outcome.error, record)
            ),
        )
        outcome.result_key = key
        return outcome

    def cached(
        self, path: Path, explicit: bool, changes: snapshot.Changes | None = None
    ) -> FileOutcome | None:
        """The outcome of `check` when the cache holds a result that is still valid
        (`changes`: since the previous run's snapshot, for results it validated)."""
        if self.results is None:
            return None
        config = self._config_for(path)
        outcome = FileOutcome(path, config_root=config.root, config_problems=config.problems)
        if not explicit and config.excludes(path):
            outcome.excluded = True
            return outcome
        if changes is not None and self._reuse_by_stamp(path, config, outcome, changes):
            return outcome
        try:
            source = read_source(path)
        except UnreadableSource:
            return None  # `check` says why
        outcome.source = source.text
        key = self._result_key(path, source.text, config, outcome)
        trusted = changes is not None and changes.trusted(key)
        return outcome if self._reuse(key, outcome, trusted) else None

    def _reuse_by_stamp(
        self, path: Path, config: Config, outcome: FileOutcome, changes: snapshot.Changes
    ) -> bool:
        """Reuse the previous run's result of a file whose stamp and settings are the
        same, without reading or hashing it: the same text under the same settings has
        the same key (stamps are trusted as mypy and Ruff trust them; see snapshot.py).
        The text is read only to show a finding."""
        absolute = os.path.abspath(path)
        known = changes.previous.keys.get(absolute)
        if known is None or not self.project.unchanged_file(changes, absolute):
            return False
        key, settings = known
        if settings != self._settings_key(path, config) or not changes.trusted(key):
            return False
        if not self._reuse(key, outcome, trusted=True):
            return False
        outcome.settings_key = settings
        if outcome.diagnostics:
            try:
                outcome.source = read_source(path).text
            except UnreadableSource:
                return False
        return True

    def _result_key(self, path: Path, text: str, config: Config, outcome: FileOutcome) -> str:
        settings = outcome.settings_key = self._settings_key(path, config)
        return results.result_key(path, text, settings)

    def _settings_key(self, path: Path, config: Config) -> str:
        request = self.request
        selection = config.selection(
            path, select=request.select, ignore=request.ignore, extend_select=request.extend_select
        )
        folder = os.path.dirname(os.path.abspath(path))
        project = self._project_settings.get(folder)
        if project is None:
            project = self._project_settings[folder] = results.project_settings(
                self.project, folder
            )
        return results.settings_key(
            project,
            selection,
            config.severity,
            config.options,
            request.with_fixes,
            request.report_unused_noqa,
        )

    def _reuse(self, key: str, outcome: FileOutcome, trusted: bool = False) -> bool:
        assert self.results is not None
        cached = results.load(self.results, key)
        if cached is None or not self.project.still_valid(cached.record, trusted):
            return False
        outcome.diagnostics = cached.diagnostics
        outcome.suppressed = cached.suppressed
        outcome.error = cached.problem
        outcome.result_key = key
        return True

    def _check(
        self,
        path: Path,
        text: str,
        encoding: str,
        config: Config,
        outcome: FileOutcome,
    ) -> None:
        from .checker import check_source, unreadable_syntax
        from .fixing import fix_source
        from .semantic.prefilter import might_involve_sqlalchemy

        request = self.request
        rules = config.rules_for(
            path, select=request.select, ignore=request.ignore, extend_select=request.extend_select
        )
        source = _Text(text, encoding)
        wants_noqa_report = request.report_unused_noqa and "noqa" in source.text
        if not wants_noqa_report and not might_involve_sqlalchemy(
            source.text, path, self.project, config.options
        ):
            # No rule can fire, so no libcst parse; CPython's parser (several
            # times faster) still tells whether the file could be checked at all.
            outcome.error = unreadable_syntax(source.text, str(path))
            return
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
                outcome.fixed_codes = fixed.applied_codes
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
                stamp=self.project.stamp_of(path),
            )
        outcome.error = result.problem
        outcome.diagnostics = result.diagnostics
        outcome.suppressed = result.suppressed
        outcome.failed_rules = tuple(result.failed_rules)


@dataclass(frozen=True)
class _Text:
    text: str
    encoding: str


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
    use_config_file(Path(request.config_file) if request.config_file is not None else None)
    _worker = FileChecker(request)
    tune_for_analysis()


def _check_in_worker(item: tuple[Path, bool]) -> FileOutcome:
    assert _worker is not None
    return run_with_big_stack(_worker.check, *item)


def _check_chunk_in_worker(items: list[tuple[Path, bool]]) -> list[FileOutcome]:
    assert _worker is not None
    checker = _worker
    return run_with_big_stack(lambda: [checker.check(*item) for item in items])


def start_prewarmed(request: CheckRequest, jobs: int) -> _Prewarmed | None:
    """After a previous run, most results are still valid and the few files left are
    checked in one process, which must first import the analysis (libcst and the
    rules: more than the analysis of a typical file). A worker started as soon as the
    request is known pays that while this process finds the files, takes the stamps
    and reads the cache (`check_files` stops it if nothing changed). None when no
    earlier run left a snapshot, or results are not reused."""
    if jobs <= 1 or not request.cache_results or request.fix or request.diff:
        return None
    if request.cache_dir is None or not snapshot.any_taken(Cache(Path(request.cache_dir))):
        return None
    return _Prewarmed(request)


def check_files(
    files: Sequence[Path],
    explicit: set[Path],
    request: CheckRequest,
    jobs: int,
    prewarmed: _Prewarmed | None = None,
) -> Iterator[FileOutcome]:
    """Outcomes in the order of `files`. Results the cache still holds are taken here,
    before any worker starts: an unchanged tree is read and hashed, not parsed.
    `prewarmed`: the worker `start_prewarmed` gave for this request, if any."""
    # (Resolving costs a system call per folder of the path: only when some file
    # was named explicitly.)
    items = [(path, bool(explicit) and path.resolve() in explicit) for path in files]
    if not request.cache_results or request.fix or request.diff:
        if prewarmed is not None:
            prewarmed.stop()
        yield from _check_items(items, request, jobs)
        return
    looker = FileChecker(request)
    assert looker.results is not None
    # Each folder's project root and declarations are looked up once for all its
    # files, not once per file, while the stamps are taken and the cache is read.
    with remembering_folders():
        # Stamps first, before any file is read (see snapshot.py).
        now = looker.project.snapshot(list(files))
        previous = snapshot.load(looker.results, now.roots)
        changes = snapshot.Changes(previous, now) if previous is not None else None
        looker.project.trust_changes(changes)
        if prewarmed is not None and not (changes and changes.any()):
            prewarmed.stop()
            prewarmed = None
        reused: dict[int, FileOutcome] = {}
        for index, item in enumerate(items):
            try:
                outcome = looker.cached(*item, changes)
            except Exception:  # a cache that cannot answer: the file is checked instead
                log.debug("no cached result for %s", item[0], exc_info=True)
                outcome = None
            if outcome is not None:
                reused[index] = outcome
    log.debug(
        "cache %s: %d of %d results still valid (%s)",
        request.cache_dir,
        len(reused),
        len(items),
        "since the previous run's snapshot" if changes is not None else "no previous snapshot",
    )
    left = [i for n, i in enumerate(items) if n not in reused]
    checked = None
    if prewarmed is not None:
        if left and _workers_for(len(left), jobs) <= 1:
            checked = prewarmed.check(left)
        prewarmed.stop()
    rest = iter(checked if checked is not None else _check_items(left, request, jobs))
    validated: set[str] = set()
    keys: dict[str, tuple[str, str]] = {}
    for index in range(len(items)):
        outcome = reused[index] if index in reused else next(rest)
        if outcome.result_key is not None:
            validated.add(outcome.result_key)
            if outcome.settings_key is not None:
                keys[os.path.abspath(outcome.path)] = (outcome.result_key, outcome.settings_key)
        yield outcome
    now.validated = frozenset(validated)
    now.keys = keys
    snapshot.store(looker.results, now)


def _check_items(
    items: list[tuple[Path, bool]], request: CheckRequest, jobs: int
) -> Iterator[FileOutcome]:
    workers = _workers_for(len(items), jobs)
    log.debug(
        "analysing %d file%s %s",
        len(items),
        "s" * (len(items) != 1),
        f"in {workers} worker processes" if workers > 1 else "in this process",
    )
    if workers <= 1:
        checker = FileChecker(request)
        for item in items:
            yield run_with_big_stack(checker.check, *item)
        return
    yield from _check_in_pool(items, request, workers)


def _workers_for(files: int, jobs: int) -> int:
    return min(jobs, files // _MIN_FILES_PER_WORKER)


class _Prewarmed:
    """One worker process that imports the analysis as soon as it starts, then checks
    the files it is sent (once) and exits. If it dies, `check` says so (None) and the
    files are checked the usual way, where a crash is reported per file."""

    def __init__(self, request: CheckRequest) -> None:
        context = multiprocessing.get_context()
        self._connection, theirs = context.Pipe()
        self._process = context.Process(
            target=_prewarmed_worker, args=(theirs, request), name="sqlalchemy-lint-prewarmed"
        )
        self._process.daemon = True  # never outlives this process
        self._process.start()
        theirs.close()

    def check(self, items: list[tuple[Path, bool]]) -> list[FileOutcome] | None:
        try:
            self._connection.send(items)
            outcomes: list[FileOutcome] = self._connection.recv()
        except (EOFError, OSError):
            log.debug("the prewarmed worker died; checking without it", exc_info=True)
            return None
        return outcomes

    def stop(self) -> None:
        """Stop it whatever it is doing (an unchanged tree leaves it nothing to do)."""
        self._connection.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)


def _prewarmed_worker(connection: Connection, request: CheckRequest) -> None:
    from .warmup import warm_up

    _start_worker(request)
    warm_up()
    try:
        items: list[tuple[Path, bool]] = connection.recv()
    except (EOFError, OSError):
        return  # nothing to check: every result was still valid
    connection.send(_check_chunk_in_worker(items))
    connection.close()


def _new_pool(request: CheckRequest, workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(request,))


def _check_in_pool(
    items: list[tuple[Path, bool]], request: CheckRequest, workers: int
) -> Iterator[FileOutcome]:
    """Outcomes in the order of `items`, checked by `workers` processes.

    At most two chunks per worker are in flight, so when a worker dies (and the
    pool with it) only those are lost: their files are checked again one by one,
    and the rest goes on in a new pool.
    """
    size = max(1, min(_MAX_CHUNK, len(items) // (workers * 8)))
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    queue = deque(range(len(chunks)))
    results: dict[int, list[FileOutcome]] = {}
    emitted = 0
    while emitted < len(chunks):
        lost: list[int] = []
        with _new_pool(request, workers) as pool:
            in_flight: dict[Future[list[FileOutcome]], int] = {}
            broken = False
            while (queue or in_flight) and not lost and not broken:
                while queue and len(in_flight) < 2 * workers:
                    index = queue.popleft()
                    try:
                        in_flight[pool.submit(_check_chunk_in_worker, chunks[index])] = index
                    except BrokenProcessPool:
                        # A worker died between two submissions: this chunk was never
                        # sent, and the ones in flight tell which were lost.
                        queue.appendleft(index)
                        broken = True
                        break
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = in_flight.pop(future)
                    try:
                        results[index] = future.result()
                    except BrokenProcessPool:
                        lost.append(index)
                while emitted in results:
                    yield from results.pop(emitted)
                    emitted += 1
            if lost or broken:  # the pool is broken: what was still in flight is lost too
                wait(in_flight)
                for future, index in in_flight.items():
                    if future.exception() is None:
                        results[index] = future.result()
                    else:
                        lost.append(index)
        for index in lost:
            results[index] = _check_one_by_one(chunks[index], request)
        while emitted in results:
            yield from results.pop(emitted)
            emitted += 1


def _check_one_by_one(items: list[tuple[Path, bool]], request: CheckRequest) -> list[FileOutcome]:
    """Check each file alone in a worker process; one that crashes it is an internal error."""
    outcomes: list[FileOutcome] = []
    pending = list(items)
    while pending:
        with _new_pool(request, 1) as pool:
            while pending:
                path, explicit = pending[0]
                try:
                    outcomes.append(pool.submit(_check_in_worker, (path, explicit)).result())
                except BrokenProcessPool:
                    outcomes.append(FileOutcome(path, error=CRASHED))
                    pending.pop(0)
                    break  # a new worker for the files after it
                pending.pop(0)
    return outcomes
