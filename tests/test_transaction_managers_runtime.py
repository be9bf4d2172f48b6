"""Sessions registered with zope.sqlalchemy, against a real SQLite database: the
`transaction` manager commits what they wrote and zope.sqlalchemy closes them, so
SQA102 and SQA106 leave them alone; the same code without the registration keeps its
connection checked out and loses the write, and is reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.session_not_closed import SessionNotClosed
from sqlalchemy_lint.rules.uncommitted_write import UncommittedWrite

PROGRAM = """
import transaction
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from zope.sqlalchemy import register

metadata = MetaData()
items = Table("items", metadata, Column("id", Integer, primary_key=True), Column("name", String))


class Base(DeclarativeBase):
    metadata = metadata


class Item(Base):
    __table__ = items


def main(url, names):
    engine = create_engine(url)
    metadata.create_all(engine)
    Session = sessionmaker()
    {register}
    session = Session(bind=engine)
    with transaction.manager:
        for name in names:
            session.add(Item(name=name))
            session.flush()
    return engine
"""


def _run(source: str, url: str) -> tuple[int, list[str]]:
    """Runs `main()`; answers how many connections it left checked out, and the rows
    another connection sees."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "<example>", "exec"), namespace)
    engine = namespace["main"](url, ["kept"])
    checked_out = engine.pool.checkedout()
    engine.dispose()
    reader = create_engine(url)
    try:
        with reader.connect() as conn:
            names = [row[0] for row in conn.execute(text("SELECT name FROM items"))]
    finally:
        reader.dispose()
    return checked_out, names


def _codes(source: str) -> list[str]:
    found = check_source(source, rules=[SessionNotClosed, UncommittedWrite]).diagnostics
    return sorted(d.code for d in found)


def test_a_registered_session_is_committed_and_closed_by_the_manager(tmp_path: Path) -> None:
    source = PROGRAM.format(register="register(Session)")
    assert _codes(source) == []
    assert _run(source, f"sqlite:///{tmp_path / 'managed.db'}") == (0, ["kept"])


def test_the_same_session_unregistered_leaks_and_loses_the_write(tmp_path: Path) -> None:
    source = PROGRAM.format(register="pass")
    assert "SQA102" in _codes(source)
    assert _run(source, f"sqlite:///{tmp_path / 'unmanaged.db'}") == (1, [])
