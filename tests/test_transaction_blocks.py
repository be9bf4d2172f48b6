"""Sessions used only inside `with session.begin():` blocks return their connection at
the end of each block, and `next(get_session())` runs the generator's cleanup at
once: what the checker reports there leaks against a real SQLite database, and what
it leaves alone does not."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool

from test_fix_runtime import queue_pool, run_measured
from test_project_wide import findings, importable, project, report

DB = """
from sqlalchemy import Engine
from sqlalchemy.orm import Session


def get_session(engine: Engine):
    session = Session(engine)
    try:
        yield session
    finally:
        session.close()
"""

COMMANDS = """
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.db import get_session


def in_blocks(engine: Engine):
    session = Session(engine)
    with session.begin():
        session.execute(text("SELECT 1"))
    with session.begin():
        return session.execute(text("SELECT 1")).scalar_one()


def after_a_block(engine: Engine):
    session = Session(engine)
    with session.begin():
        session.execute(text("SELECT 1"))
    return session.execute(text("SELECT 1")).scalar_one()


def generator_in_a_block(engine: Engine):
    session = next(get_session(engine))
    with session.begin():
        return session.execute(text("SELECT 1")).scalar_one()


def generator_used_after_cleanup(engine: Engine):
    session = next(get_session(engine))
    return session.execute(text("SELECT 1")).scalar_one()


def rolled_back_around_a_block(engine: Engine):
    session = next(get_session(engine))
    try:
        with session.begin():
            session.execute(text("SELECT 1"))
            session.execute(text("SELECT * FROM missing"))
    except Exception:
        session.rollback()
    return 1
"""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Path]:
    root = project(tmp_path, {"app/__init__.py": "", "app/db.py": DB, "app/commands.py": COMMANDS})
    with importable(root, "app"):
        yield root


def lines_of(source: str, needle: str) -> list[int]:
    lines = source.lstrip("\n").splitlines()
    return [i for i, line in enumerate(lines, 1) if line == needle]


def test_what_is_reported_leaks_and_what_is_not_releases(app: Path) -> None:
    after_a_block = lines_of(COMMANDS, "    session = Session(engine)")[1]
    generator = lines_of(COMMANDS, "    session = next(get_session(engine))")[1]
    assert findings(app, "SQA102") == [
        ("app/commands.py", after_a_block, "SQA102"),
        ("app/commands.py", generator, "SQA102"),
    ]
    commands = importlib.import_module("app.commands")
    for name, leaked in [
        ("in_blocks", 0),
        ("after_a_block", 1),
        ("generator_in_a_block", 0),
        ("generator_used_after_cleanup", 1),
        ("rolled_back_around_a_block", 0),
    ]:
        engine = create_engine(f"sqlite:///{app / 'db.sqlite'}", poolclass=QueuePool)
        outcome = run_measured(queue_pool(engine.pool), getattr(commands, name), engine)
        assert (outcome.value, outcome.open_at_exit) == (1, leaked), name


def test_a_session_from_next_is_said_to_be_closed_before_its_uses(app: Path) -> None:
    messages = [f["message"] for f in report(app) if f["code"] == "SQA102"]
    assert any(
        m.startswith(
            "Session from `next(get_session(engine))` is not closed after its uses "
            "(`next()` drops the generator at once, so its cleanup runs before them)"
        )
        for m in messages
    )


HANDLERS = """
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session


def rolled_back_in_the_handler(engine: Engine):
    session = Session(engine)
    try:
        session.execute(text("SELECT 1"))
        session.execute(text("SELECT * FROM missing"))
        session.close()
    except Exception:
        session.rollback()
    return 1


def only_printed_in_the_handler(engine: Engine):
    session = Session(engine)
    try:
        session.execute(text("SELECT 1"))
        session.execute(text("SELECT * FROM missing"))
        session.close()
    except Exception as error:
        print(error)
    return 1
"""


def test_a_rollback_in_the_handler_returns_the_connection(tmp_path: Path) -> None:
    root = project(tmp_path, {"jobs/__init__.py": "", "jobs/handlers.py": HANDLERS})
    printed = lines_of(HANDLERS, "    session = Session(engine)")[1]
    assert findings(root, "SQA104") == [("jobs/handlers.py", printed, "SQA104")]
    with importable(root, "jobs"):
        handlers = importlib.import_module("jobs.handlers")
        for name, leaked in [("rolled_back_in_the_handler", 0), ("only_printed_in_the_handler", 1)]:
            engine = create_engine(f"sqlite:///{root / 'db.sqlite'}", poolclass=QueuePool)
            outcome = run_measured(queue_pool(engine.pool), getattr(handlers, name), engine)
            assert (outcome.value, outcome.open_at_exit) == (1, leaked), name
