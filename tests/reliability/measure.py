"""Measuring other processes: running the checker in a child with a time limit,
and reading resident memory (RSS) from /proc (Linux only).

RSS is read from `/proc/<pid>/status`: `VmRSS` (now) and `VmHWM` (the peak so
far). For a process tree (the CLI's worker pool) the peak is the largest sum of
the tree's `VmHWM` seen while polling.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HAS_PROC = Path("/proc/self/status").exists()

# Runs check_source on stdin (UTF-8, surrogates passed through) and prints a summary.
_CHECK_SCRIPT = """
import json, sys, time
from sqlalchemy_lint.checker import check_source
source = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")
start = time.perf_counter()
result = check_source(source)
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "problem": result.problem,
    "codes": [d.code for d in result.diagnostics],
}))
"""


@dataclass
class ChildCheck:
    returncode: int | None  # None: killed at the time limit
    seconds: float
    summary: dict[str, object] | None
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def describe(self) -> str:
        if self.timed_out:
            return f"still running after {self.seconds:.1f} s (killed)"
        if self.returncode != 0:
            return f"died with exit status {self.returncode}: {self.stderr[-2000:]}"
        return f"finished in {self.seconds:.2f} s: {self.summary}"


def check_in_child(source: str, timeout: float) -> ChildCheck:
    """`check_source(source)` in a fresh interpreter, killed after `timeout` seconds.

    A crash of the interpreter itself (a native stack overflow) or a hang stays
    in the child and is reported, rather than taking the test run down with it.
    """
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHECK_SCRIPT],
            input=source.encode("utf-8", "surrogatepass"),
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = (exc.stderr or b"").decode("utf-8", "replace")
        return ChildCheck(None, time.perf_counter() - start, None, stderr)
    elapsed = time.perf_counter() - start
    summary = None
    if done.returncode == 0 and done.stdout.strip():
        summary = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return ChildCheck(done.returncode, elapsed, summary, done.stderr.decode("utf-8", "replace"))


def status_kib(pid: int, field: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), or 0 if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def rss_kib(pid: int) -> int:
    return status_kib(pid, "VmRSS")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(p) for p in task.read_text().split())
        except OSError:
            continue
    return found


def process_tree(pid: int) -> list[int]:
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(_children(current))
    return tree


@dataclass
class TreeRun:
    returncode: int
    seconds: float
    peak_kib: int  # the largest sum of the tree's VmHWM seen
    processes: int  # the most processes seen at once
    stdout: str
    stderr: str


def run_measuring_tree(
    command: list[str], cwd: Path, timeout: float, interval: float = 0.02
) -> TreeRun:
    """Run `command`, polling the peak RSS of it and its children until it exits."""
    env = {**os.environ, "NO_COLOR": "1"}
    start = time.perf_counter()
    with subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        peak, most = 0, 0
        # Drain the pipes in threads so a large report cannot block the child.
        import threading

        out: list[str] = []
        err: list[str] = []
        readers = [
            threading.Thread(target=lambda: out.append(process.stdout.read())),  # type: ignore[union-attr]
            threading.Thread(target=lambda: err.append(process.stderr.read())),  # type: ignore[union-attr]
        ]
        for reader in readers:
            reader.start()
        while process.poll() is None:
            if time.perf_counter() - start > timeout:
                process.kill()
                raise TimeoutError(f"{command} ran for more than {timeout} s")
            pids = process_tree(process.pid)
            peak = max(peak, sum(status_kib(p, "VmHWM") for p in pids))
            most = max(most, len(pids))
            time.sleep(interval)
        for reader in readers:
            reader.join()
    return TreeRun(
        process.returncode,
        time.perf_counter() - start,
        peak,
        most,
        "".join(out),
        "".join(err),
    )
