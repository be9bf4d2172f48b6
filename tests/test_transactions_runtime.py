"""SQA106 against a real SQLite database: the write the rule reports is gone once the
block ends (2.0 rolls back what was not committed), the fixed code keeps it, and code
the rule accepts keeps it too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.rules.uncommitted_write import UncommittedWrite

MODELS = """
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

metadata = MetaData()
items = Table("items", metadata, Column("id", Integer, primary_key=True), Column("name", String))


class Base(DeclarativeBase):
    metadata = metadata


class Item(Base):
    __table__ = items

engine = create_engine(URL)
SessionLocal = sessionmaker(bind=engine)
"""

# A loop that remembers it wrote, and commits at the end when it did ({skip}: what
# may leave an iteration before the flag is set).
FLAGGED = """
def add(name):
    with SessionLocal() as session:
        need_commit = False
        for row in [name]:
            session.add(Item(name=row))
            {skip}need_commit = True
        if need_commit:
            session.commit()
"""

REPORTED = {
    "committed under a condition the write is not under": """
def add(name, parse=True, full=False):
    with SessionLocal() as session:
        if parse:
            session.add(Item(name=name))
        if parse and full:
            session.commit()
""",
    "a flag the write may skip setting": FLAGGED.format(
        skip='if row.endswith("?"):\n                continue\n            '
    ),
    "core insert() in connect()": """
def add(name):
    with engine.connect() as conn:
        conn.execute(insert(items).values(name=name))
""",
    "Table.insert() in a loop": """
def add(name):
    with engine.connect() as conn:
        for n in [name]:
            conn.execute(items.insert().values(name=n))
""",
    "text() INSERT, commit only in a branch": """
def add(name, commit=False):
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO items (name) VALUES (:n)"), {"n": name})
        if commit:
            conn.commit()
""",
    "ORM add() then flush()": """
def add(name):
    with Session(engine) as session:
        session.add(Item(name=name))
        session.flush()
""",
    "connection assigned, closed without commit": """
def add(name):
    conn = engine.connect()
    conn.execute(insert(items).values(name=name))
    conn.close()
""",
    "sessionmaker session, add_all()": """
def add(name):
    with SessionLocal() as session:
        session.add_all([Item(name=name)])
""",
}

ACCEPTED = {
    "committed under the conditions the write is under": """
def add(name, parse=True, save=True):
    with SessionLocal() as session:
        if parse:
            if save:
                session.add(Item(name=name))
        if parse and save:
            session.commit()
""",
    "engine.begin()": """
def add(name):
    with engine.begin() as conn:
        conn.execute(insert(items).values(name=name))
""",
    "commit in a try": """
def add(name):
    with engine.connect() as conn:
        conn.execute(insert(items).values(name=name))
        try:
            conn.commit()
        except Exception:
            conn.rollback()
            raise
""",
    "session.begin() block": """
def add(name):
    with SessionLocal() as session:
        with session.begin():
            session.add(Item(name=name))
""",
    "sessionmaker.begin()": """
def add(name):
    with SessionLocal.begin() as session:
        session.add(Item(name=name))
""",
    "a session class whose __exit__ commits": """
class CommittingSession(Session):
    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.commit()
        finally:
            super().__exit__(exc_type, exc, tb)

CommittingSessionLocal = sessionmaker(bind=engine, class_=CommittingSession)

def add(name):
    with CommittingSessionLocal() as session:
        session.add(Item(name=name))
""",
    "an AUTOCOMMIT engine kept on the instance": """
class Store:
    def __init__(self):
        self.engine = create_engine(URL, isolation_level="AUTOCOMMIT")

    def append(self, name):
        with self.engine.connect() as conn:
            conn.execute(insert(items).values(name=name))

def add(name):
    store = Store()
    store.append(name)
    store.engine.dispose()
""",
    "commit in the else of a try": """
def add(name):
    session = SessionLocal()
    try:
        session.add(Item(name=name))
    except Exception:
        session.rollback()
        raise
    else:
        session.commit()
    finally:
        session.close()
""",
    "a flag set after the write, committed under it": FLAGGED.format(skip=""),
    "add and commit under the same test": """
def add(name):
    named = name is not None
    if named:
        session = SessionLocal()
        session.add(Item(name=name))
    print("routed")
    if named:
        session.commit()
        session.close()
