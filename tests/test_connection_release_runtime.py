"""What releases a connection, against a real SQLite database: `close()` and
`invalidate()` (which discards the DBAPI connection and frees its place in the pool)
leave nothing checked out and SQA101 accepts them; a connection left as it is stays
checked out, and SQA101 reports it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.connection_not_closed import ConnectionNotClosed

CODE = """
from sqlalchemy import create_engine, text

engine = create_engine(URL)

def recycle():
    connection = engine.connect()
    connection.execute(text("SELECT 1"))
{end}
"""


@pytest.mark.parametrize(
    ("end", "checked_out"),
    [("    connection.invalidate()", 0), ("    connection.close()", 0), ("", 1)],
)
def test_what_releases_a_connection(end: str, checked_out: int, tmp_path: Path) -> None:
    source = CODE.format(end=end)
    found = [d.code for d in check_source(source, rules=[ConnectionNotClosed]).diagnostics]
    assert found == ([] if checked_out == 0 else ["SQA101"])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    namespace["recycle"]()
    engine = namespace["engine"]
    assert engine.pool.checkedout() == checked_out
    engine.dispose()
