"""[tool.sqlalchemy-lint] in pyproject.toml: found by walking up, applied by the
CLI and the server alike, bad values named and replaced by defaults."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from samples import LEAK
from sqlalchemy_lint.config import config_for, parse_config
from sqlalchemy_lint.diagnostics import Severity


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        timeout=120,
    )


def project(tmp_path: Path, config: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n\n" + textwrap.dedent(config)
    )
    for relative in ("app/leak.py", "tests/test_leak.py", "migrations/0001.py"):
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(LEAK)
    return tmp_path


def codes(stdout: str) -> list[str]:
    return sorted(line.split(": ")[0] for line in stdout.splitlines() if ": SQA" in line)


def test_per_file_ignores_exclude_and_severity_apply(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """
        [tool.sqlalchemy-lint]
        exclude = ["migrations/"]
        per-file-ignores = { "tests/*" = ["SQA101"] }
        severity = { SQA101 = "error" }
        """,
    )
    result = run("check", ".", cwd=root)
    assert result.returncode == 1, result.stderr
    assert codes(result.stdout) == ["app/leak.py:4:12"]
    config = config_for(root / "app" / "leak.py")
    assert config.severity == {"SQA101": Severity.ERROR}


def test_found_by_walking_up_and_nearest_section_wins(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.sqlalchemy-lint]\nignore = ["SQA101"]\n')
    (root / "app" / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    assert config_for(root / "app" / "leak.py").ignore == ("SQA101",)
    (root / "app" / "pyproject.toml").write_text("[tool.sqlalchemy-lint]\nselect = ['ALL']\n")
    nearest = config_for(root / "app" / "leak.py")
    assert nearest.root == (root / "app").resolve() and nearest.ignore == ()
    assert run("check", "app", cwd=root).returncode == 1
    assert run("check", "tests", cwd=root).returncode == 0  # the root config ignores SQA101


def test_command_line_select_overrides_the_file(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.sqlalchemy-lint]\nselect = ["SQA103"]\n')
    assert run("check", "app", cwd=root).returncode == 0
    assert run("check", "--select", "SQA101", "app", cwd=root).returncode == 1


def test_bad_values_are_named_and_defaults_used(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """
        [tool.sqlalchemy-lint]
        select = ["SQA999"]
        severity = { SQA101 = "loud" }
        per-file-ignores = "tests"
        colour = true
        """,
    )
    result = run("check", "app", cwd=root)
    assert result.returncode == 1  # defaults: every rule, so the leak is found
    assert "`select` names an unknown rule code 'SQA999'" in result.stderr
    assert "`severity.SQA101` must be one of error, warning, information, hint" in result.stderr
    assert "`per-file-ignores` must map globs to lists of rule codes" in result.stderr
    assert "unknown key `colour`" in result.stderr
    assert result.stderr.count("SQA999") == 1  # reported once, not per file


def test_rule_options_extend_what_the_analysis_knows() -> None:
    config = parse_config(
        {
            "request-handler-decorators": ["web.endpoint"],
            "session-factories": ["myapp.db.new_session"],
        }
    )
    assert config.options.request_handler_decorators == ("web.endpoint",)
    assert config.options.session_factories == ("myapp.db.new_session",)


def test_rule_options_drive_sqa102_and_sqa103(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """
        [tool.sqlalchemy-lint]
        request-handler-decorators = ["web.endpoint"]
        session-factories = ["myapp.db.new_session"]
        """,
    )
    (root / "app" / "leak.py").write_text(
        "import web\nfrom myapp.db import new_session\nfrom sqlalchemy import create_engine\n\n"
        "@web.endpoint('/x')\ndef handler():\n"
        "    engine = create_engine('sqlite://')\n"
        "    session = new_session()\n"
        "    return session.execute('select 1')\n"
    )
    result = run("check", "app", cwd=root)
    assert "app/leak.py:7:14: SQA103" in result.stdout, result.stdout + result.stderr
    assert "app/leak.py:8:15: SQA102" in result.stdout
