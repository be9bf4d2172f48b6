"""Python 3.12 to 3.14 syntax is checked like any other, whatever interpreter runs the
tool: libcst reads it, and module summaries (CPython's `ast`) read it through
`semantic/downlevel.py` when this interpreter's parser is older than the syntax.
Each module below leaks a connection from a module-level engine, which only a
summary of the module tells apart from an unknown `engine`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.semantic.downlevel import older_syntax

LEAK = """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")


def count():
    conn = engine.connect()
    return conn.execute(text("select 1")).scalar()
"""

FORMS = {
    "PEP 695 generic class and method": (
        "class Repository[T]:\n    def get[S: int](self, key: S) -> T | None:\n"
        "        return None\n"
    ),
    "PEP 695 generic function with bounds, PEP 696 defaults": (
        "def first[T: (int, str), *Ts, **P](items: list[T]) -> T:\n    return items[0]\n"
        "class Page[T = int]:\n    pass\n"
    ),
    "PEP 695 type alias": "type Rows[T] = list[tuple[T, ...]]\ntype Plain = int\n",
    "PEP 701 nested quotes": 'names = ["a"]\nlabel = f"{", ".join(names)}: {f"{names[0]!r}"}"\n',
    "PEP 701 multi-line expression and comment": (
        'label = f"total: {\n    sum(\n        [1, 2],  # a comment inside\n    )\n}"\n'
    ),
    "PEP 758 except without parentheses": (
        "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n"
        "try:\n    pass\nexcept* OSError, KeyError:\n    pass\n"
    ),
    "PEP 750 template strings": (
        'name = "x"\ngreeting = t"hello {name!r:>10}"\nraw = rt"\\\\d{name}"\n'
        'multi = T"""\n{name}\n"""\n'
    ),
    "PEP 750 template string concatenated with strings": (
        'name = "x"\nmixed = t"a {name}" "b"\nwith_f = t"a" f"{name}"\n'
    ),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_new_syntax_is_checked_like_any_other(form: str, tmp_path: Path) -> None:
    source = FORMS[form] + LEAK
    path = tmp_path / "module.py"
    path.write_text(source)
    result = check_source(source, path)
    assert result.problem is None
    line = source.splitlines().index("    conn = engine.connect()") + 1
    assert [(d.code, d.span.start.line) for d in result.diagnostics] == [("SQA101", line)]


@pytest.mark.parametrize("form", list(FORMS))
def test_downlevel_keeps_every_line_where_it_was(form: str) -> None:
    source = FORMS[form] + LEAK
    older = older_syntax(source)
    assert older is not None
    assert older.count("\n") == source.count("\n")
    assert older.splitlines()[-3:] == source.splitlines()[-3:]


def test_what_libcst_cannot_parse_is_reported_as_not_checked() -> None:
    # libcst 1.9 raises CSTLogicError on a string followed by a template string.
    result = check_source('label = "a" t"b"\n' + LEAK)
    assert result.problem is not None
    assert result.problem.startswith("not checked: libcst ")
    assert "cannot parse this file (CSTLogicError" in result.problem


def test_a_real_syntax_error_is_still_one() -> None:
    assert older_syntax("def broken(:\n    pass\n") is None
    result = check_source("def broken(:\n    pass\n")
    assert result.problem is not None and "syntax error" in result.problem


TEMPLATE_SQL = """
from sqlalchemy import text, tstring


def by_name(conn, name):
    # SQLAlchemy 2.1: the interpolations of a template string become bound parameters.
    return conn.execute(tstring(t"SELECT id FROM users WHERE name = {name}")).all()


def by_name_unsafe(conn, name):
    return conn.execute(text(f"SELECT id FROM users WHERE name = '{name}'")).all()
"""


def test_tstring_is_parameterised_sql() -> None:
    result = check_source(TEMPLATE_SQL)
    lines = TEMPLATE_SQL.splitlines()
    unsafe = next(i for i, line in enumerate(lines, 1) if "text(f" in line)
    assert [(d.code, d.span.start.line) for d in result.diagnostics] == [("SQA301", unsafe)]


@pytest.mark.skipif(sys.version_info < (3, 14), reason="template strings run on Python 3.14")
def test_tstring_runs_as_bound_parameters_on_sqlite() -> None:
    namespace: dict[str, object] = {}
    exec(
        compile(
            "from sqlalchemy import create_engine, text, tstring\n"
            "engine = create_engine('sqlite://')\n"
            "with engine.connect() as conn:\n"
            "    conn.execute(text('CREATE TABLE users (id INTEGER, name TEXT)'))\n"
            "    conn.execute(text(\"INSERT INTO users VALUES (1, 'x'' OR 1=1 --')\"))\n"
            '    name = "x\' OR 1=1 --"\n'
            "    rows = conn.execute(tstring(t'SELECT id FROM users WHERE name = {name}')).all()\n",
            "<tstring>",
            "exec",
        ),
        namespace,
    )
    assert namespace["rows"] == [(1,)]


def test_the_command_line_checks_new_syntax_in_files_without_sqlalchemy(tmp_path: Path) -> None:
    """Files no rule can concern are only syntax-checked, by CPython's parser when it
    knows the syntax and by libcst's when it is newer than the interpreter."""
    import subprocess

    (tmp_path / "plain.py").write_text(FORMS["PEP 758 except without parentheses"])
    (tmp_path / "generic.py").write_text("def first[T = int](items: list[T]) -> T: ...\n")
    (tmp_path / "leak.py").write_text(FORMS["PEP 750 template strings"] + LEAK)
    result = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", "--no-cache", "--format", "concise"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stderr == ""
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "Found 1 problem in 3 checked files."


def test_what_only_libcst_refuses_is_not_called_a_syntax_error() -> None:
    # CPython reads a parenthesized annotated target; libcst 1.9 does not.
    result = check_source("(total): int = 0\n" + LEAK)
    if result.problem is None:
        pytest.skip("this libcst reads it")
    assert result.problem.startswith("not checked: libcst ")
    assert "near line" in result.problem


def test_long_modules_in_newer_syntax_are_read_by_libcst(tmp_path: Path) -> None:
    """Long files are pre-checked by CPython's parser (for nesting libcst would crash
    on); on an interpreter older than the syntax its refusal is not the last word."""
    filler = "".join(f"def helper_{i}(x):\n    return x - {i} + (x * {i})\n\n" for i in range(800))
    source = FORMS["PEP 695 type alias"] + filler + LEAK
    result = check_source(source, tmp_path / "long.py")
    assert result.problem is None
    assert [d.code for d in result.diagnostics] == ["SQA101"]
