"""One file never aborts a run: whatever fails while one file is read, parsed,
analysed or positioned (libcst, the analysis) is reported for that file, on one
line, with exit status 2, and every other file is still checked and reported in the
chosen format. The failures are injected into the real command line, in one process
and in worker processes (forked: they inherit the injection)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import libcst
import pytest

from sqlalchemy_lint import checker, cli

LEAK = """from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")


def count_{n}():
    conn = engine.connect()
    return conn.execute(text("select 1"))
"""


def run(cwd: Path, *arguments: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        args = cli.build_parser().parse_args(["check", "--no-cache", *arguments])
        status = cli.run_check(args, out, err)
    finally:
        os.chdir(previous)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for n in range(10):
        (tmp_path / f"module_{n}.py").write_text(LEAK.format(n=n))
    (tmp_path / "boom.py").write_text(LEAK.format(n="boom") + "# trips the injected failure\n")
    return tmp_path


def _fail_on_boom(original, error):  # type: ignore[no-untyped-def]
    def replacement(text, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "trips the injected failure" in str(text):
            raise error
        return original(text, *args, **kwargs)

    return replacement


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_libcst_failing_on_one_file_is_reported_and_the_rest_checked(
    tree: Path, jobs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = libcst.CSTLogicError("Logic error!")
    monkeypatch.setattr(libcst, "parse_module", _fail_on_boom(libcst.parse_module, error))
    status, out, err = run(tree, "--format", "json", "--jobs", jobs)
    assert status == 2
    findings = json.loads(out)  # valid and complete
    assert sorted(Path(f["filename"]).name for f in findings) == [
        f"module_{n}.py" for n in range(10)
    ]
    assert err.splitlines() == [
        "boom.py: error: not checked: libcst "
        + libcst_version()
        + " cannot parse this file (CSTLogicError: Logic error!)"
    ]


def libcst_version() -> str:
    from importlib.metadata import version

    return version("libcst")


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("output", ["sarif", "text"])
def test_an_analysis_bug_on_one_file_is_one_line_and_exit_status_2(
    tree: Path, jobs: str, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = KeyError("an internal invariant")
    monkeypatch.setattr(checker, "check_module", _fail_on_boom_module(checker.check_module, error))
    status, out, err = run(tree, "--format", output, "--jobs", jobs)
    assert status == 2
    assert err.splitlines() == [
        "boom.py: error: internal error while checking (KeyError: 'an internal invariant'); "
        "please report it"
    ]
    if output == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert len(results) == 10
    else:
        assert "Found 10 problems in 10 checked files." in out
        assert "1 file could not be checked" in out


def _fail_on_boom_module(original, error):  # type: ignore[no-untyped-def]
    def replacement(module, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "trips the injected failure" in source:
            raise error
        return original(module, source, *args, **kwargs)

    return replacement


def test_verbose_prints_the_traceback(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        checker, "check_module", _fail_on_boom_module(checker.check_module, KeyError("x"))
    )
    status, _, err = run(tree, "--jobs", "1", "--verbose")
    assert status == 2
    assert "Traceback (most recent call last)" in err
    assert "boom.py: error: internal error while checking (KeyError: 'x')" in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_rule_failing_on_one_file_keeps_the_others_findings_and_exit_status_2(
    tree: Path, jobs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One rule's bug on one file: that file's other rules still report (its leak is
    SQA101's, not the failing rule's), the summary says the file was checked without
    the rule, and the run is not clean."""
    from sqlalchemy_lint.rules.missing_rollback import MissingRollback

    original = MissingRollback.check

    def failing(self, analysis):  # type: ignore[no-untyped-def]
        if "trips the injected failure" in analysis.model.module.code:
            raise KeyError("a rule invariant")
        return original(self, analysis)

    monkeypatch.setattr(MissingRollback, "check", failing)
    status, out, err = run(tree, "--jobs", jobs)
    assert status == 2
    assert "Found 11 problems in 11 checked files." in out
    assert "1 file checked without a rule that failed on it" in out
    assert "All checks passed!" not in out
    assert err.splitlines() == [
        "boom.py: error: rule SQA110 (missing-rollback) failed (KeyError: 'a rule invariant'); "
        "the other rules ran, please report it"
    ]
