"""The command line, run as a user runs it: a subprocess, exit codes, output."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import libcst
import pytest

from samples import LEAK
from sqlalchemy_lint.runner import CheckRequest, FileChecker

ROOT = Path(__file__).resolve().parent.parent
TEXT_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>SQA\d{3})( \[\*\])? .+"
)


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        timeout=120,
    )


def test_examples_text_output_is_ruff_like() -> None:
    result = run("check", "examples")
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stdout.splitlines() if TEXT_LINE.match(line)]
    assert len(lines) == 9
    assert "examples/shop/api.py:20:10: SQA102" in result.stdout
    assert result.stdout.strip().endswith("Found 9 problems in 5 checked files.")
    assert result.stderr == ""


def test_json_output_is_shaped_like_ruffs(tmp_path: Path) -> None:
    (tmp_path / "leak.py").write_text(LEAK)
    result = run("check", "--format", "json", str(tmp_path))
    assert result.returncode == 1
    (item,) = json.loads(result.stdout)
    assert item["code"] == "SQA101"
    assert item["filename"] == str((tmp_path / "leak.py").resolve())
    assert item["location"] == {"row": 4, "column": 12}
    assert item["end_location"] == {"row": 4, "column": 28}
    assert item["url"].endswith("SQA101.md")
    assert set(item) >= {"code", "message", "location", "end_location", "fix", "url", "filename"}


def test_select_ignore_and_exit_zero() -> None:
    selected = run("check", "--select", "SQA103", "examples")
    assert selected.returncode == 1
    assert {m.group("code") for m in map(TEXT_LINE.match, selected.stdout.splitlines()) if m} == {
        "SQA103"
    }
    ignored = run("check", "--ignore", "SQA1", "examples")
    assert ignored.returncode == 0 and "All checks passed!" in ignored.stdout
    assert run("check", "--exit-zero", "examples").returncode == 0


def test_unknown_rule_code_is_a_usage_error() -> None:
    result = run("check", "--select", "SQA999", "examples")
    assert result.returncode == 2
    assert "unknown rule code 'SQA999'" in result.stderr
    assert "Traceback" not in result.stderr


def test_clean_project_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("import sqlite3\nsqlite3.connect('x').close()\n")
    result = run("check", str(tmp_path))
    assert result.returncode == 0
    assert "All checks passed!" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"import sqlalchemy\ndef broken(:\n    pass\n", "syntax error at line 2"),
        (b"x = 1\x00\n", "NUL byte at offset 5"),
        (b"name = '\xe9t\xe9'\n", "not valid utf-8: byte 0xe9 at offset 8"),
        (b"# -*- coding: klingon -*-\nx = 1\n", "unknown encoding"),
    ],
    ids=["syntax-error", "nul-byte", "not-utf8", "unknown-coding"],
)
def test_unreadable_files_are_reported_and_the_rest_still_checked(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "bad.py").write_bytes(content)
    (tmp_path / "leak.py").write_text(LEAK)
    result = run("check", str(tmp_path))
    assert result.returncode == 2
    assert "bad.py: error: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    assert "leak.py:4:12: SQA101" in result.stdout
    # As with Ruff's --exit-zero, the file is still reported but does not fail the run.
    lenient = run("check", "--exit-zero", str(tmp_path))
    assert lenient.returncode == 0
    assert "bad.py: error: " in lenient.stderr and "leak.py:4:12: SQA101" in lenient.stdout


def test_exit_zero_still_fails_on_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = run("check", "--exit-zero", str(tmp_path / "nowhere.py"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr


def test_a_syntax_error_is_reported_in_files_that_cannot_involve_sqlalchemy(
    tmp_path: Path,
) -> None:
    # The prefilter skips them before libcst parses them, but a file that cannot be
    # checked is an error wherever it is (README: exit status 2).
    (tmp_path / "unrelated.py").write_text("def broken(:\n")
    (tmp_path / "leak.py").write_text(LEAK)
    result = run("check", str(tmp_path))
    assert result.returncode == 2
    assert re.search(r"unrelated.py: error: syntax error at line 1, column \d+: ", result.stderr)
    assert "leak.py:4:12: SQA101" in result.stdout
    assert "Traceback" not in result.stderr


# Chains that overflowed libcst's native parser on an 8 MiB stack (SIGSEGV). CPython
# refuses the unary one ("too complex"), and accepts boolean chains of any length.
DEEP_CHAINS = {
    "minus": "    return " + "-" * 10_000 + "x\n",
    "conjunction": "    return " + " and ".join(["x"] * 10_000) + "\n",
}


def _with_8_mib_stack() -> None:  # the usual limit, even where the shell allows more
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_STACK)
    limit = 8 << 20 if hard == resource.RLIM_INFINITY else min(8 << 20, hard)
    resource.setrlimit(resource.RLIMIT_STACK, (limit, hard))


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX resource limits")
def test_deep_chains_with_one_job(tmp_path: Path) -> None:
    """Checked on a thread with a big stack, never a crash: the file CPython refuses is
    reported as such, and the other is checked (its leak is found) like any file."""
    for name, chain in DEEP_CHAINS.items():
        (tmp_path / f"{name}.py").write_text(LEAK + "def deep(x):\n" + chain)
    result = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", "--jobs", "1", str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        timeout=300,
        preexec_fn=_with_8_mib_stack,
    )
    assert result.returncode in (1, 2), (result.returncode, result.stderr[-2000:])  # no signal
    assert "Traceback" not in result.stderr
    assert "conjunction.py:4:12: SQA101" in result.stdout
    # CPython 3.11 gives up on the unary chain ("maximum recursion depth exceeded
    # during ast construction"), so the file cannot be checked; where CPython accepts
    # it, it is checked like the other.
    refused = "minus.py: error: syntax error near line 1: too deeply nested to parse"
    assert refused in result.stderr or "minus.py:4:12: SQA101" in result.stdout


def test_files_that_cannot_involve_sqlalchemy_are_not_parsed_with_libcst(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only CPython's parser (several times faster) looks at them, for syntax errors.
    (tmp_path / "unrelated.py").write_text("import os\n\ndef fine():\n    return os.sep\n")
    parse, parsed = libcst.parse_module, []

    def counting_parse(source: str, *args: Any, **kwargs: Any) -> libcst.Module:
        parsed.append(source)
        return parse(source, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting_parse)
    outcome = FileChecker(CheckRequest()).check(tmp_path / "unrelated.py", explicit=True)
    assert (outcome.error, outcome.diagnostics, parsed) == (None, [], [])


def test_parallel_jobs_give_the_same_report(tmp_path: Path) -> None:
    # The corpus checked out on its own, as a clone of it would be: inside this
    # repository its projects would sit below this project's `tests/`.
    shutil.copytree(ROOT / "tests" / "corpus", tmp_path / "corpus")
    (tmp_path / ".git").mkdir()
    serial = run("check", "--jobs", "1", "--format", "json", "--select", "ALL", ".", cwd=tmp_path)
    parallel = run("check", "--jobs", "2", "--format", "json", "--select", "ALL", ".", cwd=tmp_path)
    assert serial.returncode == parallel.returncode == 1
    assert serial.stdout == parallel.stdout
    assert len(json.loads(serial.stdout)) == 93


def test_the_default_set_leaves_out_the_opt_in_rule(tmp_path: Path) -> None:
    source = (
        "from sqlalchemy.orm import Session\n\n"
        "def names(session: Session, User):\n"
        "    return session.query(User).all()\n"
    )
    (tmp_path / "legacy.py").write_text(source)
    default = run("check", "--format", "json", str(tmp_path / "legacy.py"))
    assert default.returncode == 0 and json.loads(default.stdout) == []
    for selection in (["--extend-select", "SQA203"], ["--select", "ALL"], ["--select", "SQA2"]):
        chosen = run("check", "--format", "json", *selection, str(tmp_path / "legacy.py"))
        assert [f["code"] for f in json.loads(chosen.stdout)] == ["SQA203"], selection
    listing = run("rule", "--all").stdout.splitlines()
    assert [line for line in listing if "opt-in" in line] == [
        next(line for line in listing if line.startswith("SQA203"))
    ]
    assert run("check", "--jobs", "0", "examples").returncode == 2


def test_dot_inside_a_package_without_a_project_marker_is_checked(tmp_path: Path) -> None:
    """`check .` in a package folder (an `__init__.py`, no pyproject.toml or .git up to
    /) used to loop forever looking for the top of the packages: Path(".").parent is
    "." again."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "db.py").write_text(
        "from sqlalchemy import create_engine\n\n\n"
        "def get_engine(url):\n    return create_engine(url)\n"
    )
    for path in (".", "db.py"):
        result = run("check", "--no-cache", path, cwd=package)
        assert result.returncode == 0, result.stderr
        assert "All checks passed!" in result.stdout


