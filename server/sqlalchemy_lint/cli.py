"""`sqlalchemy-lint`: check files, explain rules, or run the language server.

Exit status of `check`: 0 clean, 1 findings, 2 usage errors or files that could
not be checked (each reported on stderr; the other files are still checked).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .cache import default_cache_dir, is_cache_directory
from .config import (
    Config,
    cache_dir_setting,
    config_file_problem,
    config_for,
    use_config_file,
)
from .diagnostics import Diagnostic
from .discovery import discover
from .gctune import tune_for_analysis
from .output import (
    FileReport,
    display_path,
    use_colour,
    write_github,
    write_json,
    write_junit,
    write_sarif,
    write_text,
)
from .runner import (
    CheckRequest,
    FileOutcome,
    check_files,
    default_jobs,
    start_prewarmed,
    unified_diff,
)

log = logging.getLogger(__name__)

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sqlalchemy-lint",
        description="Find SQLAlchemy resource misuse: leaked connections and sessions, "
        "engines created per request.",
    )
    parser.add_argument("--version", action="version", version=f"sqlalchemy-lint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check files and directories")
    check.add_argument("paths", nargs="*", type=Path, default=[Path(".")], metavar="PATH")
    check.add_argument("--select", type=_codes, help="rule codes or prefixes to enable")
    check.add_argument("--ignore", type=_codes, default=[], help="rule codes to disable")
    check.add_argument("--extend-select", type=_codes, default=[], help=argparse.SUPPRESS)
    check.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=["text", "concise", "json", "sarif", "github", "junit"],
        default="text",
        help="text (with source excerpts), concise (one line each), json (Ruff-shaped), "
        "sarif (2.1.0), github (workflow annotations), junit",
    )
    check.add_argument(
        "--stdin-filename",
        type=Path,
        help="with the path `-`: the file the text read from standard input stands for "
        "(its configuration and project apply); with --fix the fixed text is printed",
    )
    check.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="use this configuration for every file instead of the nearest pyproject.toml: "
        "a pyproject.toml, or a TOML file with the [tool.sqlalchemy-lint] keys at its top",
    )
    check.add_argument(
        "--quiet", "-q", action="store_true", help="print the findings only, no summary line"
    )
    check.add_argument(
        "--watch",
        "-w",
        action="store_true",
        help="check again whenever a Python or configuration file changes (Ctrl-C stops)",
    )
    check.add_argument("--output-file", "-o", type=Path, help="write the report to this file")
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        help="worker processes (default: one per core; small runs use one)",
    )
    check.add_argument(
        "--statistics", action="store_true", help="count findings (and suppressions) per rule"
    )
    check.add_argument(
        "--report-unused-noqa",
        action="store_true",
        help="report `# noqa: SQA...` comments that suppress nothing (as SQA100)",
    )
    check.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit with 0 even when problems are found or a file cannot be checked",
    )
    check.add_argument("--no-color", action="store_true", help="never colour the output")
    check.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="log what the checker does (files found, cache status, timings per phase), "
        "with the traceback of any internal error",
    )
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    check.add_argument(
        "--show-fixes",
        action="store_true",
        help="list the fixes applied per file and rule; without --fix, mark each finding "
        "a fix can remove with [*] and count them",
    )
    check.add_argument(
        "--unsafe-fixes", action="store_true", help="also apply fixes that may change behaviour"
    )
    check.add_argument(
        "--diff", action="store_true", help="print the fixes as a diff instead of writing them"
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the cache (results and module summaries)",
    )
    check.add_argument(
        "--cache-dir",
        type=Path,
        help="where the cache lives (default: .sqlalchemy_lint_cache in the project; "
        "also $SQLALCHEMY_LINT_CACHE_DIR or `cache-dir` in pyproject.toml)",
    )

    rule = commands.add_parser("rule", help="show a rule's documentation")
    rule.add_argument("code", nargs="?", help="rule code or name, e.g. SQA101")
    rule.add_argument("--all", action="store_true", help="list every rule")

    clean = commands.add_parser(
        "clean", help="remove the cache `check` keeps here (its older versions' too)"
    )
    clean.add_argument(
        "--cache-dir",
        type=Path,
        help="the cache to remove (default: the one `check` uses from this folder)",
    )

    server = commands.add_parser("server", help="run the language server (stdio by default)")
    server.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=2087)
    server.add_argument("--log-file", type=Path, help="write the server log to this file")
    return parser


def run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # The rules (and libcst) are imported only to check what the cache cannot answer;
    # their codes are validated here without them.
    from .catalog import UnknownRuleError, select_codes

    try:
        select_codes(args.select, args.ignore, args.extend_select)
    except UnknownRuleError as exc:
        err.write(f"sqlalchemy-lint: error: {exc}\n")
        return EXIT_ERROR
    if args.jobs is not None and args.jobs < 1:
        err.write("sqlalchemy-lint: error: --jobs must be at least 1\n")
        return EXIT_ERROR
    unusable = config_file_problem(args.config)
    if unusable is not None:
        err.write(f"sqlalchemy-lint: error: --config {args.config}: {unusable}\n")
        return EXIT_ERROR
    use_config_file(args.config)
    with _logging_to(err, verbose=getattr(args, "verbose", False)):
        if args.watch:
            if [str(p) for p in args.paths] == ["-"]:
                err.write("sqlalchemy-lint: error: --watch needs paths, not standard input\n")
                return EXIT_ERROR
            from .watch import watch

            extra = [args.config] if args.config is not None else []
            return watch(lambda: _run_check(args, out, err), list(args.paths), out, extra=extra)
        return _run_check(args, out, err)


class _OneLine(logging.Formatter):
    """A log record on one line: an exception is named, its traceback left out (it is
    printed with --verbose)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            message += f" ({type(exc).__name__}: {first})" if first else f" ({type(exc).__name__})"
        return f"sqlalchemy-lint: {record.levelname.lower()}: {message}"


