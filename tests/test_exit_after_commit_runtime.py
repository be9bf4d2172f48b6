"""Closes that a failing commit skips, against a real SQLite database.

A unit of work whose `__exit__` commits and then closes the session it opened in
`__enter__`: a commit that fails (a constraint) raises out of `__exit__` before the
close, and the session keeps its connection checked out (SQA104 reports it); a close in
a `finally` returns it (SQA104 accepts it). The same for a `scoped_session` registry a
helper makes anew on every call, removed at the end of the function that got it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.close_not_guaranteed import CloseNotGuaranteed

UNIT_OF_WORK = """
from sqlalchemy import Column, String, create_engine
from sqlalchemy.orm import declarative_base, sessionmaker

engine = create_engine(URL)
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()

class User(Base):
    __tablename__ = "users"
    name = Column(String, primary_key=True)

class UnitOfWork:
    def __enter__(self):
        self.session = SessionLocal()
        return self

    def __exit__(self, exc_type, exc, tb):
{exit}

def add_user(name):
    with UnitOfWork() as uow:
        uow.session.add(User(name=name))  # flushed by the commit in `__exit__`
"""
CLOSE_AFTER = """\
        if exc_type is None:
            self.session.commit()
        else:
            self.session.rollback()
        self.session.close()
"""
CLOSE_IN_A_FINALLY = """\
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
"""

PER_CALL_REGISTRY = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine(URL)

def get_session():
    return scoped_session(sessionmaker(bind=engine))

def add_user(name):
    database = get_session()
{body}
"""
REMOVED_AFTER = """\
    database.execute(text("INSERT INTO users (name) VALUES (:n)"), {"n": name})
    database.commit()
    database.remove()
"""
REMOVED_IN_A_FINALLY = """\
    try:
        database.execute(text("INSERT INTO users (name) VALUES (:n)"), {"n": name})
        database.commit()
    finally:
        database.remove()
"""


@pytest.mark.parametrize(
    ("source", "left_out"),
    [
        (UNIT_OF_WORK.format(exit=CLOSE_AFTER), 1),
        (UNIT_OF_WORK.format(exit=CLOSE_IN_A_FINALLY), 0),
        (PER_CALL_REGISTRY.format(body=REMOVED_AFTER), 1),
        (PER_CALL_REGISTRY.format(body=REMOVED_IN_A_FINALLY), 0),
    ],
    ids=["exit-close-after", "exit-finally", "registry-after", "registry-finally"],
)
def test_a_failing_commit_skips_a_close_after_it(
    source: str, left_out: int, tmp_path: Path
) -> None:
    found = [d.code for d in check_source(source, rules=[CloseNotGuaranteed]).diagnostics]
    assert found == (["SQA104"] if left_out else [])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    engine = namespace["engine"]
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE users (name TEXT UNIQUE)")
        conn.exec_driver_sql("INSERT INTO users (name) VALUES ('ada')")
    with pytest.raises(IntegrityError):  # the name is taken: the commit (or flush) fails
        namespace["add_user"]("ada")
    assert engine.pool.checkedout() == left_out
    engine.dispose()
