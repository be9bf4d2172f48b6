"""The pygls language server: state on a `LanguageServer` subclass, features as
small handlers.

Analysis never runs on the event loop: each change (re)starts a per-document
debounce timer, and when it fires the analysis runs in a worker thread on a
snapshot of the text. A result for a version the editor has moved past is
dropped. A document that does not parse keeps its last good diagnostics.
Nothing is ever printed to stdout (it carries the protocol); logs go to stderr
or --log-file. Handlers on the event loop only look things up: analyses, fixes
and hover texts are all computed in worker threads.
"""

from __future__ import annotations

import asyncio
import fnmatch
import functools
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from .. import __version__, results
from ..cache import Cache, default_cache_dir
from ..cancellation import AnalysisCancelled, cancellable
from ..checker import CheckResult, add_fixes, check_module, check_source
from ..config import (
    Config,
    cache_dir_setting,
    config_file_problem,
    config_for,
    forget_locations,
    use_config_file,
)
from ..diagnostics import Applicability, Diagnostic, Position
from ..fixing import FixOutcome, fix_source
from ..gctune import collect_while_idle
from ..semantic import ProjectIndex
from ..semantic.positions import StatementPositions
from ..sources import UnreadableSource, read_source, size_problem
from ..stack import BigStackExecutor
from ..warmup import warm_up
from .conversions import SOURCE, edits_from_data, to_lsp_diagnostic
from .hover import HoverBuilder, noqa_rule_at, rule_explanation
from .prefetch import Prefetcher
from .protocol import SqlalchemyLintProtocol
from .settings import Settings, parse_settings
from .workspace_check import COMMAND as WORKSPACE_CHECK_COMMAND
from .workspace_check import WorkspaceCheck

log = logging.getLogger(__name__)

# Server -> client notification: how the last analysis of a document went.
DOCUMENT_STATUS = "sqlalchemyLint/documentStatus"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"


@dataclass
class AnalysedDocument:
    version: int | None
    source: str
    result: CheckResult
    with_fixes: bool = False
    _positions: StatementPositions | None = field(default=None, repr=False)
    _hover_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hover(self, position: Position) -> str | None:
        """The hover text at `position` (runs in a worker). Positions are computed
        only for the top-level statements a hover looks into, once per version."""
        analysis = self.result.analysis
        if analysis is None:
            return None
        with self._hover_lock:  # StatementPositions fills its caches as it is asked
            if self._positions is None:
                self._positions = StatementPositions(
                    analysis.module, self.source, analysis.model.parents
                )
            builder = HoverBuilder(analysis, self._positions, self.result.diagnostics)
            try:
                return builder.hover(position)
            except RecursionError:  # resolving a name inside a very deep expression
                log.info("no hover at %s: too deeply nested", position)
                return None


@dataclass
class Analysed:
    """A worker's answer: the result and, for a file on disk, what it exports."""

    result: CheckResult
    exports: str | None = None  # digest of what the module declares


@dataclass
class KeptFindings:
    """What an earlier analysis of a buffer's text found (`_kept_findings`)."""

    key: str | None  # where this text's result is kept (None: it is not to be)
    diagnostics: list[Diagnostic] | None  # None: none kept, or no longer valid
    fixes_key: str | None = None  # where its findings with their fixes are kept
    with_fixes: bool = False  # `diagnostics` carry their fixes