@contextlib.contextmanager
def _logging_to(err: TextIO, verbose: bool) -> Iterator[None]:
    logger = logging.getLogger("sqlalchemy_lint")
    handler = logging.StreamHandler(err)
    if verbose:
        handler.setFormatter(logging.Formatter("sqlalchemy-lint: %(levelname)s: %(message)s"))
        handler.setLevel(logging.DEBUG)
    else:
        handler.setFormatter(_OneLine())
        handler.setLevel(logging.WARNING)
    previous = (logger.level, logger.propagate)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


def _run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if [str(p) for p in args.paths] == ["-"]:
        return _check_stdin(args, sys.stdin.buffer.read(), out, err)
    with _cache_directory(args) as (cache_dir, persistent):
        request = CheckRequest(
            select=tuple(args.select) if args.select is not None else None,
            ignore=tuple(args.ignore),
            extend_select=tuple(args.extend_select),
            fix=args.fix,
            diff=args.diff,
            unsafe_fixes=args.unsafe_fixes,
            report_unused_noqa=args.report_unused_noqa,
            with_fixes=args.format == "json" or args.show_fixes,
            config_file=str(args.config.resolve()) if args.config is not None else None,
            cache_dir=str(cache_dir),
            cache_results=persistent,
            roots=_check_roots(args.paths),
        )
        jobs = args.jobs or default_jobs()
        # Before the walk, so that the worker imports the analysis meanwhile.
        prewarmed = start_prewarmed(request, jobs)
        started = time.perf_counter()
        files, missing = discover(args.paths)
        log.debug("found %d Python files in %.3f s", len(files), time.perf_counter() - started)
        failed = 0
        for path, reason in missing:
            err.write(f"{display_path(path)}: error: {reason}\n")
            failed += 1
        explicit = {p.resolve() for p in args.paths if p.is_file()}
        outcomes = check_files(files, explicit, request, jobs, prewarmed)
        return _check_and_report(args, outcomes, len(files), missing, failed, out, err)


def _check_roots(paths: list[Path]) -> tuple[str, ...]:
    """The folders a check starts on: each folder given, and each file's folder."""
    roots = []
    for path in paths:
        resolved = Path(os.path.realpath(path))
        roots.append(str(resolved if resolved.is_dir() else resolved.parent))
    return tuple(dict.fromkeys(roots))


