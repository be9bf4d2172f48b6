"""A `Session()` bound to nothing holds no pool slot: it can connect nowhere (a query
raises), so SQA102 and SQA106 leave it alone; the same code on an engine is reported."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, text
from sqlalchemy.exc import UnboundExecutionError
from sqlalchemy.orm import DeclarativeBase, Session

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.session_not_closed import SessionNotClosed
from sqlalchemy_lint.rules.uncommitted_write import UncommittedWrite

SCRATCH = """
from sqlalchemy.orm import Session

def cascaded(instance):
    session = Session(BIND)
    session.add(instance)
    related = list(session.new)
    session.expunge_all()
    return related
"""


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id = Column(Integer, primary_key=True)


def _codes(code: str) -> list[str]:
    result = check_source(code, rules=[SessionNotClosed, UncommittedWrite])
    return sorted(d.code for d in result.diagnostics)


def test_an_unbound_session_is_not_reported_and_cannot_connect() -> None:
    assert _codes(SCRATCH.replace("BIND", "")) == []
    session = Session()
    session.add(Item(id=1))
    assert len(session.new) == 1
    with pytest.raises(UnboundExecutionError):
        session.execute(text("SELECT 1"))


def test_the_same_session_on_an_engine_is_reported() -> None:
    code = "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n"
    assert _codes(code + SCRATCH.replace("BIND", "engine")) == ["SQA102", "SQA106"]
