"""SQA201 and SQA202 by the SQLAlchemy the project runs on (Ruff's `target-version`):
errors where it requires 2.x, migration hints where it pins 1.x, the rule's default
where it says nothing; `sqlalchemy-version` in the configuration overrides the
requirement files, a configured severity wins, and the command line's result cache
follows an edited requirement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.config import config_for
from sqlalchemy_lint.diagnostics import Severity
from sqlalchemy_lint.semantic.versions import major_version

LEGACY = (
    "from sqlalchemy import create_engine, select\n"
    "from app.tables import users\n"
    "engine = create_engine('sqlite://')\n"
    "def count():\n"
    "    return engine.execute(select(users)).scalar()\n"
    "def names():\n"
    "    with engine.connect() as conn:\n"
    "        return conn.execute('SELECT name FROM users').all()\n"
)


def findings(project: Path) -> dict[str, tuple[Severity, str]]:
    module = project / "app.py"
    module.write_text(LEGACY)
    config = config_for(module)
    result = check_source(
        LEGACY, module, severity=config.severity, options=config.options, with_fixes=False
    )
    return {d.code: (d.severity, d.message) for d in result.diagnostics}


@pytest.mark.parametrize(
    ("file_name", "declaration", "expected"),
    [
        ("requirements.txt", "SQLAlchemy==1.4.46\n", 1),
        ("requirements.txt", "sqlalchemy>=1.3,<2.0\nflask\n", 1),
        ("pyproject.toml", '[project]\ndependencies = ["sqlalchemy>=2.0.20"]\n', 2),
        ("pyproject.toml", '[tool.poetry.dependencies]\nsqlalchemy = "^2.0"\n', 2),
        ("setup.py", 'setup(install_requires=["SQLAlchemy~=2.0"])\n', 2),
        ("requirements.txt", "sqlalchemy>=1.4\n", None),  # allows both
        ("requirements.txt", "flask\n", None),  # says nothing
    ],
)
def test_the_declared_major_version(
    tmp_path: Path, file_name: str, declaration: str, expected: int | None
) -> None:
    (tmp_path / file_name).write_text(declaration)
    assert major_version(tmp_path / "app.py") == expected


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_a_requirements_file_pip_freeze_wrote_on_windows(tmp_path: Path, encoding: str) -> None:
    # PowerShell's `pip freeze > requirements.txt` writes UTF-16 with a byte-order mark.
    declaration = "alembic==1.9.3\r\nSQLAlchemy==1.4.5\r\n"
    (tmp_path / "requirements.txt").write_bytes(declaration.encode(encoding))
    assert major_version(tmp_path / "app.py") == 1


def test_errors_where_2x_is_required(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("sqlalchemy==2.0.36\n")
    found = findings(tmp_path)
    assert found["SQA201"][0] is Severity.ERROR
    assert found["SQA202"][0] is Severity.ERROR
    assert "1.x" not in found["SQA201"][1]


def test_migration_hints_where_1x_is_pinned(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("sqlalchemy==1.4.46\n")
    found = findings(tmp_path)
    for code in ("SQA201", "SQA202"):
        severity, message = found[code]
        assert severity is Severity.HINT
        assert message.endswith(
            "This project requires SQLAlchemy 1.x, where it still works: "
            "a step of the migration to 2.0."
        )


def test_the_rules_default_where_nothing_is_declared(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    found = findings(tmp_path)
    assert found["SQA201"][0] is Severity.WARNING
    assert found["SQA202"][0] is Severity.WARNING


def test_the_configured_version_overrides_the_requirements(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndependencies = ["sqlalchemy>=2"]\n\n'
        '[tool.sqlalchemy-lint]\nsqlalchemy-version = "1.4"\n'
    )
    assert findings(tmp_path)["SQA201"][0] is Severity.HINT


def test_a_configured_severity_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndependencies = ["sqlalchemy==1.4.52"]\n\n'
        '[tool.sqlalchemy-lint]\nseverity = { SQA201 = "error" }\n'
    )
    found = findings(tmp_path)
    assert found["SQA201"][0] is Severity.ERROR
    assert found["SQA202"][0] is Severity.HINT


def test_a_bad_configured_version_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.sqlalchemy-lint]\nsqlalchemy-version = "new"\n')
    config = config_for(tmp_path / "app.py")
    assert config.options.sqlalchemy_version is None
    assert any("`sqlalchemy-version` must be a version" in p for p in config.problems)


def migration_hints(project: Path) -> set[bool]:
    """Whether each finding of `check .` (cached run to run) is a migration hint."""
    ran = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", "--output-format", "json", "."],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 1, ran.stderr
    # The JSON output has no severity; SARIF's levels would do, the message says it.
    return {item["message"].endswith("migration to 2.0.") for item in json.loads(ran.stdout)}


def test_the_result_cache_follows_an_edited_requirement(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(LEGACY)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("sqlalchemy==1.4.46\n")
    assert migration_hints(tmp_path) == {True}
    assert migration_hints(tmp_path) == {True}  # from the cache
    requirements.write_text("sqlalchemy==2.0.36\n")  # app.py itself is unchanged
    assert migration_hints(tmp_path) == {False}


def test_an_app_in_a_subfolder_declares_its_own_requirement(tmp_path: Path) -> None:
    # A repository whose app lives in `server/` with its own requirements.txt; the
    # nearest folder that declares SQLAlchemy decides.
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("black\n")
    server = tmp_path / "server" / "src"
    server.mkdir(parents=True)
    (tmp_path / "server" / "requirements.txt").write_text("SQLAlchemy==1.3.13\n")
    assert major_version(server / "ingest.py") == 1
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "requirements.txt").write_text("sqlalchemy>=2.0\n")
    assert major_version(tmp_path / "web" / "app.py") == 2
    assert major_version(tmp_path / "tools" / "x.py") is None  # the root says nothing


def test_the_result_cache_follows_a_subfolders_requirement(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    app = tmp_path / "server"
    app.mkdir()
    (app / "app.py").write_text(LEGACY)
    requirements = app / "requirements.txt"
    requirements.write_text("sqlalchemy==1.4.46\n")
    assert migration_hints(tmp_path) == {True}
    requirements.write_text("sqlalchemy==2.0.36\n")  # app.py itself is unchanged
    assert migration_hints(tmp_path) == {False}
