"""`check --watch`, run as a user runs it in a terminal: it checks, waits, checks
again when a file changes, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from samples import LEAK


class Lines:
    """The process's standard output, line by line, with a timeout."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=lambda: [self.queue.put(x) for x in stream], daemon=True).start()

    def until(self, text: str, timeout: float = 60) -> list[str]:
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if text in line:
                return seen
        raise AssertionError(f"{text!r} never printed; got {''.join(seen)!r}")


def test_watch_checks_again_after_each_change_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "sqlalchemy_lint", "check", "--watch", "--no-cache", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        # As in a terminal: a test run in the background (nohup, `&`) passes SIGINT on
        # ignored, and Python then installs no KeyboardInterrupt handler.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines = Lines(process)
        first = lines.until("Watching for file changes.")
        assert any("All checks passed!" in line for line in first)
        # A new file with a leak: found.
        (tmp_path / "db.py").write_text(LEAK)
        second = lines.until("Watching for file changes.")
        assert any("Files changed, checking again." in line for line in second)
        assert any("db.py:4:12: SQA101" in line for line in second)
        assert any("Found 1 problem in 2 checked files." in line for line in second)
        # The leak fixed by hand: clean again.
        fixed = LEAK.replace(
            "    conn = engine.connect()\n    return",
            "    with engine.connect() as conn:\n        return",
        )
        (tmp_path / "db.py").write_text(fixed)
        third = lines.until("Watching for file changes.")
        assert any("All checks passed!" in line for line in third)
        # Configuration counts as a change too.
        (tmp_path / "pyproject.toml").write_text('[tool.sqlalchemy-lint]\nignore = ["SQA101"]\n')
        lines.until("Files changed, checking again.")
        lines.until("Watching for file changes.")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired as exc:
            process.kill()
            assert process.stderr is not None
            stderr = process.stderr.read()[-3000:]
            raise AssertionError(f"Ctrl-C did not stop it; stderr: {stderr}") from exc
    assert code == 0
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()


def test_watch_needs_paths() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", "--watch", "-"],
        input="x = 1\n",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "--watch needs paths, not standard input" in result.stderr
