"""Fuzzing the analysis: whatever the text, `check_source` returns a CheckResult
(a `problem` string is fine, an exception is not), finishes, and gives the same
diagnostics when asked again.

No test here measures speed against the clock (the machine may be busy): each
check runs on a thread of its own under a generous hang detector, and the cost of
fixes is measured by counting work (nodes rendered, parses), which is the same on
any machine.

Inputs: arbitrary text; syntactically valid programs from `hypothesmith` (when
installed); SQLAlchemy-flavoured programs built from templates; the corpus and
example files with random edits, as while typing; and hand-written pathological
files. Hypothesis settings come from `reliability.profiles` (`ci` by default,
`SQLALCHEMY_LINT_FUZZ=long` for a longer local run).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import libcst as cst
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability import programs
from reliability.measure import check_in_child
from reliability.profiles import fuzz
from sqlalchemy_lint.checker import CheckResult, check_source
from sqlalchemy_lint.fixes import apply_edits
from sqlalchemy_lint.fixes.edits import split_lines
from sqlalchemy_lint.rules import Rule, all_rules
from sqlalchemy_lint.rules.legacy_engine_execute import LegacyEngineExecute
from sqlalchemy_lint.semantic import ProjectIndex, Resolver
from sqlalchemy_lint.semantic.model import build_model
from sqlalchemy_lint.stack import run_with_big_stack
from sqlalchemy_lint.testing import failures_raise

try:
    import hypothesmith
except ImportError:  # not in the test extras yet: those two tests are skipped
    hypothesmith = None
try:
    import resource
except ImportError:  # not on Windows
    resource = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
CODES = {rule.code for rule in all_rules()} | {"SQA100"}
# Where mutated corpus files pretend to live, so cross-module imports resolve.
T = TypeVar("T")
FUZZ_PATH = ROOT / "tests" / "corpus" / "fastapi_app" / "app" / "routers" / "fuzzed.py"


# A hang detector, not a speed limit: the slowest file here (a clean 20,000-line
# module) checks in 5-8 s on a busy 2-core machine, three times over in
# `check_twice`. A call still running after this long is stuck (an infinite loop,
# or work growing far beyond linear); how fast work grows is measured by counting.
HANG_SECONDS = 120.0


def assert_well_formed(result: CheckResult, source: str) -> None:
    """Every diagnostic points into the source, names a rule, and its fix applies."""
    assert isinstance(result, CheckResult)
    if result.problem is not None:
        assert isinstance(result.problem, str) and result.problem
        assert result.diagnostics == []
        return
    lines = [line.rstrip("\r\n") for line in split_lines(source)] or [""]
    for diagnostic in result.diagnostics:
        assert diagnostic.code in CODES
        assert diagnostic.message
        span = diagnostic.span
        assert span.start <= span.end, diagnostic
        for position in (span.start, span.end):
            assert 1 <= position.line <= len(lines) + 1, diagnostic
            if position.line <= len(lines):
                assert 0 <= position.column <= len(lines[position.line - 1]), diagnostic
        if diagnostic.fix is not None:
            apply_edits(source, diagnostic.fix.edits)  # raises if the edits do not fit


def in_fresh_thread(function: Callable[[], T], timeout: float = HANG_SECONDS) -> T:
    """Run on a new thread with a big stack, as the server and the CLI check files.

    Recursion limits count frames per thread, so this makes the depth at which
    a deep module fails independent of pytest's own stack. A call still running
    after `timeout` seconds fails the test (the daemon thread is left behind).
    """
    outcome: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(run_with_big_stack(function))
        except BaseException as exc:  # re-raised on the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise AssertionError(f"still running after {timeout:.0f} s: hung")
    if errors:
        raise errors[0]
    return outcome[0]


def check_twice(source: str, path: Path | None = None, warm_index: bool = True) -> CheckResult:
    """Check, check again (with a fresh and with a warm project index), compare."""
    return in_fresh_thread(lambda: _check_twice(source, path, warm_index))


def _check_twice(source: str, path: Path | None, warm_index: bool) -> CheckResult:
    with failures_raise():
        return _check_twice_logged(source, path, warm_index)


def _check_twice_logged(source: str, path: Path | None, warm_index: bool) -> CheckResult:
    project = ProjectIndex()
    first = check_source(source, path, project=project)
    assert_well_formed(first, source)
    runs = [lambda: check_source(source, path, project=ProjectIndex())]
    if warm_index:
        runs.append(lambda: check_source(source, path, project=project))
    for run in runs:
        again = run()
        assert again.problem == first.problem
        assert again.diagnostics == first.diagnostics, "a second run reports differently"
    return first


# -- random and generated programs -------------------------------------------------------


@fuzz(40)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(source: str) -> None:
    check_twice(source)


@fuzz(40)
@given(st.binary(max_size=200))
def test_bytes_decoded_leniently_never_raise(data: bytes) -> None:
    # What an editor hands over for a file that is not UTF-8: U+FFFD where bytes were.
    check_twice(data.decode("utf-8", errors="replace"))


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")
@fuzz(30)
@given(st.deferred(lambda: hypothesmith.from_grammar()))
def test_grammar_generated_programs_never_raise(source: str) -> None:
    check_twice(source)


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")
@fuzz(15)
@given(st.deferred(lambda: hypothesmith.from_node()))
def test_cst_generated_programs_never_raise(source: str) -> None:
    check_twice(source)


@fuzz(40)
@given(programs.sqlalchemy_programs(max_functions=5))
def test_sqlalchemy_programs_never_raise(source: str) -> None:
    result = check_twice(source)
    if programs.compiles(source):
        assert result.problem is None, result.problem


@fuzz(40)
@given(programs.sqlalchemy_programs(max_functions=3).flatmap(programs.edit_sequence))
def test_sqlalchemy_programs_being_edited_never_raise(source: str) -> None:
    check_twice(source)


@fuzz(50)
@given(programs.mutated_seeds())
def test_corpus_files_being_edited_never_raise(source: str) -> None:
    check_twice(source, FUZZ_PATH)


def test_every_seed_file_checks_deterministically() -> None:
    for name, source in programs.seed_sources().items():
        result = check_twice(source, ROOT / name, warm_index=False)
        assert result.problem is None, (name, result.problem)


@pytest.mark.parametrize(
    ("name", "step"),
    [("examples/shop/api.py", 9), ("tests/corpus/async_service/ingest/worker.py", 31)],
)
def test_typing_a_file_from_the_first_character(name: str, step: int) -> None:
    """The buffer after every `step`-th keystroke of typing the file from scratch."""
    source = programs.seed_sources()[name]
    for prefix in programs.typing_prefixes(source, step=step):
        result = check_source(prefix, ROOT / name, project=ProjectIndex())
        assert_well_formed(result, prefix)


# -- pathological files --------------------------------------------------------------------

# CPython's word for more than 200 nested brackets, as the checker reports it.
TOO_DEEP = re.compile(r"syntax error at line \d+, column \d+: too many nested parentheses")

LEAK = (
    "from sqlalchemy import create_engine, text\n"
    "engine = create_engine('sqlite://')\n"
    "def leak():\n"
    "    conn = engine.connect()\n"
    "    return conn.execute(text('select 1')).all()\n"
)

PATHOLOGICAL = {
    "empty": "",
    "only-bom": "\ufeff",
    "bom-then-code": "\ufeff" + LEAK,
    "nul-character": LEAK + "x = '\x00'\n",
    "replacement-characters": "# \ufffd\ufffd\n" + LEAK + "s = '\ufffd'\n",
    "cr-line-endings": LEAK.replace("\n", "\r"),
    "mixed-line-endings": LEAK.replace("\n", "\r\n", 2).replace("    return", "\r    return"),
    "form-feeds": "\x0c\n" + LEAK.replace("def leak", "\x0cdef leak"),
    "unicode-line-separators": "# a\u2028b\u2029c\x85d\n" + LEAK,
    "no-final-newline": LEAK.rstrip("\n"),
    "tabs-and-spaces": LEAK.replace("    return", "\treturn"),
    "unterminated-string": LEAK + "s = '''never closed\n",
    "unbalanced-brackets": LEAK + "x = ((([[[{{{\n",
    "stray-dedent": LEAK + "  x = 1\n",
    "emoji-identifiers-strings": "名前 = '😀'\n" + LEAK.replace("conn", "接続"),
    "lone-surrogate-escapes": LEAK + "s = '\\ud800'\n",
    "nested-functions-60": LEAK
    + "".join("    " * i + f"def f{i}():\n" for i in range(60))
    + "    " * 60
    + "conn = engine.connect()\n",
    "nested-ifs-90": "def f():\n"
    + "".join("    " * (i + 1) + "if x:\n" for i in range(90))
    + "    " * 91
    + "pass\n",
    "attribute-chain-200": LEAK + "y = engine" + ".a" * 200 + ".connect()\n",
    "call-chain-200": LEAK + "y = f" + "()" * 200 + "\n",
    "nested-brackets-60": LEAK + "x = " + "[" * 60 + "]" * 60 + "\n",
    "lambda-chain-300": LEAK + "f = " + "lambda: " * 300 + "engine.connect()\n",
    "many-small-functions": "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(2000)),
    "long-line-50000": LEAK + "DATA = '" + "x" * 50_000 + "'\n",
    "long-list-6000": LEAK + "DATA = [" + ", ".join(str(i) for i in range(6000)) + "]\n",
    "one-function-500-uses": LEAK.replace(
        "    return", "".join("    conn.execute(text('x'))\n" for _ in range(500)) + "    return"
    ),
    "type-parameters-and-match": "def f[T](x: T) -> T:\n    match x:\n        case _:\n"
    "            return x\n",
    "except-star": "try:\n    pass\nexcept* ValueError:\n    pass\n",
}


# Deep but valid code: once, fixes were lost on all of these (libcst's whole-module
# PositionProvider recursed past the limit), and a 1,000-long attribute chain made
# three rules fail; more than 200 nested brackets made `check_source` raise.
DEEP = {
    "nested-brackets-150": LEAK + "x = " + "[" * 150 + "]" * 150 + "\n",
    "nested-dicts-150": LEAK + "x = " + "{'k': " * 150 + "1" + "}" * 150 + "\n",
    "sum-of-400-terms": LEAK + "x = " + " + ".join(["'sql'"] * 400) + "\n",
    "call-chain-500": LEAK + "y = f" + "()" * 500 + "\n",
    "unary-chain-1000": LEAK + "y = " + "-" * 1000 + "x\n",
    "attribute-chain-1000": LEAK + "y = engine" + ".a" * 1000 + ".connect()\n",
    "nested-brackets-250": LEAK + "x = " + "[" * 250 + "]" * 250 + "\n",
}
PATHOLOGICAL.update(DEEP)
CASES = sorted(PATHOLOGICAL)


@pytest.mark.parametrize("name", CASES)
def test_pathological_file(name: str, caplog: pytest.LogCaptureFixture) -> None:
    source = PATHOLOGICAL[name]
    with caplog.at_level(logging.ERROR):
        check_twice(source)
    # A rule or fix that fails is logged and dropped; on these files none may fail.
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == []


@pytest.mark.parametrize("name", sorted(set(DEEP) - {"nested-brackets-250"}))
def test_deep_code_elsewhere_keeps_the_findings_and_their_fixes(name: str) -> None:
    """One deeply nested expression does not cost the fix of a finding elsewhere."""
    result = in_fresh_thread(lambda: check_source(DEEP[name], project=ProjectIndex()))
    assert result.problem is None
    leak = [d for d in result.diagnostics if d.code == "SQA101" and d.line == 4]
    assert len(leak) == 1 and leak[0].fix is not None, result.diagnostics
    fixed = apply_edits(DEEP[name], leak[0].fix.edits)
    assert "    with engine.connect() as conn:\n" in fixed


def test_a_long_attribute_chain_is_qualified_without_recursion() -> None:
    resolver = Resolver(build_model(cst.parse_module("import sqlalchemy as sa\n")))
    chain: cst.BaseExpression = cst.Name("sa")
    for _ in range(5000):
        chain = cst.Attribute(value=chain, attr=cst.Name("orm"))
    assert resolver.qualify(chain) == "sqlalchemy" + ".orm" * 5000


def test_more_nesting_than_cpython_accepts_is_a_syntax_error() -> None:
    result = in_fresh_thread(lambda: check_source(DEEP["nested-brackets-250"]))
    assert result.problem is not None and TOO_DEEP.fullmatch(result.problem), result.problem
    assert result.problem.startswith("syntax error at line 6,")


def test_thousands_of_open_brackets_do_not_kill_the_process() -> None:
    # libcst's native parser overflows the C stack on these (SIGSEGV, upstream
    # Instagram/LibCST#619, #1000); the nesting is refused before it parses.
    child = check_in_child("x = " + "(" * 3000 + "\n", timeout=HANG_SECONDS)
    assert child.returncode == 0, child.describe()
    assert child.summary is not None, child.describe()
    assert TOO_DEEP.fullmatch(str(child.summary["problem"])), child.describe()
    assert str(child.summary["problem"]).startswith("syntax error at line 1,")


class WorkCounter:
    """Counts nodes rendered by libcst's code generation, nodes its visitors visit, and
    libcst parses: a measure of work that, unlike time, does not depend on the machine."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rendered = 0
        self.visited = 0
        self.parses = 0
        render, visit, parse = cst.CSTNode._codegen, cst.CSTNode.visit, cst.parse_module

        def counting_render(node: cst.CSTNode, *args: object, **kwargs: object) -> None:
            self.rendered += 1
            render(node, *args, **kwargs)  # type: ignore[arg-type]

        def counting_visit(node: cst.CSTNode, visitor: cst.CSTVisitorT) -> cst.CSTNode:
            self.visited += 1
            return visit(node, visitor)  # type: ignore[return-value]

        def counting_parse(*args: object, **kwargs: object) -> cst.Module:
            self.parses += 1
            return parse(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(cst.CSTNode, "_codegen", counting_render)
        monkeypatch.setattr(cst.CSTNode, "visit", counting_visit)
        monkeypatch.setattr(cst, "parse_module", counting_parse)

    def check(
        self, source: str, rules: Sequence[type[Rule]] | None = None
    ) -> tuple[CheckResult, int, int]:
        self.rendered = self.visited = self.parses = 0
        result = check_source(source, project=ProjectIndex(), rules=rules)
        return result, self.rendered, self.parses


def leaking_functions(count: int) -> str:
    return LEAK + "".join(
        f"def f{i}():\n    c = engine.connect()\n    c.execute(text('x'))\n" for i in range(count)
    )


def test_fixing_costs_grow_linearly_with_the_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each fix renders only what it rewrites, never the whole module again.

    When every fix re-rendered the module, doubling the findings made 3.6 times
    the nodes rendered (100/200/400 leaking functions took 2.4/9.5/35 s).
    """
    counter = WorkCounter(monkeypatch)
    results = {count: counter.check(leaking_functions(count)) for count in (40, 80)}
    for count, (result, _, parses) in results.items():
        assert len(result.diagnostics) == count + 1
        assert all(d.fix is not None for d in result.diagnostics)
        assert parses <= 2  # the analysis, and the fixes' shared tree
    assert results[80][1] <= 2.1 * results[40][1], {c: r[1] for c, r in results.items()}


def legacy_executes(count: int) -> str:
    header = "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n"
    uses = (f"def f{i}():\n    return engine.execute('SELECT {i}').all()\n" for i in range(count))
    return header + "".join(uses)


def test_legacy_execute_fixes_cost_linear_in_the_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQA201's fix renders only the statement it wraps in `with`. It once rendered the
    whole module for each finding (40/80 findings: 68,000/261,000 nodes rendered, now
    2,760/5,520), and looked for a `text` binding in the whole module each time (500
    findings took 64 s, now under a second)."""
    counter = WorkCounter(monkeypatch)
    rendered, visited = {}, {}
    for count in (40, 80):
        result, rendered[count], parses = counter.check(
            legacy_executes(count), [LegacyEngineExecute]
        )
        visited[count] = counter.visited
        assert [d.code for d in result.diagnostics] == ["SQA201"] * count
        assert all(d.fix is not None for d in result.diagnostics)
        assert parses <= 2  # the analysis, and the fixes' shared tree
    assert rendered[80] <= 2.1 * rendered[40], rendered
    assert visited[80] <= 2.1 * visited[40], visited


def test_many_findings_with_fixes_finish_in_a_child() -> None:
    child = check_in_child(leaking_functions(400), timeout=HANG_SECONDS)
    assert child.returncode == 0, child.describe()
    assert child.summary is not None and len(child.summary["codes"]) == 401  # type: ignore[arg-type]


def test_slow_pathological_checks_finish_in_a_child() -> None:
    source = LEAK + "x = " + " + ".join(["1"] * 1500) + "\n"
    child = check_in_child(source, timeout=HANG_SECONDS)
    assert child.returncode == 0, child.describe()


# -- determinism across processes -------------------------------------------------------------


def _cli_json(hash_seed: str, jobs: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqlalchemy_lint",
            "check",
            "--format",
            "json",
            "--exit-zero",
            "--jobs",
            jobs,
            "examples",
            "tests/corpus/mixed_aliases",
            "tests/corpus/lookalikes",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_same_report_across_hash_seeds_and_worker_counts() -> None:
    first = _cli_json("1", "1")
    assert first, "the sample projects have findings"
    assert _cli_json("2", "2") == first


# -- the command line on broken files -----------------------------------------------------------


# Runs the CLI with the main thread's stack limited (worker processes inherit it).
_WITH_STACK_LIMIT = """
import resource, runpy, sys
limit = int(sys.argv.pop(1))
_, hard = resource.getrlimit(resource.RLIMIT_STACK)
resource.setrlimit(resource.RLIMIT_STACK, (limit if hard < 0 else min(limit, hard), hard))
sys.argv[0] = "sqlalchemy-lint"
runpy.run_module("sqlalchemy_lint", run_name="__main__")
"""


def _cli(*args: str, cwd: Path, stack_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sqlalchemy_lint"]
    if stack_bytes is not None:  # the usual 8 MiB, even where the shell allows more
        command = [sys.executable, "-c", _WITH_STACK_LIMIT, str(stack_bytes)]
    return subprocess.run(
        [*command, "check", "--format", "concise", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
    )


def test_the_cli_reports_a_syntax_error_in_any_file(tmp_path: Path) -> None:
    # Even in a file that cannot involve SQLAlchemy, which is never parsed with libcst.
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\n")
    done = _cli(".", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "broken.py" in done.stderr and "syntax error" in done.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_cli_survives_a_file_that_crashes_the_parser(tmp_path: Path, jobs: str) -> None:
    # 3,000 unclosed '(' overflow libcst's native parser; the nesting is refused first.
    (tmp_path / "deep.py").write_text("import sqlalchemy\nx = " + "(" * 3000 + "\n")
    for i in range(8):  # enough files for worker processes
        (tmp_path / f"leak{i}.py").write_text(LEAK)
    done = _cli("--jobs", jobs, ".", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert re.search(r"deep.py: error: syntax error at line 2, column \d+: too many", done.stderr)
    assert done.stdout.count("SQA101") == 8


# Chains at lengths where libcst's native parser overflowed an 8 MiB stack (SIGSEGV)
# before checks ran on a thread with a big stack. CPython refuses all but the boolean
# ones from a few thousand links on ("too complex"), and those are refused first.
CRASHED_AT_8_MIB = {
    "unary_minus_10000": "    return " + "-" * 10_000 + "x\n",
    "not_10000": "    return " + "not " * 10_000 + "x\n",
    "attribute_10000": "    return x" + ".a" * 10_000 + "\n",
    "power_10000": "    return " + "x ** " * 10_000 + "x\n",
    "lambda_5000": "    return " + "lambda: " * 5_000 + "x\n",
    "elif_10000": "    if x:\n        pass\n" + "    elif x:\n        pass\n" * 10_000,
    "and_10000": "    return " + " and ".join(["x"] * 10_000) + "\n",
    "or_10000": "    return " + " or ".join(["x"] * 10_000) + "\n",
}


@pytest.mark.skipif(resource is None, reason="needs POSIX resource limits")
def test_chains_that_crashed_the_parser_are_checked_or_refused(tmp_path: Path) -> None:
    """With one job (no worker process to lose), on an 8 MiB main-thread stack."""
    for name, chain in CRASHED_AT_8_MIB.items():
        (tmp_path / f"{name}.py").write_text(LEAK + "def deep(x):\n" + chain)
    done = _cli("--jobs", "1", ".", cwd=tmp_path, stack_bytes=8 << 20)
    assert done.returncode in (1, 2), (done.returncode, done.stderr[-2000:])  # not a signal
    assert "Traceback" not in done.stderr
    for name in CRASHED_AT_8_MIB:
        refused = f"{name}.py: error: syntax error near line 1: too deeply nested to parse"
        checked = f"{name}.py:4:12: SQA101"
        assert (refused in done.stderr) != (checked in done.stdout), (name, done.stderr)
    for name in ("and_10000", "or_10000"):  # CPython accepts them: checked as usual
        assert f"{name}.py:4:12: SQA101" in done.stdout


# Runs the CLI with worker processes whose check of `crash*.py` dies of SIGSEGV, as a
# native crash would. (Workers are forked, so they inherit the patched checker.)
_WITH_A_CRASHING_WORKER = """
import os, runpy, signal, sys
from sqlalchemy_lint import runner
check = runner.FileChecker.check
def crashing(self, path, explicit):
    if path.name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    return check(self, path, explicit)
runner.FileChecker.check = crashing
sys.argv[0] = "sqlalchemy-lint"
runpy.run_module("sqlalchemy_lint", run_name="__main__")
"""


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the workers must inherit the patch"
)
def test_a_worker_that_crashes_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    """Defence in depth, for crashes the nesting bounds and the big stack do not
    foresee: the file is an internal error; the other files are still checked."""
    (tmp_path / "crash.py").write_text(LEAK)
    for i in range(8):
        (tmp_path / f"leak{i}.py").write_text(LEAK)
    command = [sys.executable, "-c", _WITH_A_CRASHING_WORKER, "check", "--format", "concise"]
    done = subprocess.run(
        [*command, "--jobs", "2", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "crash.py: error: internal error:" in done.stderr
    assert done.stdout.count("SQA101") == 8