def _check_stdin(args: argparse.Namespace, data: bytes, out: TextIO, err: TextIO) -> int:
    """Check (or with --fix, fix and print) text read from standard input, as the file
    `--stdin-filename` names: for editors and tools that pipe buffers (ALE, efm)."""
    from .checker import check_source
    from .fixing import fix_source
    from .semantic import ProjectIndex
    from .sources import decode_source

    path = args.stdin_filename
    try:
        text, _ = decode_source(data)
    except (UnicodeDecodeError, ValueError) as exc:
        err.write(f"{path or '-'}: error: cannot read standard input: {exc}\n")
        return EXIT_ERROR
    if path is not None or args.config is not None:
        config = config_for((path or Path("-")).resolve())
    else:
        config = Config()
    for problem in config.problems:
        err.write(f"warning: {problem}\n")
    rules = config.rules_for(
        path,
        select=tuple(args.select) if args.select is not None else None,
        ignore=tuple(args.ignore),
        extend_select=tuple(args.extend_select),
    )
    common: dict[str, Any] = {
        "rules": rules,
        "project": ProjectIndex(),
        "severity": config.severity,
        "options": config.options,
        "report_unused_noqa": args.report_unused_noqa,
    }
    if args.fix or args.diff:
        fixed = fix_source(text, path, unsafe=args.unsafe_fixes, **common)
        if args.diff:
            out.writelines(unified_diff(path or Path("-"), text, fixed.source))
        else:
            out.write(fixed.source)
        result = fixed.remaining
    else:
        result = check_source(text, path, with_fixes=args.format == "json", **common)
    shown = path or Path("-")
    for failure in result.failed_rules:
        err.write(f"{shown}: error: {failure}; the other rules ran, please report it\n")
    if result.problem is not None:
        err.write(f"{shown}: error: {result.problem}\n")
        return EXIT_CLEAN if args.exit_zero else EXIT_ERROR
    reports = [FileReport(shown, result.diagnostics, text)] if result.diagnostics else []
    if not (args.fix or args.diff):
        _write_report(args, out, reports, [shown], result.suppressed)
        if args.format in ("text", "concise") and not args.statistics and not args.quiet:
            _write_summary(out, len(result.diagnostics), 1, 0, int(bool(result.failed_rules)))
    if result.failed_rules and not args.exit_zero:
        return EXIT_ERROR
    if result.diagnostics and not args.exit_zero:
        return EXIT_FOUND
    return EXIT_CLEAN


@contextlib.contextmanager
def _cache_directory(args: argparse.Namespace) -> Iterator[tuple[Path, bool]]:
    """The cache directory for this run, and whether it persists. With `--no-cache` a
    temporary one, deleted afterwards: worker processes still share summaries."""
    if args.no_cache:
        with tempfile.TemporaryDirectory(prefix="sqlalchemy-lint-") as temporary:
            yield Path(temporary), False
        return
    if args.cache_dir is not None:
        yield args.cache_dir, True
        return
    configured = cache_dir_setting(Path.cwd())
    yield (configured if configured is not None else default_cache_dir()), True


