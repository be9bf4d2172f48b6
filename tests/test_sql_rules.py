"""The SQL rules (SQA2xx migration, SQA3xx security): their fixes give exactly the
expected module, and the fixed code runs on SQLAlchemy 2.0 where the original fails."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ArgumentError, ObjectNotExecutableError

from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.rules import Invalid, all_rules
from sqlalchemy_lint.semantic import ProjectIndex
from sqlalchemy_lint.testing import check_example

SQL_RULES = [r for r in all_rules() if r.code[3] in "23"]
FIX_CASES = [
    (rule, example, f"{rule.code}-invalid-{number}")
    for rule in SQL_RULES
    for number, example in enumerate(rule.INVALID, start=1)
    if example.expected_fix is not None
]


@pytest.mark.parametrize(
    ("rule", "example"), [c[:2] for c in FIX_CASES], ids=[c[2] for c in FIX_CASES]
)
def test_fix_gives_the_expected_module(rule: Any, example: Invalid, tmp_path: Path) -> None:
    source, result = check_example(rule, example, tmp_path)
    assert [d.code for d in result.diagnostics] == [rule.code]
    outcome = fix_source(
        source, tmp_path / "main.py", rules=[rule], project=ProjectIndex(), unsafe=True
    )
    assert outcome.source == textwrap.dedent(example.expected_fix or "").lstrip("\n")
    assert outcome.remaining.diagnostics == []


def _run(source: str, engine: Any) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<example>", "exec"), namespace)
    return namespace["names"](engine)


CONNECTION_QUERY = """\
from sqlalchemy import create_engine

def names(engine):
    with engine.connect() as conn:
        return conn.execute("SELECT name FROM items ORDER BY id").all()
"""
SESSION_QUERY = """\
from sqlalchemy.orm import Session

QUERY = "SELECT name FROM items " "ORDER BY id"

def names(engine):
    with Session(engine) as session:
        return session.execute(QUERY).all()
"""


DRIVER_PLACEHOLDERS = """\
from sqlalchemy import create_engine

def names(engine):
    with engine.connect() as conn:
        return conn.execute("SELECT name FROM items WHERE id > ? ORDER BY id", (0,)).all()
"""


@pytest.mark.parametrize(
    ("legacy", "error"),
    [
        (CONNECTION_QUERY, ObjectNotExecutableError),
        (SESSION_QUERY, ArgumentError),
        (DRIVER_PLACEHOLDERS, ArgumentError),
    ],
    ids=["connection", "session", "driver-placeholders"],
)
def test_raw_string_fix_runs_on_sqlalchemy_2(legacy: str, error: type[Exception]) -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO items (name) VALUES ('apple'), ('pear')"))
    with pytest.raises(error):
        _run(legacy, engine)
    fixed = fix_source(legacy, Path("legacy.py"), project=ProjectIndex()).source
    assert fixed != legacy
    assert [tuple(row) for row in _run(fixed, engine)] == [("apple",), ("pear",)]


LEGACY_ENGINE = """\
from sqlalchemy import create_engine

def names(engine):
    engine.execute("INSERT INTO items (name) VALUES ('quince')")
    rows = engine.execute("SELECT name FROM items ORDER BY id").fetchall()
    return rows
"""


def test_legacy_engine_execute_fix_runs_on_sqlalchemy_2(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'items.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO items (name) VALUES ('apple')"))
    with pytest.raises(AttributeError):
        _run(LEGACY_ENGINE, engine)
    fixed = fix_source(LEGACY_ENGINE, Path("legacy.py"), project=ProjectIndex()).source
    assert "engine.begin() as conn" in fixed and "engine.connect() as conn" in fixed
    assert [tuple(row) for row in _run(fixed, engine)] == [("apple",), ("quince",)]
    # The write was committed, as 1.x autocommit did: a new connection sees it.
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM items")).scalar() == 2
    engine.dispose()
