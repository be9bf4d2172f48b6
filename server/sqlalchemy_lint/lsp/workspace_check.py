"""Problems for the files that are not open: the *Check Workspace* command, and the
`reportingScope: "workspace"` setting that runs it at start and after each save (as
mypy-type-checker's `reportingScope`).

It is the command line's check of the workspace folders, run on a worker thread
with the same cache directory: the first run costs what `sqlalchemy-lint check`
costs cold, and every later one what a re-run with one file changed costs, since
the run snapshot and the result cache answer for every file that did not change
(see `snapshot.py`). The outcomes are published as each file's diagnostics, except
for open files, whose diagnostics come from their buffers; files that had findings
and have none any more are cleared. Progress goes to the editor as LSP work-done
progress, cancellable; a newer run (another save) cancels the one under way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.workspace import TextDocument

from ..cache import default_cache_dir
from ..config import cache_dir_setting
from ..discovery import discover
from ..runner import CheckRequest, FileOutcome, check_files
from .conversions import to_lsp_diagnostic

if TYPE_CHECKING:
    from .server import SqlalchemyLintServer

log = logging.getLogger(__name__)

COMMAND = "sqlalchemyLint.checkWorkspace"


class WorkspaceCheck:
    def __init__(self, server: SqlalchemyLintServer) -> None:
        self.server = server
        self.published: set[str] = set()  # uris of closed files with findings shown
        self._stop = threading.Event()

    def start(self) -> asyncio.Task[str]:
        """Check the workspace (again), stopping a check under way. That one is told to
        stop, not cancelled: it ends at its next file with "stopped", so a command
        waiting for it gets an answer, not an error."""
        self._stop.set()
        self._stop = threading.Event()
        return asyncio.get_running_loop().create_task(self._run(self._stop))

    async def _run(self, stop: threading.Event) -> str:
        server = self.server
        roots = server._workspace_roots()
        if not roots:
            return "no workspace folder to check"
        progress = await self._begin_progress()
        loop = asyncio.get_running_loop()

        def report(done: int, total: int, name: str) -> None:
            if progress is not None:
                loop.call_soon_threadsafe(self._report, progress, done, total, name)

        def cancelled() -> bool:
            return stop.is_set() or (
                progress is not None and server.work_done_progress.tokens[progress].cancelled()
            )

        try:
            outcomes = await loop.run_in_executor(None, self._check, roots, report, cancelled)
        except Exception:
            log.exception("checking the workspace failed")
            outcomes = None
        if outcomes is None:
            summary = "stopped" if cancelled() else "failed (see the output)"
        else:
            summary = self._publish(outcomes)
        if progress is not None:
            server.work_done_progress.end(progress, types.WorkDoneProgressEnd(message=summary))
        log.info("workspace check: %s", summary)
        return summary

    def _check(
        self,
        roots: list[Path],
        report: Callable[[int, int, str], None],
        cancelled: Callable[[], bool],
    ) -> list[FileOutcome] | None:
        """The outcome of every file of the workspace folders (None: cancelled). Runs on
        a worker thread: `check_files` blocks."""
        settings = self.server.settings
        files, _ = discover(roots)
        configured = cache_dir_setting(roots[0])
        request = CheckRequest(
            select=settings.select,
            ignore=settings.ignore,
            extend_select=settings.extend_select,
            cache_dir=str(configured if configured is not None else default_cache_dir(roots[0])),
            cache_results=True,
            roots=tuple(str(root) for root in roots),
        )
        outcomes: list[FileOutcome] = []
        # In this process (no worker processes forked from a threaded server): a cold
        # first run is as slow as `check --jobs 1`, the runs after it are cached.
        for number, outcome in enumerate(check_files(files, set(), request, 1), start=1):
            if cancelled():
                return None
            outcomes.append(outcome)
            if number % 25 == 0 or number == len(files):
                report(number, len(files), outcome.path.name)
        return outcomes

    def _publish(self, outcomes: list[FileOutcome]) -> str:
        server = self.server
        open_uris = set(server.open_uris())
        severity = server.settings.severity
        now: set[str] = set()
        findings = 0
        for outcome in outcomes:
            if outcome.excluded or outcome.error is not None or not outcome.diagnostics:
                continue
            path = outcome.path.resolve()
            if server._ignored(path):
                continue
            uri = path.as_uri()
            findings += len(outcome.diagnostics)
            if uri in open_uris:
                continue  # its buffer's analysis publishes for it
            document = TextDocument(uri, outcome.source)
            diagnostics = [
                to_lsp_diagnostic(
                    document,
                    dataclasses.replace(d, severity=severity[d.code]) if d.code in severity else d,
                )
                for d in outcome.diagnostics
            ]
            server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
            )
            now.add(uri)
        for uri in self.published - now - open_uris:
            server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        self.published = now
        files = sum(1 for o in outcomes if not o.excluded)
        return f"{findings} finding{'s' * (findings != 1)} in {files} file{'s' * (files != 1)}"

    def clear(self) -> None:
        """Back to `reportingScope: "file"`: the closed files' problems go."""
        self._stop.set()
        open_uris = set(self.server.open_uris())
        for uri in self.published - open_uris:
            self.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        self.published = set()

    async def _begin_progress(self) -> str | None:
        """A work-done progress token, when the client shows them."""
        capabilities = self.server.client_capabilities
        window = capabilities.window if capabilities is not None else None
        if window is None or not window.work_done_progress:
            return None
        token = f"sqlalchemy-lint-workspace-{uuid.uuid4()}"
        try:
            await self.server.work_done_progress.create_async(token)
        except Exception:
            log.info("the client refused a progress token", exc_info=True)
            return None
        self.server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="SQLAlchemy Lint: checking the workspace", cancellable=True, percentage=0
            ),
        )
        return token

    def _report(self, token: str, done: int, total: int, name: str) -> None:
        self.server.work_done_progress.report(
            token,
            types.WorkDoneProgressReport(
                message=f"{done}/{total} files ({name})",
                percentage=int(100 * done / max(total, 1)),
            ),
        )
