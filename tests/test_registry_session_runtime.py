"""This thread's session of a `scoped_session` registry, which a function takes by
using the registry (or by calling it: `session = SESSION()`, also on a registry kept on
the instance) and closes itself, against a real SQLite database: a failing first query
skips a close written after it, and the thread's session keeps its connection checked
out (SQA104 reports it); a close in a `finally` around that query returns it (SQA104
accepts it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.close_not_guaranteed import CloseNotGuaranteed

CODE = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine(URL)
SESSION = scoped_session(sessionmaker(bind=engine))

def get_rules(chat_id):
{body}
"""
NEXT_LINE = """\
    rows = SESSION.execute(text("SELECT rules FROM rules WHERE chat_id = :c"), {"c": chat_id})
    SESSION.close()
    return rows
"""
IN_A_FINALLY = """\
    try:
        return SESSION.execute(text("SELECT rules FROM rules WHERE chat_id = :c"), {"c": chat_id})
    finally:
        SESSION.close()
"""


TAKEN_BY_A_CALL = """\
    session = SESSION()
    rows = session.execute(text("SELECT rules FROM rules WHERE chat_id = :c"), {"c": chat_id})
    session.close()
    return rows
"""
TAKEN_BY_A_CALL_IN_A_FINALLY = """\
    session = SESSION()
    try:
        return session.execute(text("SELECT rules FROM rules WHERE chat_id = :c"), {"c": chat_id})
    finally:
        session.close()
"""
# Taken again after the first take is closed: each take is held to the same.
FIRST_TAKE = """\
    session = SESSION()
    try:
        session.execute(text("SELECT 1"))
    finally:
        session.close()
"""
TAKEN_AGAIN = FIRST_TAKE + TAKEN_BY_A_CALL
TAKEN_AGAIN_IN_A_FINALLY = FIRST_TAKE + TAKEN_BY_A_CALL_IN_A_FINALLY


@pytest.mark.parametrize(
    ("body", "left_out"),
    [
        (NEXT_LINE, 1),
        (IN_A_FINALLY, 0),
        (TAKEN_BY_A_CALL, 1),
        (TAKEN_BY_A_CALL_IN_A_FINALLY, 0),
        (TAKEN_AGAIN, 1),
        (TAKEN_AGAIN_IN_A_FINALLY, 0),
    ],
    ids=[
        "next-line",
        "finally",
        "called-next-line",
        "called-finally",
        "taken-again-next-line",
        "taken-again-finally",
    ],
)
def test_a_failing_first_use_skips_a_close_after_it(
    body: str, left_out: int, tmp_path: Path
) -> None:
    source = CODE.format(body=body)
    found = [d.code for d in check_source(source, rules=[CloseNotGuaranteed]).diagnostics]
    assert found == (["SQA104"] if left_out else [])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    engine = namespace["engine"]
    with pytest.raises(OperationalError):  # no `rules` table
        namespace["get_rules"]("42")
    assert engine.pool.checkedout() == left_out
    namespace["SESSION"].remove()
    engine.dispose()


INSTANCE_REGISTRY = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

class Storage:
    def __init__(self, url):
        self.engine = create_engine(url)
        self.Session = scoped_session(sessionmaker(bind=self.engine))

    def count(self):
        session = self.Session()
        count = session.execute(text("SELECT count(*) FROM statements")).scalar()
        session.close()
        return count
"""


def test_a_registry_on_the_instance_keeps_the_session_a_failure_skips(tmp_path: Path) -> None:
    found = [
        d.code for d in check_source(INSTANCE_REGISTRY, rules=[CloseNotGuaranteed]).diagnostics
    ]
    assert found == ["SQA104"]
    namespace: dict[str, Any] = {}
    exec(compile(INSTANCE_REGISTRY, "<example>", "exec"), namespace)
    storage = namespace["Storage"](f"sqlite:///{tmp_path / 'chat.db'}")
    with pytest.raises(OperationalError):  # no `statements` table
        storage.count()
    assert storage.engine.pool.checkedout() == 1
    storage.Session.remove()
    assert storage.engine.pool.checkedout() == 0
