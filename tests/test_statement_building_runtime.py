"""A session used only to build statements (`session.query(...).subquery()`,
`.cte()`, `.statement`) takes no connection, against a real SQLite database: nothing
is checked out while it lives, and SQA102 says nothing of it; once a query of it
runs (`.all()`), it holds a connection until closed, and SQA102 reports it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.session_not_closed import SessionNotClosed

CODE = """
from sqlalchemy import Column, Integer, String, create_engine, func
from sqlalchemy.orm import Session, declarative_base

Base = declarative_base()

class Claim(Base):
    __tablename__ = "claims"
    id = Column(Integer, primary_key=True)
    kind = Column(String)
    amount = Column(Integer)

engine = create_engine(URL)
Base.metadata.create_all(engine)

def totals(connection):
    session = Session(engine)
    paid = session.query(Claim.id, func.sum(Claim.amount).label("paid")).group_by(Claim.id){built}
    statement = session.query(paid).statement
    CHECKED_OUT.append(engine.pool.checkedout())  # while the session lives
    return connection.execute(statement).all()
"""


@pytest.mark.parametrize(
    ("built", "checked_out"),
    [(".subquery()", 0), (".cte()", 0), (".subquery()\n    session.query(Claim).all()", 1)],
)
def test_a_session_that_only_builds_statements_takes_no_connection(
    built: str, checked_out: int, tmp_path: Path
) -> None:
    source = CODE.format(built=built)
    found = [d.code for d in check_source(source, rules=[SessionNotClosed]).diagnostics]
    assert found == ([] if checked_out == 0 else ["SQA102"])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}", "CHECKED_OUT": []}
    exec(compile(source, "<example>", "exec"), namespace)
    engine = namespace["engine"]
    with engine.connect() as connection:
        assert namespace["totals"](connection) == []
    assert namespace["CHECKED_OUT"] == [1 + checked_out]  # `connection` is one
    engine.dispose()
