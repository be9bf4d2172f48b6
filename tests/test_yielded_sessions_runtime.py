"""Sessions a generator yields once (a FastAPI dependency, a pytest fixture, a context
manager), against a real SQLite database: the framework resumes the generator after
the `yield` to clean up, so a generator with nothing there (or with `db.close`, not
called) leaves the session's connection checked out, and SQA102 reports it; one that
closes it there, or uses `with`, does not."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.session_not_closed import SessionNotClosed

DATABASE = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(URL)
SessionLocal = sessionmaker(bind=engine)
"""

LEAKING = {
    "nothing after the yield": """
def get_db():
    db = SessionLocal()
    yield db
""",
    "yielded as made": """
def get_db():
    yield SessionLocal()
""",
    "close not called": """
def get_db():
    try:
        db = SessionLocal()
        yield db
    finally:
        db.close
""",
}

CLOSING = {
    "close in finally": """
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
""",
    "with block": """
def get_db():
    with SessionLocal() as db:
        yield db
""",
}


def _checked_out_after_a_request(source: str, tmp_path: Path) -> int:
    """Runs `get_db` as FastAPI runs a dependency (enter, use, resume to clean up) and
    answers how many connections are still checked out of the pool."""
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    with contextlib.contextmanager(namespace["get_db"])() as db:
        db.execute(text("SELECT 1"))
    engine = namespace["engine"]
    checked_out: int = engine.pool.checkedout()
    engine.dispose()
    return checked_out


def _codes(source: str) -> list[str]:
    return [d.code for d in check_source(source, rules=[SessionNotClosed]).diagnostics]


@pytest.mark.parametrize("case", list(LEAKING))
def test_a_dependency_without_cleanup_keeps_its_connection(case: str, tmp_path: Path) -> None:
    source = DATABASE + LEAKING[case]
    assert _codes(source) == ["SQA102"]
    assert _checked_out_after_a_request(source, tmp_path) == 1


@pytest.mark.parametrize("case", list(CLOSING))
def test_a_dependency_that_closes_returns_it(case: str, tmp_path: Path) -> None:
    source = DATABASE + CLOSING[case]
    assert _codes(source) == []
    assert _checked_out_after_a_request(source, tmp_path) == 0
