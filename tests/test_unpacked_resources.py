"""Resources a project helper hands out in a tuple (`engine, conn = connect(url)`):
the checker follows each unpacked name, across modules, and what it reports leaks
against a real SQLite database while what it leaves alone does not."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool

from test_fix_runtime import queue_pool, run_measured
from test_project_wide import findings, importable, project, report

HELPERS = """
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker


def engine_and_connection(engine: Engine):
    return engine, engine.connect()


def session_and_name(engine: Engine):
    return sessionmaker(engine)(), "main"
"""

CALLERS = """
from sqlalchemy import Engine, text

from app.helpers import engine_and_connection, session_and_name


def leaks(engine: Engine):
    _, connection = engine_and_connection(engine)
    return connection.execute(text("SELECT 1")).scalar_one()


def closes(engine: Engine):
    _, connection = engine_and_connection(engine)
    with connection:
        return connection.execute(text("SELECT 1")).scalar_one()


def leaks_session(engine: Engine):
    session, _ = session_and_name(engine)
    return session.execute(text("SELECT 1")).scalar_one()


def closes_session(engine: Engine):
    session, _ = session_and_name(engine)
    with session:
        return session.execute(text("SELECT 1")).scalar_one()
"""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Path]:
    root = project(
        tmp_path,
        {"app/__init__.py": "", "app/helpers.py": HELPERS, "app/callers.py": CALLERS},
    )
    with importable(root, "app"):
        yield root


def line_of(source: str, needle: str) -> int:
    return source.lstrip("\n").splitlines().index(needle) + 1


def test_what_is_reported_leaks_and_what_is_not_releases(app: Path) -> None:
    assert findings(app, "SQA101", "SQA102") == [
        (
            "app/callers.py",
            line_of(CALLERS, "    _, connection = engine_and_connection(engine)"),
            "SQA101",
        ),
        ("app/callers.py", line_of(CALLERS, "    session, _ = session_and_name(engine)"), "SQA102"),
    ]
    callers = importlib.import_module("app.callers")
    for name, leaked in [("leaks", 1), ("closes", 0), ("leaks_session", 1), ("closes_session", 0)]:
        engine = create_engine(f"sqlite:///{app / 'db.sqlite'}", poolclass=QueuePool)
        outcome = run_measured(queue_pool(engine.pool), getattr(callers, name), engine)
        assert (outcome.value, outcome.open_at_exit) == (1, leaked), name


def test_the_message_names_the_unpacked_name_and_offers_no_with_fix(app: Path) -> None:
    (finding,) = [f for f in report(app) if f["code"] == "SQA101"]
    assert finding["message"].startswith(
        "Connection `connection` from `engine_and_connection(engine)` is never closed; "
        "use `with connection:`"
    )
    assert finding["fix"] is None