def test_a_script_named_like_a_test_runs_its_main_block_once(tmp_path: Path) -> None:
    """`test_divisions.py` run as a script: the function its `__main__` block calls
    runs once, so its engine is not one per call (SQA103)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'scripts'\n")
    script = (
        "from sqlalchemy import create_engine, text\n\n\n"
        "def check_divisions():\n"
        "    engine = create_engine('sqlite:///divisions.db')\n"
        "    with engine.connect() as conn:\n"
        "        print(conn.execute(text('select 1')).all())\n\n\n"
        "if __name__ == '__main__':\n"
        "    check_divisions()\n"
    )
    (tmp_path / "test_divisions.py").write_text(script)
    result = run("check", "--no-cache", "--select", "SQA103", "test_divisions.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    # Called from a test, it runs once per run of the suite too; called from a fixture
    # of pytest's default scope, it runs for every test that asks for the fixture (an
    # in-memory database, `sqlite://`, would be each test's own on purpose).
    (tmp_path / "test_divisions.py").write_text(
        script.replace("if __name__ == '__main__':", "def test_divisions():")
        + "    check_divisions()\n"
    )
    result = run("check", "--no-cache", "--select", "SQA103", "test_divisions.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    (tmp_path / "test_divisions.py").write_text(
        "import pytest\n"
        + script.replace("if __name__ == '__main__':", "@pytest.fixture\ndef divisions():")
        + "    check_divisions()\n"
    )
    result = run("check", "--no-cache", "--select", "SQA103", "test_divisions.py", cwd=tmp_path)
    assert "SQA103" in result.stdout


def test_pep263_coding_line_is_honoured(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + LEAK
    (tmp_path / "latin.py").write_bytes(source.encode("latin-1"))
    result = run("check", str(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "latin.py:6:12: SQA101" in result.stdout


def test_huge_file_is_skipped_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "huge.py").write_text("x = 1\n" * 2_000_000)
    result = run("check", str(tmp_path))
    assert result.returncode == 2
    assert "huge.py: error: file is too large to check" in result.stderr


def test_usual_ignores_are_skipped(tmp_path: Path) -> None:
    for folder in ("node_modules/pkg", ".venv/lib", "build", "generated", "env"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "leak.py").write_text(LEAK)
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / "app.py").write_text(LEAK)
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.count("SQA101") == 1 and "app.py" in result.stdout


def test_missing_path_is_reported(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr


def test_rule_command_prints_the_documentation_page() -> None:
    page = run("rule", "SQA101")
    assert page.returncode == 0
    assert page.stdout.startswith("# SQA101 `connection-not-closed`")
    assert "## Why is this bad?" in page.stdout
    listing = run("rule", "--all")
    assert [line.split()[0] for line in listing.stdout.splitlines()] == [
        "SQA101",
        "SQA102",
        "SQA103",
        "SQA104",
        "SQA105",
        "SQA106",
        "SQA107",
        "SQA108",
        "SQA109",
        "SQA110",
        "SQA201",
        "SQA202",
        "SQA203",
        "SQA301",
        "SQA302",
        "SQA401",
    ]
    assert run("rule", "SQA999").returncode == 2


def test_version() -> None:
    from sqlalchemy_lint import __version__

    result = run("--version")
    assert result.stdout.strip() == f"sqlalchemy-lint {__version__}"


def test_fix_rewrites_in_place_and_reports_what_is_left(tmp_path: Path) -> None:
    target = tmp_path / "leak.py"
    target.write_text(LEAK)
    diff = run("check", "--diff", str(tmp_path))
    assert "+    with engine.connect() as conn:" in diff.stdout
    assert target.read_text() == LEAK  # --diff writes nothing
    fixed = run("check", "--fix", str(tmp_path))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "Fixed 1 problem." in fixed.stdout
    assert "with engine.connect() as conn:" in target.read_text()
    assert run("check", str(tmp_path)).returncode == 0


def test_unsafe_fixes_only_with_the_flag(tmp_path: Path) -> None:
    source = (
        "from fastapi import FastAPI\nfrom sqlalchemy import create_engine\n"
        "app = FastAPI()\n\n@app.get('/')\ndef index():\n"
        "    engine = create_engine('sqlite://')\n    return engine.url\n"
    )
    target = tmp_path / "app.py"
    target.write_text(source)
    safe_only = run("check", "--fix", str(tmp_path))
    assert safe_only.returncode == 1 and target.read_text() == source
    unsafe = run("check", "--fix", "--unsafe-fixes", str(tmp_path))
    assert "Fixed 1 problem." in unsafe.stdout, unsafe.stdout + unsafe.stderr
    assert target.read_text() != source
    compile(target.read_text(), "app.py", "exec")


def test_gitignore_of_an_enclosing_repository_does_not_hide_a_nested_one(tmp_path: Path) -> None:
    # A checkout inside another repository's ignored folder (a vendored project, a
    # benchmark tree) is a repository of its own: the outer .gitignore does not apply.
    outer = tmp_path / "outer"
    (outer / ".git").mkdir(parents=True)
    (outer / ".gitignore").write_text("vendor/\n")
    inner = outer / "vendor" / "project"
    (inner / ".git").mkdir(parents=True)
    (inner / "app.py").write_text("x = 1\n")
    from sqlalchemy_lint.discovery import discover

    files, _ = discover([inner])
    assert [f.name for f in files] == ["app.py"]
    # ...while checking a folder inside a repository still honours its .gitignore,
    # however the folder is written.
    (outer / "src" / "generated").mkdir(parents=True)
    (outer / ".gitignore").write_text("generated/\n")
    (outer / "src" / "generated" / "g.py").write_text("x = 1\n")
    (outer / "src" / "kept.py").write_text("x = 1\n")
    files, _ = discover([outer / "src"])
    assert [f.name for f in files] == ["kept.py"]


def test_a_gitignore_line_git_cannot_use_is_skipped_as_git_skips_it(tmp_path: Path) -> None:
    # `**\__pycache__\` (a Windows editor's backslashes): git ignores the line; the run
    # goes on and the other lines still apply.
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("build/\n**\\__pycache__\\\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "copy.py").write_text(LEAKY_HELPER)
    (tmp_path / "app.py").write_text(LEAKY_HELPER)
    result = run("check", "--output-format", "concise", str(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "app.py" in result.stdout and "copy.py" not in result.stdout


LEAKY_HELPER = (
    "from sqlalchemy import create_engine, text\n\n"
    "engine = create_engine('sqlite://')\n\n\n"
    "def count():\n"
    "    conn = engine.connect()\n"
    "    return conn.execute(text('select 1')).scalar()\n"
)


def _run_stdin(text: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", *args],
        cwd=cwd,
        input=text,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        timeout=120,
    )


def test_standard_input_is_checked_as_the_named_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.sqlalchemy-lint]\nignore = ['SQA104']\n")
    checked = _run_stdin(
        LEAKY_HELPER,
        "-",
        "--stdin-filename",
        "app/db.py",
        "--output-format",
        "concise",
        cwd=tmp_path,
    )
    assert checked.returncode == 1, checked.stderr
    assert checked.stdout.startswith("app/db.py:7:12: SQA101 ")
    assert checked.stdout.endswith("Found 1 problem in 1 checked file.\n")
    quiet = _run_stdin(LEAKY_HELPER, "-", "--stdin-filename", "app/db.py", "-q", cwd=tmp_path)
    assert "Found" not in quiet.stdout and "SQA101" in quiet.stdout
    # --fix prints the whole fixed text, nothing else, as Ruff does.
    fixed = _run_stdin(
        LEAKY_HELPER, "-", "--stdin-filename", "app/db.py", "--fix", "--exit-zero", cwd=tmp_path
    )
    assert fixed.returncode == 0
    assert "with engine.connect() as conn:" in fixed.stdout
    compile(fixed.stdout, "app/db.py", "exec")
    assert not (tmp_path / "app").exists()  # nothing written to disk


def test_output_format_and_its_old_name_agree() -> None:
    new = run("check", "--output-format", "json", "--exit-zero", "examples")
    old = run("check", "--format", "json", "--exit-zero", "examples")
    assert new.returncode == old.returncode == 0
    assert json.loads(new.stdout) == json.loads(old.stdout) != []


def test_show_fixes_marks_and_counts_what_fix_would_remove_then_lists_what_it_did(
    tmp_path: Path,
) -> None:
    target = tmp_path / "leak.py"
    target.write_text(LEAK)
    shown = run("check", "--show-fixes", str(tmp_path))
    assert shown.returncode == 1
    (line,) = [line for line in shown.stdout.splitlines() if TEXT_LINE.match(line)]
    assert ": SQA101 [*] " in line
    assert "[*] 1 fixable with `--fix`." in shown.stdout
    assert target.read_text() == LEAK
    would = run("check", "--diff", "--show-fixes", str(tmp_path))
    assert "Would fix 1 problem:\n- " in would.stderr
    assert "    1 x SQA101 (connection-not-closed)" in would.stderr
    fixed = run("check", "--fix", "--show-fixes", str(tmp_path))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "Fixed 1 problem:\n- " in fixed.stdout
    assert "leak.py:\n    1 x SQA101 (connection-not-closed)\n" in fixed.stdout
    # Without the flag findings are not marked (their fixes are not even computed).
    target.write_text(LEAK)
    plain = run("check", str(tmp_path))
    assert "[*]" not in plain.stdout


def test_show_fixes_tells_unsafe_fixes_apart(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from fastapi import FastAPI\nfrom sqlalchemy import create_engine\n"
        "app = FastAPI()\n\n@app.get('/')\ndef index():\n"
        "    engine = create_engine('sqlite://')\n    return engine.url\n"
    )
    safe = run("check", "--show-fixes", str(tmp_path))
    assert "[*]" not in safe.stdout.split("Found")[0]
    assert "(1 more fix with `--unsafe-fixes`" in safe.stdout
    unsafe = run("check", "--show-fixes", "--unsafe-fixes", str(tmp_path))
    assert ": SQA103 [*] " in unsafe.stdout
    assert "[*] 1 fixable with `--fix --unsafe-fixes`." in unsafe.stdout


def test_config_names_one_configuration_for_every_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "leak.py").write_text(LEAK)
    # The project's own configuration ignores nothing; the named one ignores SQA101.
    (project / "pyproject.toml").write_text('[tool.sqlalchemy-lint]\nselect = ["ALL"]\n')
    own = tmp_path / "sqlalchemy-lint.toml"
    own.write_text('ignore = ["SQA101"]\n')
    assert run("check", "--no-cache", "app", cwd=project).returncode == 1
    quiet = run("check", "--no-cache", "--config", str(own), "app", cwd=project)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    # A pyproject.toml elsewhere, with the section, works as well, in worker processes too.
    other = tmp_path / "elsewhere" / "pyproject.toml"
    other.parent.mkdir()
    other.write_text('[tool.sqlalchemy-lint]\nignore = ["SQA101"]\nexclude = ["nothing/"]\n')
    for number in range(12):
        (project / "app" / f"copy_{number}.py").write_text(LEAK)
    many = run("check", "--no-cache", "--jobs", "2", "--config", str(other), "app", cwd=project)
    assert many.returncode == 0, many.stdout + many.stderr
    assert "All checks passed!" in many.stdout
    stdin = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", "--config", str(own), "-"],
        input=LEAK,
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert stdin.returncode == 0, stdin.stdout + stdin.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "no such file"), ("select = [", "cannot read it as TOML")],
)
def test_an_unusable_config_file_stops_the_run(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    named = tmp_path / "sqlalchemy-lint.toml"
    if content is not None:
        named.write_text(content)
    (tmp_path / "leak.py").write_text(LEAK)
    result = run("check", "--config", str(named), str(tmp_path))
    assert result.returncode == 2
    assert f"sqlalchemy-lint: error: --config {named}: {expected}" in result.stderr
    assert result.stdout == ""


def test_verbose_logs_the_phases_and_the_cache_status(tmp_path: Path) -> None:
    (tmp_path / "leak.py").write_text(LEAK)
    (tmp_path / "clean.py").write_text("x = 1\n")
    cache = tmp_path / "cache"
    first = run("check", "-v", "--cache-dir", str(cache), str(tmp_path))
    assert "found 2 Python files in " in first.stderr
    assert f"cache {cache}: 0 of 2 results still valid (no previous snapshot)" in first.stderr
    assert "analysing 2 files in this process" in first.stderr
    assert re.search(r"checked 2 files in \d+\.\d{3} s", first.stderr)
    again = run("check", "-v", "--cache-dir", str(cache), str(tmp_path))
    assert "2 of 2 results still valid (since the previous run's snapshot)" in again.stderr
    assert "analysing" not in again.stderr
    assert again.stdout == first.stdout


def test_clean_removes_the_cache_check_made_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (tmp_path / "app.py").write_text(LEAKY_HELPER)
    assert run("check", ".", cwd=tmp_path).returncode == 1
    cache = tmp_path / ".sqlalchemy_lint_cache"
    assert (cache / "CACHEDIR.TAG").is_file()
    (cache / "summaries-1").mkdir()  # an older version's, which nothing else prunes
    cleaned = run("clean", cwd=tmp_path)
    assert cleaned.returncode == 0, cleaned.stderr
    assert not cache.exists() and (tmp_path / "app.py").exists()
    assert "No cache at" in run("clean", cwd=tmp_path).stdout
    # A folder it did not make is left alone.
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    refused = run("clean", "--cache-dir", str(other), cwd=tmp_path)
    assert refused.returncode == 2 and (other / "keep.txt").exists()
