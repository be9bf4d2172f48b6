"""The floor: parse every file of a list with one parser, nothing else.

Run in a fresh process by run.py (so the parent's imports are not counted) as

    python benchmarks/bare_parse.py {libcst|ast} FILE_LIST [REPEAT]

where FILE_LIST holds one path per line. All files are read first; only the
parse loop is timed (wall clock and this process's CPU time), REPEAT times
(default 1). Prints one JSON object on stdout.
"""

from __future__ import annotations

import ast
import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    parser_name, list_file, *rest = argv
    repeat = int(rest[0]) if rest else 1
    paths = Path(list_file).read_text(encoding="utf-8").splitlines()
    started = time.perf_counter()
    if parser_name == "libcst":
        import libcst

        def parse(source: str) -> object:
            return libcst.parse_module(source)
    elif parser_name == "ast":

        def parse(source: str) -> object:
            return ast.parse(source)
    else:
        print(f"unknown parser {parser_name!r}", file=sys.stderr)
        return 2
    imported = time.perf_counter()
    sources = [Path(p).read_text(encoding="utf-8", errors="replace") for p in paths]
    read = time.perf_counter()
    failed: list[str] = []
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeat):
        failed = []
        cpu_start = time.process_time()
        wall_start = time.perf_counter()
        for path, source in zip(paths, sources):
            try:
                parse(source)
            except Exception as exc:  # a file the parser rejects is counted, not fatal
                failed.append(f"{path}: {type(exc).__name__}")
        walls.append(time.perf_counter() - wall_start)
        cpus.append(time.process_time() - cpu_start)
    print(
        json.dumps(
            {
                "parser": parser_name,
                "files": len(paths),
                "lines": sum(len(s.splitlines()) for s in sources),
                "bytes": sum(len(s.encode("utf-8")) for s in sources),
                "import_seconds": imported - started,
                "read_seconds": read - imported,
                "parse_seconds": walls[0],
                "parse_cpu_seconds": cpus[0],
                "parse_seconds_each": walls,
                "parse_cpu_seconds_each": cpus,
                "failed": failed,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
