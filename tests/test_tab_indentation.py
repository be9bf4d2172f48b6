"""Indentation with tabs that CPython reads and libcst 1.9's tokenizer refuses (a
block indented `"\\t    "` under one indented `"    "`, as in old code): the module
is checked as CPython sees it, findings on its own lines and columns, and offers no
fixes (their edits would rewrite indentation)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.indentation import expand_indentation_tabs

SOURCE = (
    "from sqlalchemy import create_engine, text\n"
    "\n"
    'engine = create_engine("sqlite://")\n'
    "\n"
    "\n"
    "def count(nsfw):\n"
    "    if not nsfw:\n"
    "\t    conn = engine.connect()\n"  # CPython: column 12 (5 with tabs of 1), below 4
    '\t    return conn.execute(text("select 1")).scalar()\n'
    '    doc = """\n'
    "\t    kept as written\n"
    '    """\n'
    "    if nsfw:\n"
    "\t    with engine.connect() as conn:\n"
    '\t\t    conn.execute(text("select 2"))\n'
    "    return doc\n"
)


def test_libcst_refuses_what_cpython_reads() -> None:
    ast.parse(SOURCE)
    with pytest.raises(cst.ParserSyntaxError):
        cst.parse_module(SOURCE)


def test_the_module_is_checked_on_its_own_lines_and_columns() -> None:
    result = check_source(SOURCE)
    assert result.problem is None
    [leak] = [d for d in result.diagnostics if d.code == "SQA101"]
    line = SOURCE.splitlines()[leak.span.start.line - 1]
    assert leak.span.start.line == 8
    assert line[leak.span.start.column : leak.span.end.column] == "engine.connect()"
    assert leak.fix is None


def test_only_indentation_outside_strings_is_rewritten() -> None:
    retabbed = expand_indentation_tabs(SOURCE)
    assert retabbed is not None
    old, new = SOURCE.splitlines(), retabbed.text.splitlines()
    assert len(old) == len(new)
    assert new[7] == "            conn = engine.connect()"
    assert new[10] == "\t    kept as written"  # inside the string: its text is kept
    assert new[14] == " " * 20 + 'conn.execute(text("select 2"))'
    assert ast.dump(ast.parse(SOURCE)) == ast.dump(ast.parse(retabbed.text))
    assert expand_indentation_tabs("def f():\n    return 1\n") is None


def test_the_cli_checks_it_and_fix_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "front.py"
    path.write_text(SOURCE)
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqlalchemy_lint",
            "check",
            "--no-cache",
            "--output-format",
            "concise",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "front.py:8:" in checked.stdout and "SQA101" in checked.stdout
    assert "not checked" not in checked.stdout + checked.stderr
    subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", "--no-cache", "--fix", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert path.read_text() == SOURCE
