"""An engine made per call for the connection a helper returns: when the caller closes
that connection, the DBAPI connection goes back to the pool of an engine nothing else
keeps, and stays open there (SQA103's example `get_conn()`); only `dispose()` or the
garbage collector closes it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, event, text


def test_a_closed_connection_stays_open_in_the_abandoned_pool(tmp_path: Path) -> None:
    opened: list[sqlite3.Connection] = []

    def get_conn():  # type: ignore[no-untyped-def]
        engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
        event.listen(engine, "connect", lambda dbapi, record: opened.append(dbapi))
        return engine.connect()

    with get_conn() as conn:
        conn.execute(text("select 1"))
    pool = conn.engine.pool
    assert pool.checkedin() == 1  # back in the pool, not closed
    (dbapi,) = opened
    dbapi.execute("select 1")  # still open: a closed sqlite3 connection would raise
    conn.engine.dispose()


def test_an_engine_made_and_dropped_unused_opens_no_connection(tmp_path: Path) -> None:
    """SQA103 accepts a loop that builds each configured database's engine only to
    validate its settings and drops it: an engine connects on first use, so nothing
    is opened (SQLite would have created the file) and nothing is left behind."""
    opened: list[sqlite3.Connection] = []
    configs = {name: {"dsn": f"sqlite:///{tmp_path / name}.sqlite"} for name in ("a", "b")}

    def create_db_engine(config):  # type: ignore[no-untyped-def]
        engine = create_engine(config["dsn"])
        event.listen(engine, "connect", lambda dbapi, record: opened.append(dbapi))
        return engine

    for config in configs.values():
        create_db_engine(config)
    assert opened == []
    assert not any(tmp_path.iterdir())
