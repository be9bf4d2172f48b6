"""Run one command as a child process and measure it from outside: wall time
(monotonic clock around start and reap), user and system CPU seconds and peak
resident memory from the kernel's accounting of that child (os.wait4), which
covers the processes it waited for (workers included)."""

from __future__ import annotations

import compileall
import contextlib
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    wall: float
    user: float
    system: float
    peak_rss_mib: float  # the largest single process, not a sum
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def cpu(self) -> float:
        return self.user + self.system


def run_command(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 3600,
) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            wall=wall,
            user=usage.ru_utime,
            system=usage.ru_stime,
            peak_rss_mib=usage.ru_maxrss / 1024,  # KiB on Linux
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            timed_out=timed_out.is_set(),
        )


def compile_package() -> None:
    """Write the bytecode of sqlalchemy-lint's own modules, as `pip install` does: an
    editable checkout run with PYTHONDONTWRITEBYTECODE (as CI machines often set)
    would otherwise compile every module from source in every measured process."""
    package = Path(__file__).resolve().parent.parent / "server" / "sqlalchemy_lint"
    compileall.compile_dir(str(package), quiet=1)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
