"""Stopping an analysis whose answer nobody wants any more.

The language server analyses a document on a worker thread; when the editor sends
a newer version, the older analysis is wasted work that delays the newer one. A
thread cannot be killed, so the analysis stops itself: it runs inside
`cancellable(predicate)` and calls `checkpoint()` between its stages (after the
parse, between rules, before reading another module of the project), which raises
`AnalysisCancelled` once `predicate()` is true. libcst's parse of one file is the
one stage that cannot be interrupted; the size limits of `sources` bound it.

`AnalysisCancelled` is a BaseException, like asyncio's CancelledError, so that the
`except Exception` that keeps one failing rule from losing the others' findings
does not swallow it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["AnalysisCancelled", "cancellable", "checkpoint"]


class AnalysisCancelled(BaseException):
    """The analysis was stopped because its result is no longer wanted."""


_current = threading.local()


@contextmanager
def cancellable(cancelled: Callable[[], bool] | None) -> Iterator[None]:
    """Run the block so that `checkpoint()` in this thread stops it once `cancelled()`."""
    outer = getattr(_current, "cancelled", None)
    _current.cancelled = cancelled
    try:
        yield
    finally:
        _current.cancelled = outer


def checkpoint() -> None:
    """Raise AnalysisCancelled if the analysis running in this thread is unwanted."""
    cancelled: Callable[[], bool] | None = getattr(_current, "cancelled", None)
    if cancelled is not None and cancelled():
        raise AnalysisCancelled