def _without_fixes(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [replace(d, fix=None) if d.fix is not None else d for d in diagnostics]


# Results waiting to be written to the cache after their publish (see `analyse`).
_RECORDS_HELD = 8


class SqlalchemyLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("sqlalchemy-lint", __version__, protocol_cls=SqlalchemyLintProtocol)
        self.settings = Settings()
        self.analysed: dict[str, AnalysedDocument] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        # One worker: analyses never pile up. Hovers and code actions get their own
        # threads, so a small request is never queued behind a big document's work.
        # Each job runs on a thread with a stack deep enough for libcst's parser.
        self.analysis_pool = BigStackExecutor(1, thread_name_prefix="analysis")
        self.request_pool = BigStackExecutor(4, thread_name_prefix="request")
        self.project = ProjectIndex(
            read_source=self._read_source,
            stamp=self._stamp,
            workspace_roots=self._workspace_roots,
        )
        self.reported_config_roots: set[Path | None] = set()
        self.reported_too_large: set[str] = set()  # uris told once that they are not checked
        self.exports: dict[str, str] = {}  # uri -> digest of what the module declares
        # Complete results of analyses, by cache key, waiting to be written once published.
        self.records_to_keep: dict[str, results.CachedResult] = {}
        self.workspace_check = WorkspaceCheck(self)
        self.prefetcher = Prefetcher()

    def _workspace_roots(self) -> list[Path]:
        """The workspace folders (resolved): modules outside them are never read."""
        try:
            workspace = self.workspace
        except RuntimeError:  # not initialized yet
            return []
        uris = [folder.uri for folder in workspace.folders.values()]
        if not uris and workspace.root_uri:
            uris = [workspace.root_uri]
        roots = []
        for uri in uris:
            path = to_fs_path(uri)
            if path:
                roots.append(Path(path).resolve())
        return roots

    # -- open documents ------------------------------------------------------------------

    def document(self, uri: str) -> TextDocument | None:
        """The open document `uri` names. pygls keys its documents by the URI with its
        %-escapes decoded, so `file:///c%3A/x.py` (VS Code on Windows) or a path with a
        space or a `+` must be looked up that way, never as the client spelt it."""
        found: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        return found

    def open_uris(self) -> list[str]:
        """The open documents' URIs, as the client spelt them (for publishing)."""
        return [document.uri for document in list(self.workspace.text_documents.values())]

    # -- cross-file knowledge: open buffers win over the disk --------------------------

    def _open_document(self, path: Path) -> TextDocument | None:
        documents: dict[str, TextDocument] = self.workspace.text_documents
        for document in list(documents.values()):
            if document.path and Path(document.path).resolve() == path:
                return document
        return None

    def _read_source(self, path: Path) -> str | None:
        document = self._open_document(path)
        if document is not None:
            return document.source
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def _stamp(self, path: Path) -> object:
        document = self._open_document(path)
        if document is not None:
            return ("open", document.version, len(document.source))
        try:
            stat = path.stat()
        except OSError:
            return None
        return ("disk", stat.st_mtime_ns, stat.st_size)

    # -- settings --------------------------------------------------------------------

    def apply_settings(self, raw: Any) -> None:
        settings, problems = parse_settings(raw)
        self.settings = settings
        config_file: Path | None = None
        if settings.config_file is not None:
            # Relative to the workspace, as a command line run from its root would read it.
            base = self._working_folder()
            named = Path(settings.config_file).expanduser()
            config_file = named if named.is_absolute() or base is None else base / named
            unusable = config_file_problem(config_file)
            if unusable is not None:
                problems.append(f"`args` --config {settings.config_file}: {unusable}")
                config_file = None
        use_config_file(config_file)
        for problem in problems:
            self.notify("warning", f"ignored setting: {problem}")

    def notify(self, level: str, message: str) -> None:
        """Log `message`, and show it when the `showNotifications` setting asks for
        messages of its `level` ("error", "warning" or "info")."""
        {"error": log.error, "warning": log.warning}.get(level, log.info)("%s", message)
        if self.settings.notifies(level):
            kinds = {"error": types.MessageType.Error, "warning": types.MessageType.Warning}
            self.window_show_message(
                types.ShowMessageParams(
                    type=kinds.get(level, types.MessageType.Info),
                    message=f"sqlalchemy-lint: {message}",
                )
            )

    def _working_folder(self) -> Path | None:
        """What relative paths in the settings are read from: `cwd`, else the first
        workspace folder."""
        if self.settings.cwd is not None:
            return Path(self.settings.cwd)
        roots = self._workspace_roots()
        return roots[0] if roots else None

    # -- analysis --------------------------------------------------------------------

    def analyse(
        self,
        source: str,
        path: Path | None,
        with_fixes: bool = False,
        stamp: object = None,
        offline: bool = False,
        parsed: CheckResult | None = None,
        cancelled: Callable[[], bool] | None = None,
        record_as: str | None = None,
    ) -> CheckResult:
        """Check one buffer with the project's pyproject settings, overridden by the editor's.

        `stamp` identifies this text for the project index (see `_stamp`), so the summary
        remembered while analysing it is reused by the modules that import it. `offline`:
        only with the project knowledge at hand. `parsed`: an earlier result for the same
        text, whose tree is analysed again instead of parsing anew. `cancelled`: the
        analysis stops (AnalysisCancelled) at its next checkpoint once this is true.
        `record_as`: the key (`result_key`) under which a complete result is to be kept
        in the cache, with what it read of the project, for `cached_diagnostics` to
        reuse; `keep_record` writes it, once the result is published.
        """
        with cancellable(cancelled):
            if record_as is None or self.project.cache is None:
                return self._analyse(source, path, with_fixes, stamp, offline, parsed)
            with self.project.recording() as record:
                result = self._analyse(source, path, with_fixes, stamp, offline, parsed)
        if not result.incomplete and result.problem is None and not result.failed_rules:
            # An analysis whose publish never came (a newer version arrived) leaves its
            # result here: only the latest few are held.
            while len(self.records_to_keep) >= _RECORDS_HELD:
                self.records_to_keep.pop(next(iter(self.records_to_keep)))
            self.records_to_keep[record_as] = results.CachedResult(
                result.diagnostics, result.suppressed, None, record
            )
        return result

    def keep_record(self, key: str) -> None:
        """Write the result `analyse` kept aside under `key` to the cache (off the
        editor's critical path: after the publish)."""
        kept = self.records_to_keep.pop(key, None)
        if kept is not None:
            self._write_result(key, kept)

    def keep_fixes(self, key: str, fixed: CheckResult, record: results.Record) -> None:
        """Write the findings of a complete analysis with their fixes to the cache, so
        that the text opened again shows them with their fixes at once."""
        self._write_result(
            key, results.CachedResult(fixed.diagnostics, fixed.suppressed, None, record)
        )

    def _write_result(self, key: str, result: results.CachedResult) -> None:
        cache = self.project.cache
        if cache is None:
            return
        try:
            cache.put(results.NAMESPACE, key, results.encode(result))
        except Exception:
            log.exception("keeping the findings of %s in the cache failed", key)

    def result_key(self, source: str, path: Path | None, with_fixes: bool = False) -> str | None:
        """The key of the analysis of `source` as the file `path` under the settings in
        force, shared with the command line's results when the settings agree (None: no
        cache, no file, or a file the configuration excludes). `with_fixes`: of the
        findings with their fixes (as `check --output-format json` keeps them)."""
        if self.project.cache is None or path is None:
            return None
        config = config_for(path)
        if config.excludes(path):
            return None
        selection = config.selection(
            path,
            select=self.settings.select,
            ignore=self.settings.ignore,
            extend_select=self.settings.extend_select,
        )
        settings = results.settings_key(
            results.project_settings(self.project, os.path.dirname(os.path.abspath(path))),
            selection,
            {**config.severity, **self.settings.severity},
            config.options,
            with_fixes,
            False,
        )
        return results.result_key(path, source, settings)

    def cached_diagnostics(self, key: str) -> list[Diagnostic] | None:
        """The findings an earlier analysis (this server's or an earlier one's) kept under
        `key`, when every module it read still summarises the same; None otherwise."""
        cache = self.project.cache
        cached = results.load(cache, key) if cache is not None else None
        if cached is None or cached.problem is not None:
            return None
        return cached.diagnostics if self.project.still_valid(cached.record, live=True) else None

    def _analyse(
        self,
        source: str,
        path: Path | None,
        with_fixes: bool,
        stamp: object,
        offline: bool,
        parsed: CheckResult | None,
    ) -> CheckResult:
        config = config_for(path) if path is not None else Config()
        self._report_config_problems(config)
        if path is not None and config.excludes(path):
            return CheckResult()
        rules = config.rules_for(
            path,
            select=self.settings.select,
            ignore=self.settings.ignore,
            extend_select=self.settings.extend_select,
        )
        severity = {**config.severity, **self.settings.severity}
        if parsed is not None and parsed.analysis is not None:
            return check_module(
                parsed.analysis.module,
                source,
                path,
                rules=rules,
                project=self.project,
                severity=severity,
                options=config.options,
                with_fixes=with_fixes,
                stamp=stamp,
                offline=offline,
            )
        return check_source(
            source,
            path,
            rules=rules,
            project=self.project,
            severity=severity,
            options=config.options,
            with_fixes=with_fixes,
            stamp=stamp,
            offline=offline,
        )

    def analyse_with_exports(
        self,
        source: str,
        path: Path | None,
        stamp: object,
        offline: bool = False,
        parsed: CheckResult | None = None,
        cancelled: Callable[[], bool] | None = None,
        record_as: str | None = None,
    ) -> Analysed:
        result = self.analyse(
            source,
            path,
            stamp=stamp,
            offline=offline,
            parsed=parsed,
            cancelled=cancelled,
            record_as=record_as,
        )
        return Analysed(result, self.exports_of(source, path, stamp, result))

    def exports_of(
        self, source: str, path: Path | None, stamp: object, result: CheckResult
    ) -> str | None:
        """What other files can learn from this one: a digest of its declarations (a
        conftest.py's fixtures among them), whatever they turn out to mean."""
        if path is None or result.problem is not None:
            return None
        return self.project.summary_for_text(path, source, stamp).digest()

    def fix_all(self, source: str, path: Path | None) -> FixOutcome:
        config = config_for(path) if path is not None else Config()
        return fix_source(
            source,
            path,
            rules=config.rules_for(
                path,
                select=self.settings.select,
                ignore=self.settings.ignore,
                extend_select=self.settings.extend_select,
            ),
            project=self.project,
            unsafe=self.settings.unsafe_fixes,
            severity={**config.severity, **self.settings.severity},
            options=config.options,
        )

    def _report_config_problems(self, config: Config) -> None:
        if not config.problems or config.root in self.reported_config_roots:
            return
        self.reported_config_roots.add(config.root)
        for problem in config.problems:
            self.notify("warning", problem)

    def schedule(self, uri: str, delay: float | None = None) -> None:
        previous = self.pending.get(uri)
        if previous is not None and not previous.done():
            previous.cancel()
        delay = self.settings.debounce_seconds if delay is None else delay
        self.pending[uri] = asyncio.get_running_loop().create_task(self._run(uri, delay))

    async def _run(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        document = self.document(uri)
        if document is None:
            return
        version, source = document.version, document.source
        path = Path(document.path) if document.path else None
        stamp = self._stamp(path.resolve()) if path is not None else None
        if not self.settings.enable or (path is not None and self._ignored(path)):
            self.analysed.pop(uri, None)
            why = "off (sqlalchemyLint.enable)" if not self.settings.enable else "ignorePatterns"
            self._publish(uri, version, [], f"not checked: {why}")
            return
        if self._too_large_to_check(uri, source, path):
            self.analysed.pop(uri, None)
            # The last findings no longer match the text.
            self._publish(uri, version, [], "not checked: too large")
            return
        previous = self.analysed.get(uri)
        if previous is not None and previous.source == source:
            # Same text as last time (undo, redo, save): same findings, new version.
            previous.version = version
            diagnostics = previous.result.diagnostics
            self._publish(uri, version, [to_lsp_diagnostic(document, d) for d in diagnostics])
            return
        loop = asyncio.get_running_loop()
        # Diagnostics first, knowledge later: what an earlier analysis of this very text
        # found, when nothing it read has changed since (a workspace opened again), is
        # published at once. Then the first analysis uses only the project summaries at
        # hand (memory, disk cache); if some were missing, they are built and the same
        # tree is analysed again, and published again.
        # What this file exports (for its importers) is worked out after the first
        # publish, from the second analysis or on its own.
        # A newer version makes this analysis pointless: it stops at its next checkpoint.
        stale = functools.partial(self._stale, uri, version)
        try:
            kept = await loop.run_in_executor(self.analysis_pool, self._kept_findings, source, path)
        except Exception:
            log.exception("reading the cached findings of %s failed", uri)
            kept = KeptFindings(None, None)
        key, earlier = kept.key, kept.diagnostics
        if not self._is_current(uri, version):
            return
        if earlier is not None:
            self._publish(uri, version, [to_lsp_diagnostic(document, d) for d in earlier])
        analyse_offline = functools.partial(
            self.analyse, stamp=stamp, offline=True, cancelled=stale, record_as=key
        )
        try:
            result = await loop.run_in_executor(self.analysis_pool, analyse_offline, source, path)
        except AnalysisCancelled:
            return
        except Exception:
            log.exception("analysis of %s failed", uri)
            return
        if not self._is_current(uri, version):
            return  # stale: a newer version is on its way
        if result.problem is not None:
            log.info("%s: %s (keeping the last diagnostics)", uri, result.problem)
            self._tell_status(uri, version, f"not analysed: {result.problem}", analysed=False)
            return
        for failure in result.failed_rules:
            log.error("%s: %s; the other rules ran", uri, failure)
        result = self._with_kept_fixes(result, kept)
        self.analysed[uri] = AnalysedDocument(version, source, result)
        # Published already from the cache: the knowledge at hand alone would show less
        # than the cached findings (no flicker); the complete analysis republishes below
        # only if it differs.
        if earlier is None or (not result.incomplete and result.diagnostics != earlier):
            self._publish(
                uri, version, [to_lsp_diagnostic(document, d) for d in result.diagnostics]
            )
        analysed = Analysed(result)
        if not result.incomplete:
            try:
                analysed.exports = await loop.run_in_executor(
                    self.analysis_pool, self.exports_of, source, path, stamp, result
                )
            except Exception:
                log.exception("summarising %s failed", uri)
        else:
            try:
                analysed = await loop.run_in_executor(
                    self.analysis_pool,
                    functools.partial(self.analyse_with_exports, record_as=key),
                    source,
                    path,
                    stamp,
                    False,
                    result,
                    stale,
                )
            except AnalysisCancelled:
                return
            except Exception:
                log.exception("analysis of %s failed", uri)
                return
            if not self._is_current(uri, version):
                return
            result = self._with_kept_fixes(analysed.result, kept)
            if result.problem is not None:
                return
            self.analysed[uri] = AnalysedDocument(version, source, result)
            if result.diagnostics != earlier:
                self._publish(
                    uri, version, [to_lsp_diagnostic(document, d) for d in result.diagnostics]
                )
        if analysed.exports is not None:
            self._recheck_importers_if_exports_changed(uri, analysed.exports)
        with_fixes = kept.with_fixes and result.diagnostics == earlier
        if with_fixes:
            # The kept findings are this analysis's, with their fixes: nothing to add.
            self.analysed[uri] = AnalysedDocument(version, source, result, with_fixes=True)
        kept_record = self.records_to_keep.get(key) if key is not None else None
        if key is not None:
            await loop.run_in_executor(self.analysis_pool, self.keep_record, key)
        if result.diagnostics and not with_fixes:
            # Fixes cost more than the analysis: publish first, then add them.
            fixed = await self._add_fixes(uri, version, source, path, result)
            if fixed is not None and kept.fixes_key is not None and kept_record is not None:
                await loop.run_in_executor(
                    self.analysis_pool,
                    self.keep_fixes,
                    kept.fixes_key,
                    fixed,
                    kept_record.record,
                )
        if self._nothing_else_pending():
            await loop.run_in_executor(self.analysis_pool, collect_while_idle)

    def _earlier_findings(
        self, source: str, path: Path | None
    ) -> tuple[str | None, list[Diagnostic] | None]:
        """The cache key of `source` and what an earlier analysis of it found, for a
        buffer that holds what its file holds on disk (a file opened, saved or
        reverted). Text being typed is never on disk, and neither the command line nor a
        reopened workspace will ask for its findings: no key, no lookup."""
        if path is None or self.project.cache is None:
            return None, None
        try:
            on_disk = read_source(path).text
        except UnreadableSource:
            return None, None
        if on_disk != source:
            return None, None
        key = self.result_key(source, path)
        return key, self.cached_diagnostics(key) if key is not None else None

    def _kept_findings(self, source: str, path: Path | None) -> KeptFindings:
        """`_earlier_findings`, first with their fixes (kept once an earlier analysis of
        this text computed them), else without."""
        key, found = self._earlier_findings(source, path)
        if key is None or path is None:
            return KeptFindings(key, found)
        fixes_key = self.result_key(source, path, with_fixes=True)
        fixed = self.cached_diagnostics(fixes_key) if fixes_key is not None else None
        if fixed is not None:
            return KeptFindings(key, fixed, fixes_key, with_fixes=True)
        return KeptFindings(key, found, fixes_key)

    def _ignored(self, path: Path) -> bool:
        """Whether the `ignorePatterns` setting leaves `path` alone. A pattern is matched
        against the whole path, the path from each workspace folder (and from `cwd`)
        and the file name
        (`*` crosses folders, so `**/migrations/*.py` and `migrations/*` both work)."""
        patterns = self.settings.ignore_patterns
        if not patterns:
            return False
        written = path.as_posix()
        candidates = [written, path.name]
        working = self._working_folder()
        for root in [*self._workspace_roots(), *([working] if working is not None else [])]:
            try:
                candidates.append(path.resolve().relative_to(root).as_posix())
            except ValueError:
                continue
        return any(fnmatch.fnmatchcase(c, p) for p in patterns for c in candidates)

    def _stale(self, uri: str, version: int | None) -> bool:
        """Asked by the analysis of `version` at its checkpoints, on the worker thread
        (the `_run` awaiting it may already be cancelled by the newer version)."""
        if self._is_current(uri, version):
            return False
        log.info("%s: stopped analysing version %s, a newer one arrived", uri, version)
        return True

    def _nothing_else_pending(self) -> bool:
        """No analysis other than the one running this is scheduled or under way."""
        running = asyncio.current_task()
        return all(task is running or task.done() for task in self.pending.values())

    def _too_large_to_check(self, uri: str, source: str, path: Path | None) -> bool:
        """Whether `source` is past the size limits; says so to the user once per document."""
        config = config_for(path) if path is not None else Config()
        problem = size_problem(source, max_tokens=config.options.max_tokens)
        if problem is None:
            self.reported_too_large.discard(uri)
            return False
        if uri not in self.reported_too_large:
            self.reported_too_large.add(uri)
            name = uri.rsplit("/", 1)[-1]
            self.notify("warning", f"{name} is not checked: {problem}")
        return True

    def _is_current(self, uri: str, version: int | None) -> bool:
        document = self.document(uri)
        return document is not None and document.version == version

    def _with_kept_fixes(self, result: CheckResult, kept: KeptFindings) -> CheckResult:
        """`result` with the kept findings instead, when they are its findings with
        their fixes (the same text analysed before, whose fixes were kept)."""
        earlier = kept.diagnostics
        if (
            not kept.with_fixes
            or earlier is None
            or result.incomplete
            or result.problem is not None
            or _without_fixes(earlier) != result.diagnostics
        ):
            return result
        return replace(result, diagnostics=earlier, fixable=[])

    async def _add_fixes(
        self, uri: str, version: int | None, source: str, path: Path | None, result: CheckResult
    ) -> CheckResult | None:
        """Compute the fixes of an analysis already published, on the same worker; it
        stops between two fixes once the editor has moved on to another version. The
        result with its fixes, once published (None otherwise)."""
        loop = asyncio.get_running_loop()
        try:
            fixed = await loop.run_in_executor(
                self.analysis_pool,
                add_fixes,
                result,
                source,
                path,
                lambda: not self._is_current(uri, version),
            )
        except Exception:
            log.exception("computing fixes for %s failed", uri)
            return None
        current = self.document(uri)
        if fixed is None or current is None or current.version != version:
            return None
        self.analysed[uri] = AnalysedDocument(version, source, fixed, with_fixes=True)
        self._publish(uri, version, [to_lsp_diagnostic(current, d) for d in fixed.diagnostics])
        return fixed

    async def fixes_now(self, uri: str) -> AnalysedDocument | None:
        """The current version's analysis with fixes (computed here if not yet)."""
        document = self.document(uri)
        if document is None:
            return None
        cached = self.analysed.get(uri)
        if cached is not None and cached.version == document.version and cached.with_fixes:
            return cached
        source = document.source
        path = Path(document.path) if document.path else None
        loop = asyncio.get_running_loop()
        result: CheckResult | None
        if cached is not None and cached.version == document.version:
            result = await loop.run_in_executor(
                self.request_pool, add_fixes, cached.result, source, path
            )
        else:
            # Offline: a code action never waits for other modules to be summarised.
            analyse = functools.partial(self.analyse, with_fixes=True, offline=True)
            result = await loop.run_in_executor(self.request_pool, analyse, source, path)
        if result is None or result.problem is not None:
            return None
        analysed = AnalysedDocument(document.version, source, result, with_fixes=True)
        if self._is_current(uri, document.version):
            self.analysed[uri] = analysed
        return analysed

    def _recheck_importers_if_exports_changed(self, uri: str, exports: str) -> None:
        """Other open files may import this one's engines and session factories, or
        request its fixtures."""
        if self.exports.get(uri, exports) != exports:
            for other in self.open_uris():
                if other != uri:
                    self.analysed.pop(other, None)
                    self.schedule(other)
        self.exports[uri] = exports

    def _publish(
        self,
        uri: str,
        version: int | None,
        items: list[types.Diagnostic],
        status: str | None = None,
    ) -> None:
        """Publish `items` for `version` of `uri`, and tell the client what became of
        the document (`status`; by default the count of findings)."""
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=version)
        )
        if version is not None:
            count = len(items)
            default = f"{count} finding{'s' * (count != 1)}" if count else "no findings"
            self._tell_status(uri, version, status or default, analysed=status is None)

    def _tell_status(self, uri: str, version: int | None, message: str, *, analysed: bool) -> None:
        """`sqlalchemyLint/documentStatus`: what the editor's status item shows for the
        document, such as "not analysed: syntax error at line 45, column 3: ..." while a
        buffer does not parse (its last findings stay published meanwhile)."""
        self.protocol.notify(
            DOCUMENT_STATUS,
            {"uri": uri, "version": version, "analysed": analysed, "message": message},
        )

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.analysed.pop(uri, None)
        self.exports.pop(uri, None)
        self.reported_too_large.discard(uri)
        self._publish(uri, None, [])

    async def current_analysis(self, uri: str) -> AnalysedDocument | None:
        """The analysis of the document as it is now (computed if the cache is stale)."""
        document = self.document(uri)
        if document is None:
            return None
        cached = self.analysed.get(uri)
        if cached is not None and cached.version == document.version:
            return cached
        source = document.source
        path = Path(document.path) if document.path else None
        loop = asyncio.get_running_loop()
        # Offline: a hover never waits for other modules to be summarised.
        analyse = functools.partial(self.analyse, offline=True)
        result = await loop.run_in_executor(self.request_pool, analyse, source, path)
        if result.problem is not None:
            return None
        return AnalysedDocument(document.version, source, result)


