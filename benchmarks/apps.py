"""sqlalchemy-lint on real applications: the command line and the language server,
cold and warm, against a bare `libcst.parse_module` of the same text in the same run.

The benchmark corpus (`run.py`) is made of files that import little from each other;
real applications import a dozen of their own modules per file, and there the cost
of cross-module knowledge shows. Three applications, pinned by commit and fetched on
demand like the real-world corpus (a local mirror, else a clone of github.com):

- Netflix/dispatch, a large FastAPI application with deep imports (`src/`);
- getredash/redash, a mid-sized Flask application (the whole tree);
- SQLAlchemy's own `lib/`, a library.

For each it measures, as medians over `--runs` interleaved rounds:

- CLI, whole tree, cold (an empty cache), against the single-threaded bare parse of
  all its files (the issue's target: at most 1.5x);
- CLI re-run on the unchanged tree (warm cache; target: at most 0.1x the parse);
- CLI after one file changed (target: at most 2x the parse of that file plus the
  start of the process, measured as `sqlalchemy-lint --version`);
- the language server, `didOpen` to the first `publishDiagnostics` and to the last
  (the refined one), cold (empty cache, new server) and warm (the cache kept, a new
  server), for a large and a typical file, against the bare parse of that file
  (targets: first publish at most 2x; refined at most 5x cold and 2x warm);
- `didChange` to the next publish, warm;
- the resident memory of the server and its helper process after opening 50 files of
  the application (target: under 500 MiB).

Nothing is asserted: it prints the figures, the ratios and the exact commands, and
writes them to `benchmarks/results/apps.json`.

    python benchmarks/apps.py [--runs 3] [--only dispatch]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_bench import LspClient
from measure import compile_package, run_command
from realworld import Unavailable, tree

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BARE_PARSE = HERE / "bare_parse.py"


@dataclass(frozen=True)
class App:
    key: str
    repo: str
    commit: str
    paths: tuple[str, ...]  # what `check` is given, relative to the tree
    large: str  # a large file to open in the server
    typical: str  # a typical one


APPS = (
    App(
        "dispatch",
        "Netflix/dispatch",
        "dd2837e82a0bf5565b1b4b4b91ea30b7262d4061",
        ("src",),
        "src/dispatch/incident/flows.py",
        "src/dispatch/incident/views.py",
    ),
    App(
        "redash",
        "getredash/redash",
        "ca79fe988d81cdac9675b412f3dfcab107bc1fbc",
        ("redash",),
        "redash/models/__init__.py",
        "redash/handlers/queries.py",
    ),
    App(
        "sqlalchemy-lib",
        "sqlalchemy/sqlalchemy",
        "f35da7e2b9349a08b8de1f6bd3b07c8bf8616790",
        ("lib",),
        "lib/sqlalchemy/orm/session.py",
        "lib/sqlalchemy/engine/reflection.py",
    ),
)


@dataclass
class Figures:
    app: str
    files: int = 0
    lines: int = 0
    values: dict[str, list[float]] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float | None) -> None:
        if value is not None:
            self.values.setdefault(name, []).append(value)

    def median(self, name: str) -> float | None:
        values = self.values.get(name)
        return statistics.median(values) if values else None


def lint() -> list[str]:
    return [sys.executable, "-m", "sqlalchemy_lint"]


def bare_parse(files: list[Path], workdir: Path) -> dict[str, Any]:
    listing = workdir / "files.txt"
    listing.write_text("\n".join(str(f) for f in files), encoding="utf-8")
    run = run_command([sys.executable, str(BARE_PARSE), "libcst", str(listing)])
    return dict(json.loads(run.stdout))


def python_files(root: Path, paths: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted((root / path).rglob("*.py")))
    return found


def measure_cli(app: App, root: Path, figures: Figures, workdir: Path) -> None:
    cache = workdir / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    check = [*lint(), "check", *app.paths, "--exit-zero", "--cache-dir", str(cache)]
    figures.commands["cli"] = " ".join(check) + f"   (in {root})"
    cold = run_command(check, cwd=root)
    figures.add("cli_cold", cold.wall)
    figures.add("cli_cold_cpu", cold.cpu)
    figures.add("cli_cold_peak_mib", cold.peak_rss_mib)
    warm = run_command(check, cwd=root)
    figures.add("cli_warm", warm.wall)
    if cold.stdout != warm.stdout:
        figures.notes.append("the warm run reported differently from the cold one")
    changed = root / app.typical
    original = changed.read_text(encoding="utf-8")
    try:
        changed.write_text(original + "\n# edited by benchmarks/apps.py\n", encoding="utf-8")
        one = run_command(check, cwd=root)
        figures.add("cli_one_changed", one.wall)
    finally:
        changed.write_text(original, encoding="utf-8")
        os.utime(changed)
    start = run_command([*lint(), "--version"])
    figures.add("process_start", start.wall)


def _published(uri: str):  # type: ignore[no-untyped-def]
    def wanted(message: dict[str, Any]) -> bool:
        params = message.get("params") or {}
        return (
            message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri
        )

    return wanted


def _server(root: Path, log: Path) -> LspClient:
    client = LspClient([*lint(), "server"], root, log)
    client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
            "initializationOptions": {"settings": {"debounceMs": 0}},
        },
    )
    client.notify("initialized", {})
    return client


def _open(client: LspClient, path: Path, version: int = 1) -> tuple[float, float]:
    """(seconds to the first publish, seconds to the last) for opening `path`."""
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    sent = client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
    )
    received, _ = client.wait_for(_published(uri), timeout=600)
    later = client.drain_until_idle(_published(uri), quiet=0.3)
    return received - sent, (later[-1][0] if later else received) - sent


def measure_server(app: App, root: Path, figures: Figures, workdir: Path) -> None:
    cache = root / ".sqlalchemy_lint_cache"
    for label in ("large", "typical"):
        path = root / (app.large if label == "large" else app.typical)
        shutil.rmtree(cache, ignore_errors=True)
        for state in ("cold", "warm"):
            client = _server(root, workdir / f"server-{label}-{state}.log")
            try:
                first, last = _open(client, path)
                figures.add(f"open_{label}_{state}_first", first)
                figures.add(f"open_{label}_{state}_last", last)
                if state == "warm":
                    uri = path.as_uri()
                    text = path.read_text(encoding="utf-8")
                    sent = client.notify(
                        "textDocument/didChange",
                        {
                            "textDocument": {"uri": uri, "version": 2},
                            "contentChanges": [{"text": text + "\n# edit\n"}],
                        },
                    )
                    received, _ = client.wait_for(
                        lambda m: _published(uri)(m) and m["params"].get("version") == 2,
                        timeout=600,
                    )
                    figures.add(f"edit_{label}", received - sent)
                    client.drain_until_idle(lambda m: False, quiet=0.3)
            finally:
                client.close()
    # Memory: 50 files of the application open in one server.
    client = _server(root, workdir / "server-memory.log")
    try:
        for number, path in enumerate(python_files(root, app.paths)[:50], start=1):
            _open(client, path, version=1)
            if number == 50:
                break
        client.drain_until_idle(lambda m: False, quiet=0.5)
        figures.add("server_rss_50_files_mib", _rss_mib(client.proc.pid))
    finally:
        client.close()


def _rss_mib(pid: int) -> float | None:
    """The resident memory of the server and of its helper processes."""
    total = _own_rss_kib(pid)
    if total is None:
        return None
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            total += _own_rss_kib(int(status.parent.name)) or 0
    return total / 1024


def _own_rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def ratio(value: float | None, floor: float | None) -> str:
    if value is None or not floor:
        return "-"
    return f"{value / floor:.2f}x"


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def report(figures: Figures) -> dict[str, Any]:
    m = figures.median
    parse_all = m("parse_all")
    start = m("process_start")
    rows = [
        ("CLI whole tree, cold", m("cli_cold"), parse_all, "<= 1.5x"),
        ("CLI re-run, unchanged tree", m("cli_warm"), parse_all, "<= 0.1x"),
        (
            "CLI, one file changed",
            m("cli_one_changed"),
            (m("parse_typical") or 0) + (start or 0),
            "<= 2x (parse of that file + process start)",
        ),
    ]
    for label in ("large", "typical"):
        floor = m(f"parse_{label}")
        rows += [
            (f"server open {label}, cold, first publish", m(f"open_{label}_cold_first"), floor, "<= 2x"),
            (f"server open {label}, cold, refined", m(f"open_{label}_cold_last"), floor, "<= 5x"),
            (f"server open {label}, warm, first publish", m(f"open_{label}_warm_first"), floor, "<= 2x"),
            (f"server open {label}, warm, refined", m(f"open_{label}_warm_last"), floor, "<= 2x"),
            (f"server edit {label} -> publish", m(f"edit_{label}"), floor, ""),
        ]  # fmt: skip
    print(f"\n## {figures.app}: {figures.files} files, {figures.lines} lines\n")
    print("| measure | time | bare parse | ratio | target |")
    print("|---|---|---|---|---|")
    for name, value, floor, target in rows:
        print(
            f"| {name} | {seconds(value)} | {seconds(floor)} | {ratio(value, floor)} | {target} |"
        )
    rss = m("server_rss_50_files_mib")
    print(
        f"\nServer (and helper) resident memory after opening 50 files: {rss:.0f} MiB"
        if rss
        else ""
    )
    print(f"CLI cold: CPU {seconds(m('cli_cold_cpu'))}, peak {m('cli_cold_peak_mib') or 0:.0f} MiB")
    for name, command in figures.commands.items():
        print(f"- {name}: `{command}`")
    for note in figures.notes:
        print(f"- note: {note}")
    return {
        "app": figures.app,
        "files": figures.files,
        "lines": figures.lines,
        "medians": {name: m(name) for name in figures.values},
        "values": figures.values,
        "commands": figures.commands,
        "notes": figures.notes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help="only the application whose key contains this")
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args(argv)
    compile_package()
    results = []
    for app in APPS:
        if args.only and args.only not in app.key:
            continue
        try:
            root = tree(app.repo, app.commit, args.mirrors)
        except Unavailable as exc:
            print(f"skipped {app.key}: {exc}")
            continue
        files = python_files(root, app.paths)
        figures = Figures(app.key, files=len(files))
        with tempfile.TemporaryDirectory(prefix="apps-bench-") as temporary:
            workdir = Path(temporary)
            for round_number in range(args.runs):
                floor = bare_parse(files, workdir)
                figures.lines = floor["lines"]
                figures.add("parse_all", floor["parse_seconds"])
                figures.add("parse_large", bare_parse([root / app.large], workdir)["parse_seconds"])
                figures.add(
                    "parse_typical", bare_parse([root / app.typical], workdir)["parse_seconds"]
                )
                measure_cli(app, root, figures, workdir)
                if not args.skip_server:
                    measure_server(app, root, figures, workdir)
                print(f"{app.key}: round {round_number + 1} of {args.runs} done", flush=True)
        results.append(report(figures))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "apps.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
