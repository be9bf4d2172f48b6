"""Who must close a session handed over, against a real SQLite database.

A generator that yields it once (a FastAPI dependency, a pytest fixture, a context
manager) is resumed after the `yield` to clean up, so a generator with nothing there
(or with `db.close`, not called) leaves the session's connection checked out, and
SQA102 reports it; one that closes it there, or uses `with`, does not. A session read
off a wrapper the caller drops at once (`Db().session`) is the caller's."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.close_not_guaranteed import CloseNotGuaranteed
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


def _loaded(source: str, database: Path) -> dict[str, Any]:
    """The example's module, run against the SQLite file `database`."""
    namespace: dict[str, Any] = {"URL": f"sqlite:///{database}", "text": text}
    exec(compile(source, "<example>", "exec"), namespace)
    return namespace


def _leaky_reported_and_left_checked_out(source: str, line: int, tmp_path: Path) -> None:
    """SQA102 reports `line` (in `leaky()`) and nothing else; run against SQLite,
    `leaky()` leaves its connection checked out and `closing()` returns it."""
    found = check_source(source, rules=[SessionNotClosed]).diagnostics
    assert [(d.code, d.span.start.line) for d in found] == [("SQA102", line)]
    for function, checked_out in (("closing", 0), ("leaky", 1)):
        namespace = _loaded(source, tmp_path / f"{function}.db")
        assert namespace[function]() == 1
        engine = namespace["engine"]
        assert engine.pool.checkedout() == checked_out
        engine.dispose()


WRAPPER = """
class Db:
    def __init__(self):
        self.session = SessionLocal()

    def drop(self):
        self.session.close()
"""


def test_a_session_read_off_a_dropped_wrapper_stays_checked_out(tmp_path: Path) -> None:
    """`session = Db().session`: the wrapper is gone at once and the session is the
    caller's; SQA102 reports the function that never closes it, whose connection stays
    checked out, and not the one that closes it."""
    source = (
        DATABASE
        + WRAPPER
        + """
def leaky():
    session = Db().session
    return session.execute(text("SELECT 1")).scalar()

def closing():
    session = Db().session
    try:
        return session.execute(text("SELECT 1")).scalar()
    finally:
        session.close()
"""
    )
    _leaky_reported_and_left_checked_out(
        source, source.splitlines().index("    session = Db().session") + 1, tmp_path
    )


UNIT_OF_WORK = """
class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory=SessionLocal):
        self.session_factory = session_factory

    def __enter__(self):
        self.session = self.session_factory()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.session.commit()
"""


@pytest.mark.parametrize("closes", [False, True])
def test_a_unit_of_work_whose_exit_does_not_close_keeps_a_connection_per_block(
    closes: bool, tmp_path: Path
) -> None:
    """A unit of work (Architecture Patterns with Python) makes a session in
    `__enter__`; when `__exit__` only commits, every `with uow:` block that fails
    leaves its session holding a connection, which SQA102 reports; closing it there
    returns it."""
    source = DATABASE + UNIT_OF_WORK
    if closes:
        source += "        self.session.close()\n"
    found = check_source(source, rules=[SessionNotClosed]).diagnostics
    line = source.splitlines().index("        self.session = self.session_factory()") + 1
    assert [(d.code, d.span.start.line) for d in found] == ([] if closes else [("SQA102", line)])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'uow.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    kept = []
    for _ in range(2):
        with contextlib.suppress(LookupError), namespace["SqlAlchemyUnitOfWork"]() as uow:
            kept.append(uow)  # the application keeps its unit of work (a service's)
            uow.session.execute(text("SELECT 1"))
            raise LookupError("no such product")
    engine = namespace["engine"]
    assert engine.pool.checkedout() == (0 if closes else 2)
    engine.dispose()


ADAPTOR = """
class PlatformAdaptor:
    def start_session(self):
        self.session = SessionLocal()

    def close_session(self):
        self.session.close()

    def store(self, fail):
        self.session.execute(text("SELECT 1"))
        if fail:
            raise ValueError("a row the table refuses")

def load_unguarded(fail):
    pl = PlatformAdaptor()
    pl.start_session()
    pl.store(fail)
    pl.close_session()

def load_guarded(fail):
    pl = PlatformAdaptor()
    pl.start_session()
    try:
        pl.store(fail)
    finally:
        pl.close_session()
"""


def test_a_session_an_objects_method_opens_is_closed_by_its_closing_method(
    tmp_path: Path,
) -> None:
    """`pl.start_session()` keeps a new session on the object, `pl.close_session()`
    closes it: SQA104 reports the function that calls the close outside a `finally`,
    whose failing store leaves the connection checked out, and not the one that
    closes it in a `finally`."""
    source = DATABASE + ADAPTOR
    found = check_source(source, rules=[CloseNotGuaranteed, SessionNotClosed]).diagnostics
    assert [(d.code, d.span.start.line) for d in found] == [
        ("SQA104", source.splitlines().index("def load_unguarded(fail):") + 3)
    ]
    for function, checked_out in (("load_guarded", 0), ("load_unguarded", 1)):
        namespace = _loaded(source, tmp_path / f"{function}.db")
        namespace[function](fail=False)
        with contextlib.suppress(ValueError):
            namespace[function](fail=True)
        engine = namespace["engine"]
        assert engine.pool.checkedout() == checked_out
        engine.dispose()


KEEPER = """
class DBSession:
    def __init__(self, session):
        self._session = session

    def one(self):
        return self._session.execute(text("SELECT 1")).scalar()

    def close_session(self):
        self._session.close()


def make_session():
    return DBSession(SessionLocal())
"""


def test_a_session_kept_by_a_project_object_is_closed_by_its_method(tmp_path: Path) -> None:
    """`db = make_session()` returns the session inside an object whose
    `close_session()` closes it: the caller that never calls it leaves the connection
    checked out (SQA102, at the call), the one that calls it in a `finally` does not."""
    source = (
        DATABASE
        + KEEPER
        + """
def leaky():
    db = make_session()
    return db.one()

def closing():
    db = make_session()
    try:
        return db.one()
    finally:
        db.close_session()
"""
    )
    _leaky_reported_and_left_checked_out(
        source, source.splitlines().index("def leaky():") + 2, tmp_path
    )
