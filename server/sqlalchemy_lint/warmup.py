"""Pay a new process's one-time costs before the first file is opened.

The first analysis in a process imports every rule module and the modules they load
lazily, and compiles their regular expressions: about 12 ms on a typical application
file that parses in 24 ms (Netflix/dispatch's `incident/views.py`), so half the budget
of the first publish went on costs that have nothing to do with that file. The language
server pays them while it answers `initialize` (the client waits for that answer
anyway, and nothing else can happen before it), by analysing the small module below
with every rule, without a project and without fixes.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)

# Touches what most application files touch: an engine, a session factory, a
# connection and a session, a query, a relationship, a text() statement.
_SAMPLE = """\
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, relationship, sessionmaker


class Base(DeclarativeBase):
    pass


class Parent(Base):
    __tablename__ = "parent"
    children: Mapped[list["Child"]] = relationship()


engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)


def handler(name):
    conn = engine.connect()
    conn.execute(text("SELECT * FROM parent WHERE name = '%s'" % name))
    session = SessionLocal()
    try:
        for parent in session.scalars(select(Parent)):
            print(parent.children)
        session.commit()
    except Exception:
        pass
    with Session(engine) as other:
        other.add(Parent())
"""


def warm_up() -> float:
    """Analyse the sample once; returns the seconds it took. Never raises: a failure
    here only means the first real analysis pays these costs itself."""
    started = time.perf_counter()
    try:
        from .checker import check_source
        from .rules import all_rules
        from .semantic import ProjectIndex

        check_source(_SAMPLE, None, rules=all_rules(), project=ProjectIndex(), with_fixes=False)
    except Exception:
        log.debug("warming up failed", exc_info=True)
    return time.perf_counter() - started
