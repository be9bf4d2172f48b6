"""`engine.connect().execution_options(...)` is the connection `connect()` checked out,
with an option set: whoever receives it owns that connection, as the checker says
(SQA101 at the caller of a helper that returns it; see the rule's examples)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text


def test_the_options_call_hands_back_the_checked_out_connection(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    connection = engine.connect()
    with_options = connection.execution_options(isolation_level="AUTOCOMMIT")
    with_options.execute(text("select 1"))
    assert engine.pool.checkedout() == 1  # one connection, not a second one
    with_options.close()
    assert engine.pool.checkedout() == 0  # closing what the helper returned returns it
    engine.dispose()
