"""This thread's session of a module-level `scoped_session` registry, which a
function takes by using it and closes itself, against a real SQLite database: a
failing first query skips a close written after it, and the thread's session keeps
its connection checked out (SQA104 reports it); a close in a `finally` around that
query returns it (SQA104 accepts it)."""

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


@pytest.mark.parametrize(
    ("body", "left_out"), [(NEXT_LINE, 1), (IN_A_FINALLY, 0)], ids=["next-line", "finally"]
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
