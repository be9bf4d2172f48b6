"""sqlalchemy-lint's benchmark: the CLI and the language server against a bare
libcst parse of the same code, beside the tools a user would pick instead.

    .venv/bin/python benchmarks/run.py [--runs N] [--full] [--skip-peers] [--json FILE]

Downloads SQLAlchemy's source distribution from PyPI once (benchmarks/.corpus/),
installs the peers once into their own virtualenvs (benchmarks/.peers/), then
measures everything in the same run, interleaved run by run (each round runs
every tool once, so a machine that slows down mid-way slows them all), and
prints medians. It reports; it never asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lsp_bench
import peertools
import sdist as corpus_module
from measure import Run, compile_package, median, run_command

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BARE_PARSE = HERE / "bare_parse.py"


@dataclass
class Tool:
    name: str
    argv: list[str]
    kind: str  # "parse" (bare_parse.py child), "lint" (our CLI), "peer"
    env: dict[str, str] | None = None
    peer: peertools.Peer | None = None
    runs: list[Run] = field(default_factory=list)
    child: list[dict[str, Any]] = field(default_factory=list)  # bare_parse.py's own report
    findings: int | None = None
    files: int | None = None
    problems: list[str] = field(default_factory=list)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark sqlalchemy-lint (CLI and language server) against a bare "
        "libcst parse of the same code and against its peers, in one run."
    )
    parser.add_argument("--runs", type=int, default=5, help="measured runs per tool (default 5)")
    parser.add_argument("--warmup", type=int, default=0, help="unmeasured rounds first")
    parser.add_argument(
        "--full",
        action="store_true",
        help="all of lib/ and test/ (default: examples/, test/engine/, test/ext/)",
    )
    parser.add_argument("--skip-peers", action="store_true", help="no flake8, no semgrep")
    parser.add_argument("--skip-lsp", action="store_true", help="no language-server timing")
    parser.add_argument(
        "--skip-cli", action="store_true", help="no command-line timing (the language server only)"
    )
    parser.add_argument(
        "--no-single-job",
        action="store_true",
        help="skip the extra `check --jobs 1` row (measured when the CLI has --jobs)",
    )
    parser.add_argument(
        "--lsp-sizes", default="500,2000,5000", help="file sizes in lines (default 500,2000,5000)"
    )
    parser.add_argument("--edits", type=int, default=5, help="didChange edits per file size")
    parser.add_argument(
        "--semgrep-config",
        help="semgrep --config value (default: the local rules in benchmarks/peers/; "
        "r/python.sqlalchemy needs the network)",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per tool run")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results here")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.edits < 1 or args.warmup < 0:
        parser.error("--runs and --edits must be at least 1, --warmup at least 0")
    return args


# -- facts about the machine and the code under test ------------------------------------


def _git(*command: str) -> str:
    try:
        return subprocess.run(
            ["git", *command], cwd=REPO, capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return "not installed"


def machine_facts() -> dict[str, Any]:
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    memory = _memory_gib()
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": _cpu_model(),
        "memory_gib": round(memory, 1) if memory else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "libcst": _version("libcst"),
        "sqlalchemy_lint": _version("sqlalchemy-lint"),
        "commit": (commit + (" + uncommitted changes" if dirty else "")) if commit else "unknown",
        "load_average_at_start": _load(),
    }


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# -- the tools ------------------------------------------------------------------------


def _lint_executable() -> list[str]:
    script = Path(sys.executable).parent / "sqlalchemy-lint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sqlalchemy_lint"]


def _has_jobs_option(lint: list[str]) -> bool:
    try:
        result = subprocess.run(
            [*lint, "check", "--help"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return "--jobs" in result.stdout


def build_tools(
    args: argparse.Namespace, corpus: corpus_module.Corpus, workdir: Path
) -> tuple[list[Tool], peertools.PeerSetup | None]:
    file_list = workdir / "files.txt"
    file_list.write_text("\n".join(str(p) for p in corpus.files) + "\n", encoding="utf-8")
    dirs = list(corpus.dirs)
    tools = [
        Tool(
            "libcst.parse_module",
            [sys.executable, str(BARE_PARSE), "libcst", str(file_list)],
            "parse",
        ),
        Tool("ast.parse", [sys.executable, str(BARE_PARSE), "ast", str(file_list)], "parse"),
    ]
    lint = _lint_executable()
    # What a user or CI runs: the findings as text. `--format json` also computes every
    # finding's fix (editors and scripts use them), so it is measured on its own row.
    check = [*lint, "check", "--exit-zero", "--format", "concise"]
    tools.append(Tool("sqlalchemy-lint check", [*check, *dirs], "lint"))
    if not args.no_single_job and _has_jobs_option(lint):
        tools.append(Tool("sqlalchemy-lint check --jobs 1", [*check, "--jobs", "1", *dirs], "lint"))
    with_fixes = [*lint, "check", "--exit-zero", "--format", "json"]
    tools.append(Tool("sqlalchemy-lint check --format json", [*with_fixes, *dirs], "lint"))
    setup = None
    if not args.skip_peers:
        started = time.perf_counter()
        setup = peertools.setup(dirs, workdir, semgrep_config=args.semgrep_config)
        setup.notes.append(f"peer set-up (not timed below): {time.perf_counter() - started:.1f} s")
        for peer in setup.peers:
            tools.append(
                Tool(peer.name, peer.argv, "peer", env=peertools.peer_env(peer), peer=peer)
            )
    return tools, setup


_CONCISE_LINE = re.compile(r"^.+:\d+:\d+: SQA\d+ ", re.MULTILINE)


def _lint_outcome(tool: Tool, run: Run) -> None:
    if run.returncode != 0:
        tool.problems.append(f"exit {run.returncode}: {run.stderr.strip()[-400:]}")
    if "--format json" in tool.name:
        try:
            tool.findings = len(json.loads(run.stdout))
        except ValueError:
            tool.problems.append("its output is not JSON")
    else:
        tool.findings = len(_CONCISE_LINE.findall(run.stdout))


def measure_all(tools: list[Tool], corpus: corpus_module.Corpus, args: argparse.Namespace) -> None:
    rounds = args.warmup + args.runs
    for n in range(rounds):
        label = "warm-up" if n < args.warmup else f"run {n - args.warmup + 1}/{args.runs}"
        for tool in tools:
            print(f"  {label}: {tool.name} ...", file=sys.stderr, flush=True)
            if tool.peer is not None:
                peertools.forget_output(tool.peer)  # flake8 appends to --output-file
            run = run_command(tool.argv, cwd=corpus.root, env=tool.env, timeout=args.timeout)
            if run.timed_out:
                tool.problems.append(f"killed after {args.timeout:.0f} s")
            if n < args.warmup:
                continue
            tool.runs.append(run)
            if tool.kind == "parse":
                try:
                    tool.child.append(json.loads(run.stdout))
                except ValueError:
                    tool.problems.append(f"no report (exit {run.returncode}): {run.stderr[-400:]}")
            elif tool.kind == "lint" and len(tool.runs) == 1:
                _lint_outcome(tool, run)
            elif tool.kind == "peer" and tool.peer is not None:
                if run.returncode != 0:
                    tool.problems.append(f"exit {run.returncode}: {run.stderr.strip()[-400:]}")
                tool.findings, tool.files = peertools.findings_and_files(tool.peer)


def _files_the_cli_sees(corpus: corpus_module.Corpus) -> int | None:
    """How many files sqlalchemy-lint's own discovery finds (walked as the CLI walks)."""
    try:
        from sqlalchemy_lint.discovery import discover
    except ImportError:
        return None
    cwd = Path.cwd()
    try:
        os.chdir(corpus.root)
        files, _ = discover([Path(d) for d in corpus.dirs])
        return len(files)
    except Exception:
        return None
    finally:
        os.chdir(cwd)