""",
}


def _names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(text("SELECT name FROM items"))]
    finally:
        engine.dispose()


def _run(source: str, url: str, name: str) -> list[str]:
    namespace: dict[str, Any] = {"URL": url, "text": text}
    exec(compile(source, "<example>", "exec"), namespace)
    namespace["metadata"].create_all(namespace["engine"])
    namespace["add"](name)
    namespace["engine"].dispose()
    return _names(url)


@pytest.mark.parametrize("case", list(REPORTED))
def test_the_reported_write_is_lost_and_the_fix_keeps_it(case: str, tmp_path: Path) -> None:
    source = "from sqlalchemy import text\n" + MODELS + REPORTED[case]
    found = check_source(source, rules=[UncommittedWrite]).diagnostics
    assert [d.code for d in found] == ["SQA106"]
    assert _run(source, f"sqlite:///{tmp_path / 'lost.db'}", "kept?") == []  # rolled back
    if "with " not in REPORTED[case]:
        return  # no `with` block: no place the fix can commit at (no fix offered)
    fixed = fix_source(source, rules=[UncommittedWrite], unsafe=True)
    assert fixed.applied == 1 and not fixed.remaining.diagnostics
    assert _run(fixed.source, f"sqlite:///{tmp_path / 'kept.db'}", "kept") == ["kept"]


def test_the_fix_is_unsafe_and_not_applied_by_default() -> None:
    source = "from sqlalchemy import text\n" + MODELS + REPORTED["ORM add() then flush()"]
    assert fix_source(source, rules=[UncommittedWrite]).applied == 0


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_accepted_writes_are_kept(case: str, tmp_path: Path) -> None:
    source = "from sqlalchemy import text\n" + MODELS + ACCEPTED[case]
    assert check_source(source, rules=[UncommittedWrite]).diagnostics == []
    assert _run(source, f"sqlite:///{tmp_path / 'kept.db'}", "kept") == ["kept"]


REATTACHED = """
def load(obj, prop):
    with SessionLocal() as session:
        session.add(obj)
        session.refresh(obj)
        return getattr(obj, prop)
"""


def _with_a_saved_item(source: str, url: str) -> tuple[dict[str, Any], Any]:
    """The module `source` run on the database `url`, with one item saved there, and
    that item as its session left it: loaded, then detached."""
    namespace: dict[str, Any] = {"URL": url, "text": text}
    exec(compile(source, "<example>", "exec"), namespace)
    namespace["metadata"].create_all(namespace["engine"])
    with namespace["SessionLocal"]() as session:
        session.add(namespace["Item"](name="saved"))
        session.commit()
        detached = session.get(namespace["Item"], 1)
    return namespace, detached


def test_an_object_added_again_to_load_it_loses_no_write(tmp_path: Path) -> None:
    """`session.add(obj)` of an object loaded and detached elsewhere, then only loads of
    it: nothing was to be written, and the rows are as they were. (`refresh()` of an
    object that was new would raise: the code can only mean a persistent one.)"""
    source = "from sqlalchemy import text\n" + MODELS + REATTACHED
    assert check_source(source, rules=[UncommittedWrite]).diagnostics == []
    url = f"sqlite:///{tmp_path / 'reattached.db'}"
    namespace, detached = _with_a_saved_item(source, url)
    assert namespace["load"](detached, "name") == "saved"
    with pytest.raises(Exception, match="is not persistent"):
        namespace["load"](namespace["Item"](name="new"), "name")
    namespace["engine"].dispose()
    assert _names(url) == ["saved"]


# An item loaded and detached elsewhere (a global, as Flask-Login's `current_user`),
# merged into this session to read it; {change} may change it before the block ends.
MERGED = """
current_item = None

def rename(name):
    with SessionLocal() as session:
        item = session.merge(current_item)
        seen = item.name
{change}    return seen
"""


@pytest.mark.parametrize(
    ("change", "reported"), [("", False), ("        item.name = name\n", True)]
)
def test_an_object_merged_to_read_it_loses_no_write(
    change: str, reported: bool, tmp_path: Path
) -> None:
    """`item = session.merge(current_item)` then only reads of it: there was nothing to
    write, and the row is as it was; a change to it after the merge is lost at the end
    of the block, and reported."""
    source = "from sqlalchemy import text\n" + MODELS + MERGED.format(change=change)
    found = [d.code for d in check_source(source, rules=[UncommittedWrite]).diagnostics]
    assert found == (["SQA106"] if reported else [])
    url = f"sqlite:///{tmp_path / 'merged.db'}"
    namespace, detached = _with_a_saved_item(source, url)
    namespace["current_item"] = detached
    assert namespace["rename"]("renamed") == "saved"
    namespace["engine"].dispose()
    assert _names(url) == ["saved"]  # the rename, when made, was not kept
