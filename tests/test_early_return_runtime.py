"""A session closed on every path but an early `return`, against a real SQLite
database: the path through that `return` leaves the session's connection checked out
of the pool, and SQA104 reports it; closing before the `return` leaves nothing out, and
SQA104 accepts it. (The handler's own framework is left out: only its body runs.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.close_not_guaranteed import CloseNotGuaranteed

CODE = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(URL)
Session = sessionmaker(bind=engine)

def delete_user(name):
    session = Session()
    try:
        user = session.execute(text("SELECT 1 WHERE :n = 'ann'"), {{"n": name}}).first()
        if user is None:
{not_found}
            return "not found", 404
        session.commit()
        session.close()
        return "deleted", 200
    except Exception as e:
        session.rollback()
        session.close()
        return str(e), 500
"""


@pytest.mark.parametrize(
    ("not_found", "checked_out"),
    [("            session.close()", 0), ("            pass", 1)],
)
def test_an_early_return_leaves_the_session_open(
    not_found: str, checked_out: int, tmp_path: Path
) -> None:
    source = CODE.format(not_found=not_found)
    found = [d.code for d in check_source(source, rules=[CloseNotGuaranteed]).diagnostics]
    assert found == ([] if checked_out == 0 else ["SQA104"])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    assert namespace["delete_user"]("ann") == ("deleted", 200)
    engine = namespace["engine"]
    assert engine.pool.checkedout() == 0
    assert namespace["delete_user"]("bob") == ("not found", 404)
    assert engine.pool.checkedout() == checked_out
    engine.dispose()