# -- the report -----------------------------------------------------------------------


def _ratio(values: list[float], floors: list[float]) -> float:
    pairs = [v / f for v, f in zip(values, floors) if f]
    return median(pairs)


def summarise(tools: list[Tool], corpus: corpus_module.Corpus) -> list[dict[str, Any]]:
    floor = next(t for t in tools if t.name == "libcst.parse_module")
    floor_wall = [c["parse_seconds"] for c in floor.child]
    floor_cpu = [c["parse_cpu_seconds"] for c in floor.child]
    rows: list[dict[str, Any]] = []

    def row(
        name: str,
        walls: list[float],
        cpus: list[float],
        peak: float | None,
        tool: Tool,
        **extra: Any,
    ) -> None:
        rows.append(
            {
                "name": name,
                "wall_median_s": median(walls),
                "wall_min_s": min(walls, default=float("nan")),
                "wall_max_s": max(walls, default=float("nan")),
                "cpu_median_s": median(cpus),
                "ratio_to_parse": _ratio(walls, floor_wall),
                "cpu_ratio_to_parse": _ratio(cpus, floor_cpu),
                "lines_per_second": corpus.lines / median(walls) if walls else float("nan"),
                "peak_rss_mib": peak,
                "findings": tool.findings,
                "files": tool.files,
                "command": shlex.join(tool.argv),
                "problems": sorted(set(tool.problems)),
                "raw_wall_s": walls,
                "raw_cpu_s": cpus,
                **extra,
            }
        )

    for tool in tools:
        peak = median([r.peak_rss_mib for r in tool.runs]) if tool.runs else None
        walls = [r.wall for r in tool.runs]
        cpus = [r.cpu for r in tool.runs]
        if tool.kind == "parse":
            parse_walls = [c["parse_seconds"] for c in tool.child]
            parse_cpus = [c["parse_cpu_seconds"] for c in tool.child]
            failed = tool.child[0]["failed"] if tool.child else []
            tool.files = tool.child[0]["files"] if tool.child else None
            if failed:
                tool.problems.append(f"{len(failed)} files did not parse: {failed[:3]}")
            row(f"{tool.name}: parse only", parse_walls, parse_cpus, None, tool)
            row(
                f"{tool.name}: whole process",
                walls,
                cpus,
                peak,
                tool,
                note="interpreter start, import, read and parse",
            )
        else:
            row(tool.name, walls, cpus, peak, tool)
    return rows


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:,.{digits}f}"