server = SqlalchemyLintServer()

_FAILURES_LOGGED: set[tuple[str, str, int | None]] = set()


def _answers_normally(handler: Any) -> Any:
    """A request handler that never answers with an error: whatever fails while it
    works on a document (libcst, the analysis, a fix) is logged once per document
    version, and the request gets an empty answer."""

    @functools.wraps(handler)
    async def answer(ls: SqlalchemyLintServer, params: Any) -> Any:
        try:
            return await handler(ls, params)
        except Exception:
            uri = params.text_document.uri
            document = ls.document(uri)
            key = (handler.__name__, uri, document.version if document is not None else None)
            if key not in _FAILURES_LOGGED:
                if len(_FAILURES_LOGGED) > 10_000:
                    _FAILURES_LOGGED.clear()
                _FAILURES_LOGGED.add(key)
                log.exception("%s failed on %s", handler.__name__, uri)
            return None

    return answer


@server.feature(types.INITIALIZED)
def initialized(ls: SqlalchemyLintServer, params: types.InitializedParams) -> None:
    # The command line's cache, shared: summaries it made are warm here, and back.
    roots = ls._workspace_roots()
    if roots:
        configured = cache_dir_setting(roots[0])
        ls.project.cache = Cache(
            configured if configured is not None else default_cache_dir(roots[0])
        )
        ls.prefetcher.start(ls.project.cache.directory)
    if ls.settings.workspace_scope:
        ls.workspace_check.start()
    _watch_files(ls)


