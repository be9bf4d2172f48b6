"""Threads with a C stack deep enough for libcst's native parser.

libcst's parser is native code that recurses once or more per link of a chain,
and on the usual 8 MiB stack it overflowed on chains of about 7,000 `and`s,
6,000 `.attr`s, 8,000 unary `-`s or `elif`s, 3,500 `lambda:`s. Overflowing the
stack is a SIGSEGV, which no `except` catches: it ended the language server and
`check --jobs 1`. CPython refuses most such chains from a few thousand links on,
and `sources.parse_module_safely` lets it refuse them first; but it accepts
`a and a and ...` (and `or`) at any length, and libcst has to parse those.

So every check runs on a thread of its own with a stack of `BIG_STACK_BYTES`.
That is address space reserved, not memory: only the pages deep code touches
are committed, and they are given back when the thread ends, which is why each
job gets a new thread instead of keeping long-lived threads with big stacks.
Python's own recursion limit is unchanged: code libcst runs in Python (codegen,
visitors) still stops with a RecursionError, which callers handle.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # (annotations only: typing has no ParamSpec before Python 3.10)
    from typing import ParamSpec

    P = ParamSpec("P")

log = logging.getLogger(__name__)
T = TypeVar("T")

# libcst uses about 1.2 KiB of stack per link of an `a and a and ...` chain, which
# CPython accepts at any length: 4 GiB is enough for such a chain filling a file of
# the 10 MiB limit (`sources.MAX_FILE_BYTES`).
BIG_STACK_BYTES = 4 << 30
# Tried in turn when the address space is limited (`ulimit -v`, 32-bit platforms).
_STACK_SIZES = (BIG_STACK_BYTES, 1 << 30, 256 << 20, 64 << 20)

# `threading.stack_size` is process-wide: set, start the thread, and restore, alone.
_sizing = threading.Lock()
_local = threading.local()


def run_with_big_stack(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` on a new thread with a big stack, waiting for it; its
    result or its exception is this call's. On such a thread already, it just calls."""
    if getattr(_local, "big_stack", False):
        return function(*args, **kwargs)
    outcome: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        _local.big_stack = True
        try:
            outcome.append(function(*args, **kwargs))
        except BaseException as exc:  # re-raised on the caller's thread
            errors.append(exc)

    # A daemon: an interrupted `check` (Ctrl-C) exits without waiting for it.
    thread = threading.Thread(
        target=run, name=f"{threading.current_thread().name}+stack", daemon=True
    )
    if not _start_with_big_stack(thread):
        return function(*args, **kwargs)  # no big stack to be had: the usual one
    thread.join()
    if errors:
        try:
            raise errors[0]
        finally:
            errors.clear()  # no reference cycle through the traceback
    return outcome[0]


def _start_with_big_stack(thread: threading.Thread) -> bool:
    for size in _STACK_SIZES:
        with _sizing:
            try:
                previous = threading.stack_size(size)
            except ValueError:  # more than the platform allows (32-bit)
                continue
            except RuntimeError:  # a platform that cannot size stacks
                return False
            try:
                thread.start()
                return True
            except RuntimeError:  # "can't start new thread": not that much address space
                continue
            finally:
                threading.stack_size(previous)
    log.warning("no thread with a big stack could be started: checking on the usual stack")
    return False


class BigStackExecutor(ThreadPoolExecutor):
    """A thread pool whose every job runs on a new thread with a big stack.

    The pool's own threads bound how many jobs run at once; each waits for its job.
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return super().submit(run_with_big_stack, functools.partial(fn, *args, **kwargs))