def _table(headers: list[str], body: list[list[str]], left: int = 1) -> str:
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in body)])


def _short(text: str, scratch: str | None = None) -> str:
    """A command as printed: paths inside the repository relative to it."""
    if scratch:
        text = text.replace(scratch, "$TMP")
    return text.replace(str(REPO) + os.sep, "")


def print_report(result: dict[str, Any]) -> None:
    facts = result["machine"]
    corpus = result["corpus"]
    print()
    print("sqlalchemy-lint benchmark")
    print(f"command:  {result['command']}")
    print(
        f"machine:  {facts['cores']} cores ({facts['usable_cores']} usable), {facts['cpu']}, "
        f"{facts['memory_gib']} GiB; {facts['implementation']} {facts['python']} on "
        f"{facts['platform']}"
    )
    print(
        f"versions: sqlalchemy-lint {facts['sqlalchemy_lint']} ({facts['commit']}), "
        f"libcst {facts['libcst']}"
        + "".join(f"; {v}" for v in result.get("peer_versions", {}).values())
    )
    print(
        f"load:     {facts['load_average_at_start']} at start, "
        f"{result['load_average_at_end']} at end (1/5/15-minute averages)"
    )
    print(
        f"corpus:   {corpus['label']}: {corpus['files']} files, {corpus['lines']:,} lines, "
        f"{corpus['bytes'] / 1e6:.1f} MB"
        + (
            f" (sqlalchemy-lint's discovery: {corpus['files_cli_sees']} files)"
            if corpus.get("files_cli_sees") not in (None, corpus["files"])
            else ""
        )
    )
    print(f"runs:     median of {result['runs']} runs each, interleaved")
    print()
    print("Command line, whole corpus. x parse = this wall time / the bare libcst parse time")
    print("(paired run by run, median); x parse cpu = the same with CPU seconds.")
    print()
    body = []
    for row in result["rows"]:
        body.append(
            [
                row["name"],
                _fmt(row["wall_median_s"]),
                f"{_fmt(row['wall_min_s'])}-{_fmt(row['wall_max_s'])}",
                _fmt(row["cpu_median_s"]),
                _fmt(row["ratio_to_parse"]),
                _fmt(row["cpu_ratio_to_parse"]),
                _fmt(row["lines_per_second"], 0),
                _fmt(row["peak_rss_mib"], 0),
                "-" if row["findings"] is None else str(row["findings"]),
            ]
        )
    print(
        _table(
            [
                "tool",
                "wall s",
                "min-max",
                "cpu s",
                "x parse",
                "x parse cpu",
                "lines/s",
                "peak MiB",
                "findings",
            ],
            body,
        )
    )
    lsp = result.get("lsp")
    if lsp:
        print()
        print("Language server (debounceMs 0): edit s = didChange (full text) -> the first")
        print("publishDiagnostics of that version, sent to an idle server, median of the edits;")
        print("x parse = that / bare libcst.parse_module of the same text (fresh process);")
        print("x parse cpu = the server's CPU seconds until that publish / the parse's CPU;")
        print("+ fixes s = -> the last publish of that version (diagnostics with their fixes);")
        print("back-to-back s = each edit sent as soon as the previous one's first publish came;")
        print("check s = check_source without fixes in this process (no LSP).")
        print()
        body = []
        for item in lsp:
            body.append(
                [
                    f"{item['lines']:,}",
                    _fmt(item["libcst_parse_median_s"], 3),
                    _fmt(item["check_source_no_fixes_median_s"], 3),
                    _fmt(item["edit_to_diagnostics_median_s"], 3),
                    f"{_fmt(item['edit_to_diagnostics_min_s'], 3)}-"
                    f"{_fmt(item['edit_to_diagnostics_max_s'], 3)}",
                    _fmt(item["ratio_to_parse"]),
                    _fmt(item["cpu_ratio_to_parse"]),
                    _fmt(item["edit_to_last_publish_median_s"], 3),
                    _fmt(item["back_to_back_median_s"], 3),
                    str(item["edits"]),
                    "/".join(str(n) for n in sorted(set(item["diagnostics_per_edit"]))) or "-",
                    _fmt(item["server_peak_rss_mib"], 0),
                ]
            )
        headers = ["lines", "parse s", "check s", "edit s", "min-max", "x parse", "x parse cpu"]
        headers += ["+ fixes s", "back-to-back s", "edits", "findings", "peak MiB"]
        print(_table(headers, body))
        errors = [f"{item['lines']} lines: {item['error']}" for item in lsp if item["error"]]
        for error in errors:
            print(f"  ! {error}")
    print()
    print("Notes:")
    load = facts["load_average_at_start"]
    if load and load[0] > facts["usable_cores"]:
        print(
            f"  - the machine was busy (load {load[0]} on {facts['usable_cores']} cores): wall "
            "times are inflated by waiting for a core; the cpu columns are steadier."
        )
    for note in result["notes"]:
        print(f"  - {note}")
    for row in result["rows"]:
        for problem in row["problems"]:
            print(f"  ! {row['name']}: {problem}")
    print()
    print(f"Commands (run in {_short(result['corpus']['root'])}; $TMP is this run's scratch):")
    seen = set()
    for row in result["rows"]:
        if row["command"] not in seen:
            seen.add(row["command"])
            print(f"  {_short(row['command'], result['scratch'])}")
    timings = result["timings_s"]
    print()
    print(
        "This run took "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())
        + "."
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    compile_package()
    started = time.perf_counter()
    timings: dict[str, float] = {}
    facts = machine_facts()
    print("preparing the corpus ...", file=sys.stderr)
    try:
        corpus = corpus_module.prepare(args.full)
    except corpus_module.CorpusError as exc:
        print(f"cannot prepare the corpus: {exc}", file=sys.stderr)
        return 2
    timings["corpus"] = time.perf_counter() - started
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="sqlalchemy-lint-bench-") as tmp:
        scratch = tmp
        mark = time.perf_counter()
        tools, setup = build_tools(args, corpus, Path(tmp)) if not args.skip_cli else ([], None)
        timings["set-up"] = time.perf_counter() - mark
        if setup is not None:
            notes.extend(setup.notes)
            notes.extend(f"skipped {reason}" for reason in setup.skipped)
        elif args.skip_peers:
            notes.append("peers skipped (--skip-peers)")
        mark = time.perf_counter()
        measure_all(tools, corpus, args)
        timings["command line"] = time.perf_counter() - mark
        rows = summarise(tools, corpus) if tools else []
    lsp_results = None
    if not args.skip_lsp:
        mark = time.perf_counter()
        sizes = [int(s) for s in args.lsp_sizes.split(",") if s.strip()]
        lsp_results = [
            r.summary() for r in lsp_bench.run(sizes, args.edits, repeats=max(args.runs, 5))
        ]
        timings["language server"] = time.perf_counter() - mark
    notes.extend(
        [
            "wall = the whole process, start-up included, as a user waits for it; peak = the "
            "largest single process (workers included) by the kernel's accounting.",
            "`parse only` is the parse loop timed inside a fresh process (files read first); "
            "`whole process` adds interpreter start-up, the import and reading.",
            "flake8 runs only the flake8-sqlalchemy checks (--select SQA); `-j auto` and "
            "semgrep's default jobs use every core, so compare cpu s too.",
        ]
    )
    timings["total"] = time.perf_counter() - started
    shown = sys.argv[0] if argv is None else "benchmarks/run.py"
    result = {
        "command": shlex.join(
            [
                os.path.relpath(sys.executable, Path.cwd()),
                shown,
                *(sys.argv[1:] if argv is None else argv),
            ]
        ),
        "machine": facts,
        "load_average_at_end": _load(),
        "corpus": {
            "label": corpus.label,
            "sqlalchemy_version": corpus_module.SQLALCHEMY_VERSION,
            "root": str(corpus.root),
            "dirs": list(corpus.dirs),
            "files": len(corpus.files),
            "files_cli_sees": _files_the_cli_sees(corpus),
            "lines": corpus.lines,
            "bytes": corpus.bytes,
        },
        "runs": args.runs,
        "rows": rows,
        "lsp": lsp_results,
        "peer_versions": setup.versions if setup else {},
        "scratch": scratch,
        "notes": notes,
        "timings_s": timings,
    }
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
