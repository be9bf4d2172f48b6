"""Memory and time on pathological files: the ceiling `max-tokens` keeps.

libcst's tree costs 1.1 to 2.7 GB per million tokens. For each kind of file that is
dense in tokens (one long boolean chain, a long list of numbers, thousands of short
call statements), this generates one just under the default limit and one far past
it (10 MiB), and runs `sqlalchemy-lint check FILE --no-cache` on each in a fresh
process, beside a bare `libcst.parse_module` of the same text (also in a fresh
process, on a thread with the same big stack). It prints wall time and peak resident
memory of each, and the ratio to the bare parse.

    .venv/bin/python benchmarks/memory.py            # about a minute
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

from sqlalchemy_lint.sources import MAX_TOKENS  # noqa: E402

HEADER = 'from sqlalchemy import create_engine\n\nengine = create_engine("sqlite://")\n'


def chain(tokens: int) -> str:
    return HEADER + "x = " + " and ".join(["a"] * (tokens // 2)) + "\n"


def numbers(tokens: int) -> str:
    return HEADER + "x = [" + ", ".join(str(i) for i in range(tokens // 2)) + "]\n"


def calls(tokens: int) -> str:
    return HEADER + "".join(f"v{i} = f(a, b=c[{i}], d=e.g)\n" for i in range(tokens // 19))


KINDS: dict[str, Callable[[int], str]] = {"chain": chain, "numbers": numbers, "calls": calls}

BARE_PARSE = """
import sys
import libcst
from sqlalchemy_lint.stack import run_with_big_stack
run_with_big_stack(libcst.parse_module, open(sys.argv[1], encoding="utf-8").read())
"""


def measure(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak resident MiB and exit status of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    assert process.stderr is not None
    process.stderr.close()
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> int:
    print(f"max-tokens (default): {MAX_TOKENS:,}\n")
    print("| file | size | check: wall s | check: peak MiB | bare parse: wall s | peak MiB |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, make in KINDS.items():
            for label, tokens in (("under the limit", MAX_TOKENS - 2_000), ("10 MiB", 0)):
                text = make(tokens) if tokens else _ten_mib(make)
                path = Path(folder, f"{name}.py")
                path.write_text(text, encoding="utf-8")
                check = measure(
                    [sys.executable, "-m", "sqlalchemy_lint", "check", str(path), "--no-cache"]
                )
                bare = measure([sys.executable, "-c", BARE_PARSE, str(path)]) if tokens else None
                size = f"{len(text) / 1_048_576:.1f} MiB"
                bare_cells = f"{bare[0]:.1f} | {bare[1]:.0f}" if bare else "not run | -"
                print(
                    f"| {name}, {label} | {size} | {check[0]:.1f} | {check[1]:.0f} | {bare_cells} |"
                )
    return 0


def _ten_mib(make: Callable[[int], str]) -> str:
    text = make(200_000)
    return text * (10 * 1_048_576 // len(text))


if __name__ == "__main__":
    sys.exit(main())