# Files whose changes on disk change findings of open documents without being open
# themselves: the templates views render (SQA401 reads what they read of each object)
# and the project's settings and declarations. (Python modules are read afresh by
# their stamps, and those open are followed as they are edited.)
WATCHED_FILES = (
    "**/templates/**",
    "**/pyproject.toml",
    "**/setup.cfg",
    "**/setup.py",
    "**/requirements*.txt",
)


def _watch_files(ls: SqlalchemyLintServer) -> None:
    """Ask the client to tell the server of changes to `WATCHED_FILES`, when it can
    register watchers dynamically (VS Code, Neovim); they arrive as
    `workspace/didChangeWatchedFiles`."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    if watched is None or not watched.dynamic_registration:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED_FILES]
    )
    registration = types.Registration(
        id="sqlalchemy-lint-watched-files",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    try:
        ls.client_register_capability(types.RegistrationParams(registrations=[registration]))
    except Exception:  # a client that refuses loses only the refresh on such changes
        log.warning("could not register file watchers", exc_info=True)


@server.feature(types.INITIALIZE)
def initialize(ls: SqlalchemyLintServer, params: types.InitializeParams) -> None:
    ls.apply_settings(params.initialization_options)
    # The client waits for this answer before it opens anything: the process's
    # one-time costs are paid now rather than by the first file's diagnostics.
    log.info("warmed up in %.0f ms", warm_up() * 1000)


@server.feature(types.SHUTDOWN)
def shutdown(ls: SqlalchemyLintServer, *args: Any) -> None:
    ls.prefetcher.stop()


@server.feature(types.EXIT)
def exit_now(ls: SqlalchemyLintServer, *args: Any) -> None:
    """Leave at once. Python waits for executor threads at exit, so an analysis or a fix
    still running on a big document would otherwise keep the process alive after the
    editor asked it to go."""
    code = 0 if ls.protocol._shutdown else 1
    logging.shutdown()
    os._exit(code)


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
def did_change_workspace_folders(
    ls: SqlalchemyLintServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    ls.project.forget_resolutions()  # which modules may be read has changed


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(
    ls: SqlalchemyLintServer, params: types.DidChangeConfigurationParams
) -> None:
    was_workspace_scope = ls.settings.workspace_scope
    ls.apply_settings(params.settings)
    ls.analysed.clear()  # findings depend on the settings
    for uri in ls.open_uris():
        ls.schedule(uri, delay=0)
    if ls.settings.workspace_scope:
        ls.workspace_check.start()
    elif was_workspace_scope:
        ls.workspace_check.clear()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: SqlalchemyLintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, delay=0)
    document = ls.document(params.text_document.uri)
    if document is not None and document.path and ls.settings.enable and ls.prefetcher.running:
        # What its analysis will read, summarised meanwhile by the helper process.
        ls.prefetcher.request(Path(document.path), document.source, ls._workspace_roots())


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: SqlalchemyLintServer, params: types.DidChangeTextDocumentParams) -> None:
    if ls.settings.run_on_type:  # `run: onSave`: the findings wait for the save
        ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: SqlalchemyLintServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, delay=0)
    if ls.settings.workspace_scope:  # other files' findings may depend on this one
        ls.workspace_check.start()


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: SqlalchemyLintServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)
    if ls.settings.workspace_scope:  # its findings on disk come back (cached: cheap)
        ls.workspace_check.start()


@server.command(WORKSPACE_CHECK_COMMAND)
async def check_workspace(ls: SqlalchemyLintServer, *args: object) -> str:
    """*SQLAlchemy Lint: Check Workspace*: problems for every file of the workspace
    folders, open or not; answers with a summary ("3 findings in 120 files")."""
    return await ls.workspace_check.start()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(
    ls: SqlalchemyLintServer, params: types.DidChangeWatchedFilesParams
) -> None:
    for change in params.changes:
        path = to_fs_path(change.uri)
        if path:
            ls.project.forget(Path(path))
    forget_locations()  # a pyproject.toml may have come or gone
    ls.analysed.clear()
    for uri in ls.open_uris():
        ls.schedule(uri)


@server.feature(types.TEXT_DOCUMENT_HOVER)
@_answers_normally
async def hover(ls: SqlalchemyLintServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    document = ls.document(uri)
    if document is None:
        return None
    if params.position.line >= len(document.lines):
        return None
    server_position = document.position_from_client_units(params.position)
    line_text = document.lines[server_position.line]
    rule = noqa_rule_at(line_text, server_position.character)
    if rule is not None:
        return _markdown(rule_explanation(rule))
    analysed = await ls.current_analysis(uri)
    if analysed is None or analysed.result.analysis is None:
        return None
    position = Position(server_position.line + 1, server_position.character)
    loop = asyncio.get_running_loop()
    text = await loop.run_in_executor(ls.request_pool, analysed.hover, position)
    return _markdown(text) if text else None


def _markdown(text: str) -> types.Hover:
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
        resolve_provider=False,
    ),
)
@_answers_normally
async def code_action(
    ls: SqlalchemyLintServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    document = ls.document(uri)
    if document is None:
        return None
    only = params.context.only
    actions: list[types.CodeAction] = []
    if only is None or any(k.startswith(types.CodeActionKind.QuickFix) for k in only):
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != SOURCE:
                continue
            if edits_from_data(diagnostic.data) is None:
                diagnostic = await _with_fix_data(ls, document, diagnostic)
            actions.extend(_quick_fixes(ls, document, diagnostic))
    # Offered beside the quick fixes only when the client did not restrict the kinds
    # (VS Code drops, with a warning, an action of a kind it did not ask for).
    wants_fix_all = only is not None and any(FIX_ALL_KIND.startswith(kind) for kind in only)
    if wants_fix_all or (only is None and any(a.is_preferred for a in actions)):
        fix_all = await _fix_all(ls, document)
        if fix_all is not None:
            actions.append(fix_all)
    return actions


async def _with_fix_data(
    ls: SqlalchemyLintServer, document: TextDocument, diagnostic: types.Diagnostic
) -> types.Diagnostic:
    """The client's copy of a diagnostic predates its fix: find the fix now."""
    analysed = await ls.fixes_now(document.uri)
    if analysed is None:
        return diagnostic
    for candidate in analysed.result.diagnostics:
        converted = to_lsp_diagnostic(document, candidate)
        if converted.code == diagnostic.code and converted.range == diagnostic.range:
            return converted
    return diagnostic


