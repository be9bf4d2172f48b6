"""Whole real source trees, as users run the checker on them, and their files mangled
the way an editor sees them mid-typing.

The trees: SQLAlchemy's repository at a pinned commit of its main branch (from the
local mirror or GitHub; skipped offline) and the test suites of the Python
interpreters installed here (`test_grammar.py`, `test_fstring.py`,
`test_type_params.py`: every syntax form of their version; skipped when there are
none). Asserted: no traceback, valid JSON, every file either checked or named on one
line with the reason; and the analysis never raises on any mutation of their files.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from sqlalchemy_lint.checker import CheckResult, check_source
from sqlalchemy_lint.sources import UnreadableSource, read_source
from sqlalchemy_lint.stack import run_with_big_stack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import realworld  # noqa: E402

SQLALCHEMY = ("sqlalchemy/sqlalchemy", "f35da7e2b9349a08b8de1f6bd3b07c8bf8616790")
MIRRORS = Path("/work/.mirror")


def _interpreter_test_suites() -> list[Path]:
    """`Lib/test` of this interpreter and of any other CPython 3.12+ installed beside it
    (pyenv), newest syntax first."""
    found = []
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for candidate in sorted(stdlib.parent.parent.parent.glob("*/lib/python3.1[2-9]/test")):
        found.append(candidate)
    if (stdlib / "test" / "test_grammar.py").exists():
        found.append(stdlib / "test")
    return sorted(set(found), reverse=True)


def _sqlalchemy_tree() -> Path:
    try:
        return realworld.tree(*SQLALCHEMY, MIRRORS)
    except (realworld.Unavailable, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"SQLAlchemy's repository is not at hand: {exc}")


def _trees() -> list[tuple[str, Path]]:
    return [(f"cpython-{p.parent.name}", p) for p in _interpreter_test_suites()]


ERROR_LINE = re.compile(r"^(?P<path>.+?\.py): error: (?P<reason>.+)$")


def _check_tree(tree: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", ".", "--no-cache", "--format", "json"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in (0, 1, 2), result.stderr[-3000:]
    findings = json.loads(result.stdout)  # valid, whatever failed
    assert isinstance(findings, list)
    for line in result.stderr.splitlines():
        if line.startswith("warning: "):
            continue  # a configuration problem of the tree's pyproject.toml
        match = ERROR_LINE.match(line)
        assert match is not None, line
        assert (tree / match["path"]).is_file(), line
        assert "internal error" not in match["reason"], line


def test_sqlalchemy_repository_is_checked_whole() -> None:
    _check_tree(_sqlalchemy_tree())


@pytest.mark.parametrize("name", [name for name, _ in _trees()] or ["none"])
def test_interpreter_test_suite_is_checked_whole(name: str) -> None:
    trees = dict(_trees())
    if name not in trees:
        pytest.skip("no CPython test suite installed here")
    _check_tree(trees[name])


def _mutations(text: str, rng: random.Random) -> list[str]:
    """What an editor holds mid-typing: cut short, lines deleted, stray bytes and
    characters typed, a bracket opened and never closed."""
    lines = text.splitlines(keepends=True)
    cut = rng.randrange(len(text) + 1)
    start = rng.randrange(len(lines) + 1)
    deleted = lines[:start] + lines[start + rng.randint(1, 5) :]
    at = rng.randrange(len(text) + 1)
    junk = "".join(
        rng.choice(["\x00", "\ufeff", "\\", "'''", '"', "\t", "é", "\r", "@"]) for _ in range(3)
    )
    bracket_line = rng.randrange(len(lines) + 1)
    return [
        text[:cut],
        "".join(deleted),
        text[:at] + junk + text[at:],
        "".join([*lines[:bracket_line], "x = foo(bar[\n", *lines[bracket_line:]]),
    ]


def _files_to_mangle(count: int) -> list[Path]:
    files: list[Path] = []
    for suite in _interpreter_test_suites()[:1]:
        files += [suite / n for n in ("test_grammar.py", "test_fstring.py", "test_type_params.py")]
    try:
        lib = realworld.tree(*SQLALCHEMY, MIRRORS) / "lib" / "sqlalchemy"
        files += sorted(lib.rglob("*.py"))
    except (realworld.Unavailable, OSError, subprocess.SubprocessError):
        pass
    files = [f for f in files if f.is_file()]
    if not files:
        pytest.skip("no real source trees at hand")
    rng = random.Random(7)
    return files[:3] + rng.sample(files[3:], min(count, len(files) - 3))


def test_the_analysis_never_raises_on_mangled_real_files() -> None:
    rng = random.Random(11)
    checked = read = 0
    # Offline, without SQLAlchemy's tree, only the interpreter's own test files.
    for path in _files_to_mangle(12):
        try:
            text = read_source(path).text
        except UnreadableSource:
            continue
        read += 1
        for variant in _mutations(text, rng):
            result = run_with_big_stack(check_source, variant, path, with_fixes=False)
            assert isinstance(result, CheckResult)
            checked += 1
    assert read and checked == 4 * read
