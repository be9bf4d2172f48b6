"""A worker forked before the command line imports anything, for `check` re-runs.

After a previous run, a `check` re-run finds most results still valid in the cache
and analyses the few files that changed in one process. That process must first
import the analysis (libcst and the rules: about 0.2 s, more than the analysis of a
typical file). `runner.start_prewarmed` already forks a worker that pays it while
this process walks the tree and reads the cache; forked here, at the first line of
the program, the worker pays it also while this process imports the command line
itself (argparse, the configuration, the cache: about 0.1 s more), so a re-run after
one edit waits less on imports and more on the analysis.

Only a cheap guess is made here (the `check` command, on Linux, with two cores or
more; not `--fix`, `--diff`, `--watch` or standard input); `runner.start_prewarmed`
takes the worker over if the run turns out to want one, and stops it otherwise. Only
`os`, `sys` and `contextlib` are imported before the fork, and nothing else runs in
this process yet: forking is safe.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

# The options after which a prewarmed worker is never used (see `start_prewarmed`).
_NEVER_PREWARMED = frozenset({"--fix", "--diff", "--watch", "--no-cache", "-"})

_started: EarlyWorker | None = None


class EarlyWorker:
    """The forked process, and the two pipes to it."""

    def __init__(self, pid: int, to_worker: int, from_worker: int) -> None:
        self.pid = pid
        self._to_worker = to_worker
        self._from_worker = from_worker

    def check(self, message: Any) -> Any:
        """Send `message` (what `runner.serve_early` reads) and return its answer; None
        when the worker died."""
        from multiprocessing.connection import Connection

        sending = Connection(os.dup(self._to_worker), readable=False)
        receiving = Connection(os.dup(self._from_worker), writable=False)
        try:
            sending.send(message)
            return receiving.recv()
        except (EOFError, OSError):
            return None
        finally:
            sending.close()
            receiving.close()

    def stop(self) -> None:
        """End the worker, whatever it is doing, and reap it."""
        import signal

        for fd in (self._to_worker, self._from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGTERM)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)


def start(argv: list[str]) -> None:
    """Fork the worker if `argv` may be a `check` that reuses a previous run's cache."""
    global _started
    if _started is not None or not argv or argv[0] != "check":
        return
    if sys.platform != "linux" or (os.cpu_count() or 1) < 2:
        return
    if any(arg in _NEVER_PREWARMED for arg in argv):
        return
    try:
        to_worker_read, to_worker = os.pipe()
        from_worker, from_worker_write = os.pipe()
        pid = os.fork()
    except OSError:
        return  # no worker: the run forks its own later, as without this module
    if pid == 0:  # the worker
        os.close(to_worker)
        os.close(from_worker)
        status = 0
        try:
            from .runner import serve_early

            serve_early(to_worker_read, from_worker_write)
        except BaseException:
            status = 1
        finally:
            os._exit(status)  # never the parent's exit handlers, nor its buffers
    os.close(to_worker_read)
    os.close(from_worker_write)
    _started = EarlyWorker(pid, to_worker, from_worker)


def take() -> EarlyWorker | None:
    """The worker `start` forked, once; None if it forked none."""
    global _started
    worker, _started = _started, None
    return worker
