"""Summaries made ahead of need, in a helper process.

Opening a file of a workspace whose cache is cold means summarising every project
module its analysis reads: on Netflix/dispatch's `incident/views.py`, 34 modules,
about half of the time to the refined publish. Those summaries depend only on each
module's text and are shared through the disk cache (`cache.py`), so another
process can make them while the server analyses the file itself.

When the server is initialized it starts one helper process
(`python -m sqlalchemy_lint.lsp.prefetch CACHE_DIR`). Each opened file is sent to it,
one JSON line on its standard input; it summarises the project modules the file
imports, then theirs, nearest first, into the cache. The analysis, when it asks for a
module, loads what the helper has made and summarises the rest itself (the same
bytes either way), so the two cores share the work. A newer line stops the walk for
the older one; the end of its input (the server gone) ends the helper. Nothing
depends on it: when it cannot start or dies, the server does all the work itself, as
it always could. (Not on Windows, where a pipe cannot be polled.)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

# Enough for the modules an application file reaches (dispatch: 275 from one view);
# a bound on the helper's work for a file in a huge tree.
MODULES_PER_OPEN = 400


class Prefetcher:
    """The server's side: starts the helper, sends it each opened file."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self, cache_dir: Path) -> None:
        """Start the helper, which writes into `cache_dir`. Never raises."""
        if self._process is not None or sys.platform == "win32":
            return
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(cache_dir)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                # Its few log lines join the server's (the editor's output channel).
                stderr=None,
                close_fds=True,
            )
        except Exception:
            log.exception("no helper process for summaries; the server makes them itself")
            self._process = None

    def request(self, path: Path, source: str, roots: list[Path]) -> None:
        """Summarise what `path` (with the text `source`) imports, ahead of its analysis;
        the walk for the file opened before stops."""
        process = self._process
        if process is None or process.stdin is None:
            return
        line = json.dumps({"path": str(path), "source": source, "roots": [str(r) for r in roots]})
        try:
            process.stdin.write(line.encode("utf-8", "surrogatepass") + b"\n")
            process.stdin.flush()
        except (OSError, ValueError):
            log.info("the helper process for summaries is gone; the server makes them itself")
            self._process = None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()  # the helper ends at its next module
            process.terminate()  # or now: its cache entries are written whole or not at all
        except OSError:
            pass


# -- the helper process ---------------------------------------------------------------------


class _Lines:
    """Lines from a pipe, with a way to ask, without waiting, whether another has come
    (Python's buffered readers hide what they have read ahead from `select`)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._fd = stream.fileno()
        self._buffer = b""
        self.closed = False

    def _fill(self, timeout: float | None) -> None:
        if self.closed:
            return
        readable, _, _ = select.select([self._fd], [], [], timeout)
        if readable:
            chunk = os.read(self._fd, 1 << 16)
            if chunk:
                self._buffer += chunk
            else:
                self.closed = True

    def pending(self) -> bool:
        """Whether a newer line (or the end of the input) is waiting."""
        if b"\n" not in self._buffer:
            self._fill(0)
        return self.closed or b"\n" in self._buffer

    def newest(self) -> bytes | None:
        """The last complete line sent so far, after waiting for one; None at the end."""
        while b"\n" not in self._buffer:
            if self.closed:
                return None
            self._fill(None)
        self._fill(0)  # whatever else has come already: only the newest line counts
        complete, _, self._buffer = self._buffer.rpartition(b"\n")
        return complete.rpartition(b"\n")[2]


def main(argv: list[str]) -> int:
    from ..cache import Cache
    from ..semantic.project import ProjectIndex
    from ..semantic.summary import summarise_source

    with contextlib.suppress(OSError, AttributeError):
        # Background work: where the cores are busy, the server's own analysis and the
        # editor go first.
        os.nice(10)
    cache = Cache(Path(argv[0]))
    lines = _Lines(sys.stdin.buffer)
    index: ProjectIndex | None = None
    roots: list[str] = []
    while True:
        line = lines.newest()
        if line is None:
            return 0
        try:
            request = json.loads(line)
            if index is None or request["roots"] != roots:
                roots = list(request["roots"])
                folders = [Path(root) for root in roots]
                index = ProjectIndex(workspace_roots=folders.copy, cache=cache)
            else:
                index.forget_resolutions()  # files may have come or gone since
            index.summarise_imports(
                Path(request["path"]),
                summarise_source(request["source"]),
                stop=lines.pending,
                limit=MODULES_PER_OPEN,
            )
        except Exception:
            # This file's walk is lost; the server summarises what it needs itself.
            log.exception("summarising ahead failed")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
