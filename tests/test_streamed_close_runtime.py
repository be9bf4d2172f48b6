"""Closes that do or do not run, against a real SQLite database (the web framework
left out: only the view's body and what a server does with its result run).

- A streamed response whose generator closes the view's session after its last
  `yield`: a client that disconnects makes the server close the generator at a
  `yield` (`GeneratorExit`), the close never runs and the session keeps its
  connection checked out; SQA104 reports it. Closed in the generator's `finally`,
  nothing stays out, and SQA104 accepts it.
- A close after a project helper that catches every exception: a failing query in
  the helper does not skip the close, and SQA104 accepts it; a helper whose narrower
  handler re-raises does skip it, and SQA104 reports it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.close_not_guaranteed import CloseNotGuaranteed

STREAMED = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(URL)
SessionLocal = sessionmaker(bind=engine)

def export():
    db = SessionLocal()
    rows = db.execute(text("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3")).all()

    def generate():
{body}
    return generate()
"""
AFTER_THE_LAST_YIELD = """\
        for row in rows:
            yield f"{row[0]}\\n"
        db.close()
"""
IN_A_FINALLY = """\
        try:
            for row in rows:
                yield f"{row[0]}\\n"
        finally:
            db.close()
"""


def _run(source: str, tmp_path: Path) -> dict[str, Any]:
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    return namespace


def _reported(source: str) -> list[str]:
    return [d.code for d in check_source(source, rules=[CloseNotGuaranteed]).diagnostics]


@pytest.mark.parametrize(
    ("body", "left_out"),
    [(AFTER_THE_LAST_YIELD, 1), (IN_A_FINALLY, 0)],
    ids=["after-the-last-yield", "in-a-finally"],
)
def test_an_abandoned_stream_skips_a_close_after_its_yields(
    body: str, left_out: int, tmp_path: Path
) -> None:
    source = STREAMED.format(body=body)
    assert _reported(source) == (["SQA104"] if left_out else [])
    namespace = _run(source, tmp_path)
    engine = namespace["engine"]
    stream = namespace["export"]()
    assert list(stream) == ["1\n", "2\n", "3\n"]  # read to the end, it closes either way
    assert engine.pool.checkedout() == 0
    stream = namespace["export"]()
    assert next(stream) == "1\n"
    stream.close()  # what a WSGI server does when the client goes away
    assert engine.pool.checkedout() == left_out
    engine.dispose()


HELPER = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(URL)
SessionLocal = sessionmaker(bind=engine)

def first_call(db):
    try:
        rows = db.execute(text("SELECT 1 WHERE 0")).all()
        return rows[0][0]  # none: IndexError, a LookupError
    except {handler}
        return 0

def calls():
    db = SessionLocal()
    total = first_call(db)
    db.close()
    return total
"""
SWALLOWS = "Exception:"
RE_RAISES = "LookupError:\n        raise\n    except Exception:"


@pytest.mark.parametrize(
    ("handler", "left_out"), [(SWALLOWS, 0), (RE_RAISES, 1)], ids=["swallows", "re-raises"]
)
def test_a_helper_that_swallows_every_error_cannot_skip_the_close(
    handler: str, left_out: int, tmp_path: Path
) -> None:
    source = HELPER.format(handler=handler)
    assert _reported(source) == (["SQA104"] if left_out else [])
    namespace = _run(source, tmp_path)
    engine = namespace["engine"]
    if left_out:
        with pytest.raises(IndexError):
            namespace["calls"]()
    else:
        assert namespace["calls"]() == 0
    assert engine.pool.checkedout() == left_out
    engine.dispose()
