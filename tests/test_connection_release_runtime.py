"""What releases a connection, against a real SQLite database: `close()`,
`__exit__()` called by hand and `invalidate()` (which discards the DBAPI connection
and frees its place in the pool)
leave nothing checked out and SQA101 accepts them; a connection left as it is stays
checked out, and SQA101 reports it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules import close_not_guaranteed
from sqlalchemy_lint.rules.close_not_guaranteed import CloseNotGuaranteed
from sqlalchemy_lint.rules.connection_not_closed import ConnectionNotClosed
from sqlalchemy_lint.rules.session_not_closed import SessionNotClosed

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
    [
        ("    connection.invalidate()", 0),
        ("    connection.close()", 0),
        ("    connection.__exit__(None, None, None)", 0),  # a `with` block's end, by hand
        ("", 1),
    ],
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


HANDED = """
from sqlalchemy import create_engine, text

engine = create_engine(URL)
with engine.begin() as setup:
    setup.execute(text("CREATE TABLE rates (name TEXT PRIMARY KEY, rate REAL)"))

def insert_rates(connection, rates):
    connection.execute(text("INSERT INTO rates VALUES (:name, :rate)"), rates)
    connection.commit()
    connection.close()

def job(rates):
    {body}
"""


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        ("connection = engine.connect()\n    insert_rates(connection, rates)", True),
        ("with engine.connect() as connection:\n        insert_rates(connection, rates)", False),
    ],
)
def test_a_connection_a_callee_closes_at_its_end(body: str, reported: bool, tmp_path: Path) -> None:
    """Handed at once to a helper that closes it only at its end: a failing insert
    (a duplicate key) skips that close and the connection stays checked out; in a
    `with` block it is returned all the same."""
    source = HANDED.format(body=body)
    found = [d.code for d in check_source(source, rules=[CloseNotGuaranteed]).diagnostics]
    assert found == (["SQA104"] if reported else [])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'rates.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    row = {"name": "USD", "rate": 1.0}
    namespace["job"](row)
    engine = namespace["engine"]
    assert engine.pool.checkedout() == 0
    with pytest.raises(Exception, match="UNIQUE"):
        namespace["job"](row)
    assert engine.pool.checkedout() == (1 if reported else 0)
    engine.dispose()


# The rule's own example: a `DatabaseManager` whose `__init__` opens a session, closed
# by its `close()` (or by `with` it), here on a database file of the test's.
MANAGER = CloseNotGuaranteed._DATABASE_MANAGER.replace(
    'create_engine("sqlite://")', "create_engine(URL)"
)
# The same class without `__enter__`/`__exit__`: only its `close()` closes it.
_CONTEXT_MANAGER = (
    "    def __enter__(self):\n        return self\n\n"
    "    def __exit__(self, *exc):\n        self.close()\n\n"
)
PLAIN_MANAGER = MANAGER.replace(_CONTEXT_MANAGER, "")


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (
            "    manager = DatabaseManager()\n    count = manager.count_users()\n"
            "    manager.close()\n    return count",
            ["SQA104"],
        ),
        (
            "    manager = DatabaseManager()\n    try:\n        return manager.count_users()\n"
            "    finally:\n        manager.close()",
            [],
        ),
        ("    manager = DatabaseManager()\n    return manager.count_users()", ["SQA102"]),
    ],
)
def test_a_session_an_object_opens_for_its_maker_to_close(
    body: str, found: list[str], tmp_path: Path
) -> None:
    """The session a `DatabaseManager()` opens in its `__init__` holds its connection
    until the function calls the object's `close()`: when the query raises (no
    `users` table here), only a `finally` gets there."""
    source = PLAIN_MANAGER.format(body=body)
    rules = [CloseNotGuaranteed, SessionNotClosed]
    assert [d.code for d in check_source(source, rules=rules).diagnostics] == found
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    with pytest.raises(Exception, match="no such table"):
        namespace["user_count"]()
    engine = namespace["SessionLocal"].kw["bind"]
    assert engine.pool.checkedout() == (1 if found else 0)
    engine.dispose()


def test_the_message_names_the_object_s_own_way_to_close_it() -> None:
    """`try: ... finally: manager.close()` for an object that only has `close()`;
    `with DatabaseManager() as manager:` for one that is a context manager (its
    `close()` may do more, such as commit, which a `finally` would run on failure)."""
    body = "    manager = DatabaseManager()\n    count = manager.count_users()\n"
    body += "    manager.close()\n    return count"
    plain = PLAIN_MANAGER.format(body=body).replace("URL", "'sqlite://'")
    (finding,) = check_source(plain, rules=[CloseNotGuaranteed]).diagnostics
    assert "use `try: <work> finally: manager.close()` instead" in finding.message
    managed = MANAGER.format(body=body).replace("URL", "'sqlite://'")
    (finding,) = check_source(managed, rules=[CloseNotGuaranteed]).diagnostics
    assert "use `with DatabaseManager() as manager:` instead" in finding.message


LAST_RUNS_MODELS = """
from sqlalchemy import Column, DateTime, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Run(Base):
    __tablename__ = "runs"
    id = Column(Integer, primary_key=True)
    workflow = Column(String)
    started_at = Column(DateTime)


engine = create_engine(URL)
"""


@pytest.mark.parametrize(
    ("before", "held"),
    [
        # Building the query fails (no such attribute): no statement ran yet.
        ("    query = query.filter_by(branch='main')\n", 0),
        # Counting runs a statement, which fails (no `runs` table): its connection
        # stays checked out while the failed call's frame lives.
        ("    total = query.count()\n", 1),
    ],
)
def test_a_session_takes_its_connection_for_its_first_statement(
    before: str, held: int, tmp_path: Path
) -> None:
    """What only builds a query on a session before the `try` that runs it may raise,
    but leaves no connection behind: SQA104 leaves that shape alone, and reports one
    where a statement runs there."""
    source = close_not_guaranteed._LAST_RUNS.format(before=before).replace(
        "from models import Run, engine\n", LAST_RUNS_MODELS
    )
    found = [d.code for d in check_source(source, rules=[CloseNotGuaranteed]).diagnostics]
    assert found == (["SQA104"] if held else [])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    with pytest.raises(Exception) as failure:
        namespace["last_runs"]()
    assert namespace["engine"].pool.checkedout() == held
    del failure
    namespace["engine"].dispose()
