"""A session taken from a dependency's generator with `next(gen)` and released by
closing the generator, against a real SQLite database.

Closing the generator runs its `finally`, which closes the session: nothing stays
checked out, and SQA102 does not call the session never closed. A failure before a
`gen.close()` outside a `finally` skips it: while the exception is alive (a handler
that logs it, a framework's error page) the generator stays suspended and the
session keeps its connection; SQA104 reports that, and accepts the `finally` form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.close_not_guaranteed import CloseNotGuaranteed
from sqlalchemy_lint.rules.session_not_closed import SessionNotClosed

SOURCE = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(URL)
SessionLocal = sessionmaker(bind=engine)

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()

def count(fail):
    gen = get_db()
    db = next(gen)
{body}"""
OUTSIDE_A_FINALLY = """\
    value = db.execute(text("SELECT 1")).scalar()
    if fail:
        raise ValueError("bad input")
    gen.close()
    return value
"""
IN_A_FINALLY = """\
    try:
        value = db.execute(text("SELECT 1")).scalar()
        if fail:
            raise ValueError("bad input")
        return value
    finally:
        gen.close()
"""


def _reported(source: str) -> list[str]:
    rules = [SessionNotClosed, CloseNotGuaranteed]
    return [d.code for d in check_source(source, rules=rules).diagnostics]


@pytest.mark.parametrize(
    ("body", "left_out"),
    [(OUTSIDE_A_FINALLY, 1), (IN_A_FINALLY, 0)],
    ids=["outside-a-finally", "in-a-finally"],
)
def test_closing_the_generator_closes_its_session(body: str, left_out: int, tmp_path: Path) -> None:
    source = SOURCE.format(body=body)
    assert _reported(source) == (["SQA104"] if left_out else [])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    engine = namespace["engine"]
    assert namespace["count"](False) == 1
    assert engine.pool.checkedout() == 0
    with pytest.raises(ValueError) as failure:
        namespace["count"](True)
    # The exception (kept here as a handler keeps it to log) holds the frame, and the
    # frame the suspended generator.
    assert engine.pool.checkedout() == left_out
    del failure