def _quick_fixes(
    ls: SqlalchemyLintServer, document: TextDocument, diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    actions = []
    carried = edits_from_data(diagnostic.data)
    if carried is not None:
        title, applicability, edits = carried
        unsafe = applicability is Applicability.UNSAFE
        if not unsafe or ls.settings.unsafe_fixes:
            actions.append(
                types.CodeAction(
                    title=title + (" (unsafe)" if unsafe else ""),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=types.WorkspaceEdit(changes={document.uri: edits}),
                    is_preferred=not unsafe,
                )
            )
    code = str(diagnostic.code)
    line = diagnostic.range.start.line
    if line < len(document.lines):
        actions.append(_noqa_action(document, diagnostic, code, line))
    return actions


def _noqa_action(
    document: TextDocument, diagnostic: types.Diagnostic, code: str, line: int
) -> types.CodeAction:
    from ..fixes import noqa_fix
    from .conversions import to_lsp_edit

    fix = noqa_fix(document.source, line + 1, code)
    return types.CodeAction(
        title=f"Disable {code} for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=types.WorkspaceEdit(
            changes={document.uri: [to_lsp_edit(document, e) for e in fix.edits]}
        ),
    )


async def _fix_all(ls: SqlalchemyLintServer, document: TextDocument) -> types.CodeAction | None:
    path = Path(document.path) if document.path else None
    source, version = document.source, document.version
    loop = asyncio.get_running_loop()
    outcome = await loop.run_in_executor(ls.request_pool, ls.fix_all, source, path)
    if outcome.applied == 0:
        return None
    current = ls.document(document.uri)
    if current is None or current.version != version:
        return None  # the document changed meanwhile: these edits would not apply
    lines = current.lines
    end = types.Position(line=len(lines), character=0)
    return types.CodeAction(
        title="Fix all sqlalchemy-lint problems",
        kind=FIX_ALL_KIND,
        edit=types.WorkspaceEdit(
            changes={
                document.uri: [
                    types.TextEdit(
                        range=types.Range(start=types.Position(line=0, character=0), end=end),
                        new_text=outcome.source,
                    )
                ]
            }
        ),
    )


def run_server(
    *, tcp: bool = False, host: str = "127.0.0.1", port: int = 2087, log_file: Path | None = None
) -> None:
    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    )
    logging.basicConfig(
        level=logging.INFO,
        handlers=[handler],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # pygls logs every message at INFO: the editor's output channel would drown in it.
    logging.getLogger("pygls").setLevel(logging.WARNING)
    if tcp:
        server.start_tcp(host, port)
    else:
        server.start_io()