def _check_and_report(
    args: argparse.Namespace,
    outcomes: Iterable[FileOutcome],
    files: int,
    missing: list[tuple[Path, str]],
    failed: int,
    out: TextIO,
    err: TextIO,
) -> int:
    reported_config_roots: set[Path | None] = set()
    incomplete = 0  # files where some rule failed (the others' findings still count)
    reports: list[FileReport] = []
    checked: list[Path] = []
    suppressed: list[Diagnostic] = []
    fixed_total = 0
    fixed_per_file: list[tuple[Path, tuple[str, ...]]] = []
    started = time.perf_counter()
    for outcome in outcomes:
        if outcome.config_problems and outcome.config_root not in reported_config_roots:
            reported_config_roots.add(outcome.config_root)
            for problem in outcome.config_problems:
                err.write(f"warning: {problem}\n")
        if outcome.excluded:
            continue
        if outcome.error is not None:
            err.write(f"{display_path(outcome.path)}: error: {outcome.error}\n")
            failed += 1
            continue
        if outcome.failed_rules:
            for failure in outcome.failed_rules:
                err.write(
                    f"{display_path(outcome.path)}: error: {failure}; the other rules ran, "
                    f"please report it\n"
                )
            incomplete += 1
        fixed_total += outcome.fixed
        if outcome.fixed_codes:
            fixed_per_file.append((outcome.path, outcome.fixed_codes))
        out.writelines(outcome.diff)
        checked.append(outcome.path)
        suppressed.extend(outcome.suppressed)
        if outcome.diagnostics:
            reports.append(FileReport(outcome.path, outcome.diagnostics, outcome.source))
    found = sum(len(r.diagnostics) for r in reports)
    log.debug("checked %d files in %.3f s", files, time.perf_counter() - started)
    stream = args.output_file.open("w", encoding="utf-8") if args.output_file is not None else out
    try:
        _write_report(args, stream, reports, checked, suppressed)
        problems = f"{fixed_total} problem{'s' * (fixed_total != 1)}"
        if args.diff:
            err.write(f"Would fix {problems}{':' * bool(args.show_fixes and fixed_total)}\n")
            if args.show_fixes:
                _write_fixes_applied(err, fixed_per_file)
        elif args.format in ("text", "concise") and not args.statistics and not args.quiet:
            if args.fix:
                stream.write(f"Fixed {problems}{':' if args.show_fixes and fixed_total else '.'}\n")
                if args.show_fixes:
                    _write_fixes_applied(stream, fixed_per_file)
            _write_summary(stream, found, len(checked), failed, incomplete)
            if args.show_fixes:
                _write_fixable(stream, reports, args.unsafe_fixes)
    finally:
        if stream is not out:
            stream.close()
    if missing or ((failed or incomplete) and not args.exit_zero):
        # As Ruff's `--exit-zero`: a file that could not be checked is reported (on
        # stderr) like a finding, and does not fail the run; a missing path does.
        return EXIT_ERROR
    if found and not args.exit_zero:
        return EXIT_FOUND
    return EXIT_CLEAN


def _write_fixes_applied(
    stream: TextIO, fixed_per_file: list[tuple[Path, tuple[str, ...]]]
) -> None:
    """`--show-fixes` with `--fix` or `--diff`: what was fixed, per file and rule (Ruff's
    enumeration)."""
    from .rules import rule_by_code

    for path, codes in fixed_per_file:
        stream.write(f"- {display_path(path)}:\n")
        for code, count in sorted(Counter(codes).items()):
            rule = rule_by_code(code)
            name = f" ({rule.name})" if rule is not None else ""
            stream.write(f"    {count} x {code}{name}\n")


def _write_fixable(stream: TextIO, reports: list[FileReport], unsafe: bool) -> None:
    """`--show-fixes`: how many of the findings left a fix would remove."""
    fixes = [d.fix for r in reports for d in r.diagnostics if d.fix is not None]
    safe = sum(1 for fix in fixes if fix.applies(False))
    fixable = sum(1 for fix in fixes if fix.applies(unsafe))
    if fixable:
        option = "`--fix --unsafe-fixes`" if unsafe and fixable > safe else "`--fix`"
        stream.write(f"[*] {fixable} fixable with {option}.\n")
    if not unsafe and len(fixes) > safe:
        hidden = len(fixes) - safe
        stream.write(
            f"({hidden} more fix{'es' * (hidden != 1)} with `--unsafe-fixes`: "
            "they may change what the code does)\n"
        )


def _write_report(
    args: argparse.Namespace,
    stream: TextIO,
    reports: list[FileReport],
    checked: list[Path],
    suppressed: list[Diagnostic],
) -> None:
    if args.statistics:
        _write_statistics(stream, reports, suppressed)
    elif args.diff:
        return
    elif args.format == "json":
        write_json(reports, stream)
    elif args.format == "sarif":
        from .rules import all_rules

        write_sarif(reports, stream, all_rules())
    elif args.format == "github":
        write_github(reports, stream)
    elif args.format == "junit":
        write_junit(reports, stream, checked)
    else:
        colour = args.output_file is None and not args.no_color and use_colour(stream)
        write_text(
            reports,
            stream,
            colour=colour,
            excerpt=args.format == "text",
            mark_fixable=args.show_fixes,
            unsafe_fixes=args.unsafe_fixes,
        )


