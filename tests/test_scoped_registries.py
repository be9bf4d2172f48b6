"""A helper that makes a `scoped_session` registry per call (and returns it cast to
`Session`) hands the caller a registry that holds the session it makes until
`close()` or `remove()`: a caller that never closes it keeps a connection checked
out (SQA102 at the caller), one that closes it in `finally` does not, and the helper
itself, which returns what it made, is not reported."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool

from test_fix_runtime import queue_pool, run_measured
from test_project_wide import findings, importable, project

DB = """
from typing import cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker


def get_session(engine: Engine) -> Session:
    session = scoped_session(sessionmaker(bind=engine))
    return cast(Session, session)
"""

HANDLERS = """
from sqlalchemy import Engine, text

from bot.db import get_session


def buttons(engine: Engine):
    session = get_session(engine)
    return session.execute(text("SELECT 1")).scalar_one()


def handle(engine: Engine):
    session = get_session(engine)
    try:
        return session.execute(text("SELECT 1")).scalar_one()
    finally:
        session.close()
"""


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Path]:
    files = {"bot/__init__.py": "", "bot/db.py": DB, "bot/handlers.py": HANDLERS}
    root = project(tmp_path, files)
    with importable(root, "bot"):
        yield root


def test_the_caller_that_never_closes_the_registry_leaks(bot: Path) -> None:
    lines = HANDLERS.lstrip("\n").splitlines()
    leaking = lines.index("    session = get_session(engine)") + 1
    assert findings(bot, "SQA102") == [("bot/handlers.py", leaking, "SQA102")]
    handlers = importlib.import_module("bot.handlers")
    for name, leaked in [("buttons", 1), ("handle", 0)]:
        engine = create_engine(f"sqlite:///{bot / 'db.sqlite'}", poolclass=QueuePool)
        outcome = run_measured(queue_pool(engine.pool), getattr(handlers, name), engine)
        assert (outcome.value, outcome.open_at_exit) == (1, leaked), name