def _write_statistics(
    stream: TextIO, reports: list[FileReport], suppressed: list[Diagnostic]
) -> None:
    """Ruff-style counts: findings per rule, then suppressions per rule."""
    found = Counter(d.code for r in reports for d in r.diagnostics)
    names = {d.code: d.name for r in reports for d in r.diagnostics}
    names.update({d.code: d.name for d in suppressed})
    for code, count in sorted(found.items(), key=lambda item: (-item[1], item[0])):
        stream.write(f"{count:>5}\t{code}\t{names[code]}\n")
    for code, count in sorted(Counter(d.code for d in suppressed).items()):
        stream.write(f"{count:>5}\t{code}\tsuppressed by noqa ({names[code]})\n")


def _write_summary(out: TextIO, found: int, checked: int, failed: int, incomplete: int = 0) -> None:
    if found:
        noun = "problem" if found == 1 else "problems"
        out.write(f"Found {found} {noun} in {checked} checked file{'s' * (checked != 1)}.\n")
    elif not failed and not incomplete:
        out.write("All checks passed!\n")
    if failed:
        out.write(f"{failed} file{'s' * (failed != 1)} could not be checked (see above).\n")
    if incomplete:
        out.write(
            f"{incomplete} file{'s' * (incomplete != 1)} checked without a rule that failed "
            f"on {'them' if incomplete != 1 else 'it'} (an internal error, see above).\n"
        )


def run_rule(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .docs import rule_page
    from .rules import all_rules, rule_by_code

    if args.all or not args.code:
        from .catalog import OPT_IN

        for rule in all_rules():
            note = " (opt-in: only when selected)" if rule.code in OPT_IN else ""
            out.write(f"{rule.code}  {rule.name:<24} {rule.summary()}{note}\n")
        return EXIT_CLEAN
    found = rule_by_code(args.code)
    if found is None:
        known = ", ".join(r.code for r in all_rules())
        err.write(f"sqlalchemy-lint: error: unknown rule {args.code!r} (known rules: {known})\n")
        return EXIT_ERROR
    out.write(rule_page(found))
    return EXIT_CLEAN


def run_clean(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Remove the cache directory, as `ruff clean` does: every namespace in it, the
    summaries and results of older versions included (nothing else prunes those)."""
    directory = args.cache_dir
    if directory is None:
        directory = cache_dir_setting(Path.cwd()) or default_cache_dir()
    if not directory.exists():
        out.write(f"No cache at {directory}.\n")
        return EXIT_CLEAN
    if not is_cache_directory(directory):
        err.write(
            f"sqlalchemy-lint: error: {directory} is not a sqlalchemy-lint cache "
            "(no CACHEDIR.TAG of ours in it); nothing removed\n"
        )
        return EXIT_ERROR
    shutil.rmtree(directory, ignore_errors=True)
    if directory.exists():
        err.write(f"sqlalchemy-lint: error: could not remove all of {directory}\n")
        return EXIT_ERROR
    out.write(f"Removed {directory}.\n")
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None and args.command in ("check", "server"):
        # A process of its own (not a test calling main): collect garbage less often.
        tune_for_analysis()
    try:
        if args.command == "check":
            return run_check(args, sys.stdout, sys.stderr)
        if args.command == "rule":
            return run_rule(args, sys.stdout, sys.stderr)
        if args.command == "clean":
            return run_clean(args, sys.stdout, sys.stderr)
    except BrokenPipeError:
        # `sqlalchemy-lint check | head`: the reader left; say nothing more, like other
        # command-line tools. stdout is pointed at devnull so the exit flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_CLEAN
    if args.command == "server":
        from .lsp.server import run_server

        run_server(tcp=args.tcp, host=args.host, port=args.port, log_file=args.log_file)
        return EXIT_CLEAN
    parser.print_help(sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
