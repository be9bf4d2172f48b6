from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from ..diagnostics import Applicability, Fix, Position, Span, TextEdit
from ..semantic import Analysis
from ..semantic.transactions import uncommitted_writes
from ..sources import cpython_tree
from .base import Finding, Invalid, Rule, Valid

# A database class that makes the project's one session factory, and a module of
# functions that are handed it.
_DATABASE = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from main import add_reward

class DB:
    def __init__(self, url):
        self.engine = create_engine(url)
        self.session = sessionmaker(self.engine, autocommit={autocommit})

    def reward(self, name):
        add_reward(name, self.session)
"""
_FACTORY_PASSED_AROUND = """
from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker

from models import Reward

def add_reward(name: str, session: sessionmaker):
    with session() as sess:
        sess.execute(insert(Reward).values(name=name))
"""


_STORE = """
from sqlalchemy import create_engine

from models import messages

class Store:
    def __init__(self, url):
        self.engine = create_engine(url{options})

    def append(self, data):
        with self.engine.connect() as conn:
            conn.execute(messages.insert(), data)
"""
_REATTACH = """
from sqlalchemy.orm import sessionmaker

from database import engine

SessionLocal = sessionmaker(bind=engine)

def load(obj, prop):
    with SessionLocal() as session:
        session.add(obj)
        {after}
"""


@dataclass
class UncommittedWriteFinding(Finding):
    name: str = ""


# Rows written under two conditions, committed under {commit_test}.
_SYNC_CONDITIONS = """
from sqlalchemy.orm import sessionmaker

from models import Item

SessionLocal = sessionmaker()

def sync(rows, parse=True, save=True, full=False):
    with SessionLocal() as session:
        for row in rows:
            if parse:
                if save:
                    session.add(Item(name=row))
        if {commit_test}:
            session.commit()
"""

# Flask-Login's user, loaded by another session, merged into this one to read its
# orders; {after} runs before the block ends.
_MERGED_USER = """
from flask_login import current_user
from sqlalchemy.orm import sessionmaker

Session = sessionmaker()

def order_history(name=None):
    with Session() as session:
        user = session.merge(current_user)
        orders = list(user.orders)
{after}    return orders
"""


class UncommittedWrite(Rule):
    """A write in a `with engine.connect()` or `with Session()` block that is never
    committed: SQLAlchemy 2.0 rolls it back when the block ends.

    ## What it does
    For a connection or session the code opens itself (`with engine.connect() as conn:`,
    `with Session(engine) as session:`, `with SessionLocal() as session:`, `conn =
    engine.connect()`, or `engine.connect().execute(...)` with no name at all), finds
    each write made through it that no `commit()` of the same connection or session
    follows on every normal path to the end of the block: executing an `insert()`,
    `update()` or `delete()` construct (SQLAlchemy's, a dialect's, or a `Table`'s
    `.insert()` method, also through `values()`, `where()`, `returning()` or a name
    bound to one), `text()` or `exec_driver_sql()` SQL that starts with INSERT, UPDATE,
    DELETE, MERGE, UPSERT or REPLACE, and a session's `add()`, `add_all()`, `delete()`,
    `merge()` and bulk methods. A commit only in an `if` branch does not count, unless
    the write sits under the same test earlier (`if user is not None:` around both, no
    call in the test and nothing rebinding its names between them; a test of conditions
    joined by `and`, each the test of an `if` the write is under: `if parse and save:`),
    or the test reads how many rows the write changed (`if result.rowcount > 0:`, where
    `result = session.execute(update(...))`: when it changed none, there is nothing to
    lose); one later in the block, in a loop's enclosing block, or in a `try` body does.

    Not reported: `with engine.begin() as conn:`, `with SessionLocal.begin() as
    session:`, a `with` block of a project Session class whose `__exit__` commits (made
    directly or by a factory given it as `class_=`), `with Session(engine) as session,
    session.begin():` and writes inside `with session.begin():` (they commit when the
    block ends), connections with `isolation_level="AUTOCOMMIT"` (on the connection or
    its engine, also one the instance keeps: `self.engine = create_engine(...,
    isolation_level=...)`), connections of a project on SQLAlchemy 1.x (its requirements
    say so or, when they say nothing, the module calls what only 1.x has:
    `MetaData(bind=engine)`, `Table(..., autoload=True)`, or the write passes its values
    as only 1.x takes them: `conn.execute(table.insert(), **row)`), which commit each
    write by themselves, sessions from a factory made with `autocommit=True` (1.x), also
    a factory passed in or kept on `self` when every factory the project makes
    autocommits, blocks that hand the connection or session to another function (which
    may commit), or call a function defined beside them that uses it (a closure that
    adds and commits), keep it or return it, an object the function is given that
    `add()` attaches again only to load it (`session.refresh(obj)`, `getattr(obj, name)`
    after it, and no change to it), an object of another session merged to be read
    (`user = session.merge(current_user)`, then `user.orders`: not one the function is
    given, and no change to either), sessions registered with `zope.sqlalchemy` (the
    `transaction` manager commits them: `with transaction.manager:`, `pyramid_tm`), and
    connections and sessions that are not opened by a `with` block (a parameter, a
    FastAPI dependency: their caller decides). A commit in a `try`'s `else` follows the
    writes of its body. `flush()` is not a commit: it sends the changes inside the
    transaction that is then rolled back.

    ## Why is this bad?
    SQLAlchemy 2.0 begins a transaction on a connection or session at its first use
    ("autobegin") and, when the block closes it, rolls back whatever was not
    committed. The statement runs, no error is raised, the rows even show up in
    queries inside the block, and then they are gone: the data is silently lost.
    Code written for 1.x's autocommit behaves this way after an upgrade.

    ## Example
    ```python
    with engine.connect() as conn:
        conn.execute(insert(users).values(name="spongebob"))

    with Session(engine) as session:
        session.add(User(name="patrick"))
        session.flush()
    ```

    ## Use instead
    ```python
    with engine.begin() as conn:  # commits at the end of the block
        conn.execute(insert(users).values(name="spongebob"))

    with Session(engine) as session:
        session.add(User(name="patrick"))
        session.commit()
    ```

    ## Fix safety
    The fix adds `conn.commit()` (or `session.commit()`) as the last statement of the
    block. It is unsafe: it changes what is persisted, which is the point, but only
    you know that the block's writes are meant to be kept, and a commit at the end
    also keeps writes the block made on purpose to be rolled back.

    ## References
    - [Working with Transactions and the DBAPI: "commit as you go"](https://docs.sqlalchemy.org/en/20/tutorial/dbapi_transactions.html#committing-changes)
    - [Session Basics: autobegin, commit and close](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#framing-out-a-begin-commit-rollback-block)
    - [Migrating to 2.0: library-level autocommit removed](https://docs.sqlalchemy.org/en/20/changelog/migration_20.html#library-level-but-not-driver-level-autocommit-removed-from-both-core-and-orm)
    """

    code = "SQA106"
    name = "uncommitted-write"

    # A sync loop that remembers it wrote, and commits at the end when it did.
    _FLAGGED = """
import logging

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from models import Feed

engine = create_engine("sqlite://")

def update_feeds(rows):
    with Session(engine) as session:
        need_commit = False
        for row in rows:
            try:
                feed = Feed(id=row["id"], url=row["url"])
                session.add(feed)
                {between}
                need_commit = True
            except KeyError:
                logging.exception("bad row")
                continue
        if need_commit:
            session.commit()
"""
    VALID = [
        Valid(_FLAGGED.format(between="")),
        # `Session()` bound to nothing can connect nowhere: what is added to it is
        # never meant for a database (here, to see what the add cascades to).
        Valid(
            """
from sqlalchemy.orm import Session

def pending_objects(order):
    scratch = Session()
    scratch.add(order)
    try:
        return set(scratch.new)
    finally:
        scratch.expunge_all()
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from .models import User, users

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
autocommit_engine = create_engine("postgresql://app@db/app", isolation_level="AUTOCOMMIT")

def create(name):
    with engine.begin() as conn:
        conn.execute(insert(users).values(name=name))

def rename(user_id, name):
    with engine.connect() as conn:
        stmt = update(users).where(users.c.id == user_id).values(name=name)
        conn.execute(stmt)
        conn.commit()

def import_all(rows):
    with engine.connect() as conn:
        for row in rows:
            conn.execute(users.insert().values(**row))
        try:
            conn.commit()
        except Exception:
            conn.rollback()
            raise

def register(name):
    with Session(engine) as session, session.begin():
        session.add(User(name=name))

def register_many(names):
    with SessionLocal.begin() as session:
        session.add_all([User(name=n) for n in names])

def nested(name):
    with SessionLocal() as session:
        with session.begin():
            session.add(User(name=name))
        return session.scalars(select(User)).all()

def vacuum():
    with autocommit_engine.connect() as conn:
        conn.execute(text("DELETE FROM audit WHERE created < now() - interval '1 year'"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("UPDATE stats SET hits = 0"))

def delegated(rows):
    with engine.connect() as conn:
        conn.execute(insert(users), rows)
        finish(conn)

def reads():
    with engine.connect() as conn:
        return conn.execute(text("SELECT name FROM users")).all()

def finish(conn):
    conn.commit()

def explicit(name):
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(insert(users).values(name=name))
        trans.commit()

def switched(name):
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(insert(users).values(name=name))

def guarded(user):
    # the `else` runs whenever the body completed: the add is committed
    session = SessionLocal()
    try:
        session.add(user)
    except Exception:
        session.rollback()
        raise
    else:
        session.commit()
    finally:
        session.close()
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine, insert
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://app@db/app")
LegacySession = sessionmaker(bind=engine, autocommit=True)

def create(users, name):
    # SQLAlchemy 1.4 (requirements.txt): a connection outside a transaction commits
    # each write by itself ("library-level autocommit").
    with engine.connect() as conn:
        conn.execute(insert(users).values(name=name))

def legacy(user):
    with LegacySession() as session:
        session.add(user)
""",
            files={"requirements.txt": "Flask==2.3.3\nSQLAlchemy==1.4.37\n"},
        ),
        # Nothing declared, but the script calls what only 1.x has (`MetaData(bind=)`,
        # `autoload=True`): its connection commits each write by itself.
        Valid(
            """
import sqlalchemy
from sqlalchemy import create_engine

engine = create_engine("mysql+pymysql://etl@warehouse/dw")
conn = engine.connect()
metadata = sqlalchemy.schema.MetaData(bind=engine)
table = sqlalchemy.Table("quotes", metadata, autoload=True)
conn.execute(table.insert(), [{"symbol": "SPY"}])
"""
        ),
        # Committed whenever the UPDATE changed a row; when it changed none, there is
        # nothing to lose.
        Valid(
            """
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from db import engine

Session = sessionmaker(bind=engine)

def sync(device_id, status):
    session = Session()
    try:
        result = session.execute(
            text("UPDATE devices SET status = :s WHERE id = :i"), {"s": status, "i": device_id}
        )
        if result.rowcount > 0:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
"""
        ),
        # Nothing declared, but the write passes its values as only 1.x takes them
        # (`**row`: 2.0 refuses it with a TypeError before any SQL).
        Valid(
            """
from sqlalchemy import Column, Float, MetaData, String, Table, create_engine

engine = create_engine("sqlite:///meteo.db")
readings = Table("readings", MetaData(), Column("time", String), Column("t", Float))

def store(row):
    with engine.connect() as conn:
        conn.execute(readings.insert(), **row)
"""
        ),
    ]
    VALID += [
        Valid(
            """
import sqlalchemy as sa

def reset(ctx, pool):
    with ctx.obj.engine.begin() as connection:  # commits on the way out
        connection.execute(sa.text("UPDATE jobs SET status = 'pending'"))
    with pool.connect() as raw:  # not known to be SQLAlchemy's: no text() runs on it
        raw.execute("UPDATE jobs SET status = 'pending'")
"""
        ),
    ]
    VALID += [
        # A logger's endless loop commits every tenth round: each write is committed
        # when the loop comes round to it.
        Valid(
            """
import time
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def log_forever(read, Measurement):
    session = Session(engine)
    rounds = 0
    while True:
        rounds += 1
        session.add(Measurement(value=read()))
        if rounds == 10:
            rounds = 0
            session.commit()
        time.sleep(1)
"""
        ),
    ]
    VALID += [
        # Committed under the two conditions the write is under, joined by `and`.
        Valid(_SYNC_CONDITIONS.format(commit_test="parse and save")),
    ]
    VALID += [
        # The write and its commit under the same test: the commit runs whenever the
        # write did.
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def handle(message, Counter, route):
    counters = None
    sender = message.get("from")
    if sender is not None:
        counters = Session(engine)
        counters.add(Counter(id=sender))
    route(message)
    if sender is not None:
        counters.commit()
        counters.close()
"""
        ),
    ]
    VALID += [
        # The project's session class commits when its `with` block ends normally.
        Valid(
            """
from app.db import Session

def remember(Seen, title):
    with Session() as session:
        session.add(Seen(title=title))
""",
            files={
                "app/__init__.py": "",
                "app/sessions.py": (
                    "from sqlalchemy.orm import Session\n\n"
                    "class ContextSession(Session):\n"
                    "    def __exit__(self, exc_type, exc, tb):\n"
                    "        try:\n"
                    "            if exc_type is None:\n"
                    "                self.commit()\n"
                    "        finally:\n"
                    "            super().__exit__(exc_type, exc, tb)\n"
                ),
                "app/db.py": (
                    "from sqlalchemy.orm import sessionmaker\n\n"
                    "from .sessions import ContextSession\n\n"
                    "Session = sessionmaker(class_=ContextSession)\n"
                ),
            },
        ),
    ]
    VALID += [
        # zope.sqlalchemy joins the session to the `transaction` manager, which commits.
        Valid(
            """
import transaction
import zope.sqlalchemy
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()
zope.sqlalchemy.register(SessionLocal)

def create(user):
    session = SessionLocal()
    with transaction.manager:
        session.add(user)
"""
        ),
    ]
    VALID += [
        # The delete is committed by the closure called after it, on the same session.
        Valid(
            """
from sqlalchemy.orm import Session

from .models import Solution

def replace_solution(engine, old_id, answer):
    with Session(engine) as db_sess:
        def add_new_solution():
            db_sess.add(Solution(answer=answer))
            db_sess.commit()

        db_sess.delete(db_sess.get(Solution, old_id))
        add_new_solution()
"""
        ),
    ]
    # Merged to be read: nothing of it changes here, so there is nothing to commit.
    VALID += [Valid(_MERGED_USER.format(after=""))]

    INVALID = [
        # `full` does not guard the write: written, and not committed, when it is false.
        Invalid(
            _SYNC_CONDITIONS.format(commit_test="parse and full"),
            at="session.add(Item(name=row))",
        ),
        # The merged user is changed: the change is written at the flush a commit does.
        Invalid(
            _MERGED_USER.format(after="        user.name = name\n"),
            at="session.merge(current_user)",
        ),
        # ... but a `continue` between the write and the flag leaves it uncommitted.
        Invalid(
            _FLAGGED.format(between='if row.get("dry_run"):\n                    continue'),
            at="session.add(feed)",
        ),
        # A `try`'s `else` runs after its body, never after a handler: the fallback
        # row written in the handler is not committed.
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()

def store(user, backup):
    with SessionLocal() as session:
        try:
            session.add(user)
        except ValueError:
            session.add(backup)
        else:
            session.commit()
""",
            at="session.add(backup",
        ),
        # A session class whose `__exit__` only logs: the block still rolls back.
        Invalid(
            """
from sqlalchemy.orm import Session, sessionmaker

class LoggingSession(Session):
    def __exit__(self, exc_type, exc, tb):
        print("closing", self)
        super().__exit__(exc_type, exc, tb)

LoggingSessionLocal = sessionmaker(class_=LoggingSession)

def remember(Seen, title):
    with LoggingSessionLocal() as session:
        session.add(Seen(title=title))
""",
            at="session.add(",
        ),
        # The test's name is rebound between the write and the commit.
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def handle(message, Counter, route):
    counters = Session(engine)
    sender = message.get("from")
    if sender is not None:
        counters.add(Counter(id=sender))
    sender = route(message)
    if sender is not None:
        counters.commit()
    counters.close()
""",
            at="counters.add(",
        ),
        # A loop that can end: what it wrote after its last commit is lost.
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def log_until(read, Measurement):
    session = Session(engine)
    rounds = 0
    while True:
        value = read()
        if value is None:
            break
        rounds += 1
        session.add(Measurement(value=value))
        if rounds == 10:
            rounds = 0
            session.commit()
    session.close()
""",
            at="session.add(",
        ),
        Invalid(
            """
import sqlalchemy as sa

def reset(ctx):
    # `ctx.obj.engine` is of unknown kind, but only a SQLAlchemy connection runs text().
    with ctx.obj.engine.connect() as connection:
        connection.execute(sa.text("UPDATE jobs SET status = 'pending'"))
""",
            at="connection.execute(",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def archive(order_id):
    conn = engine.connect()
    conn.execute(text("UPDATE orders SET archived = 1 WHERE id = :id"), {"id": order_id})
    conn.close()
""",
            at='conn.execute(text("UPDATE',
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def purge():
    engine.connect().execute(text("DELETE FROM orders WHERE archived = 1"))
""",
            at="engine.connect().execute(",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, insert

engine = create_engine("postgresql://app@db/app", future=True)

def create(users, name):
    # SQLAlchemy 1.4 with `future=True`: the 2.0 behaviour, nothing autocommits.
    with engine.connect() as conn:
        conn.execute(insert(users).values(name=name))
""",
            at="conn.execute(insert(users)",
            files={
                "pyproject.toml": '[project]\nname = "app"\ndependencies = ["sqlalchemy>=1.4,<2"]\n'
            },
        ),
        Invalid(
            """
from sqlalchemy import create_engine, insert
from sqlalchemy.orm import declarative_base

engine = create_engine("sqlite://")

def create(users, name):
    with engine.connect() as conn:
        conn.execute(insert(users).values(name=name))
""",
            at="conn.execute(insert(users)",
            expected_fix="""
from sqlalchemy import create_engine, insert
from sqlalchemy.orm import declarative_base

engine = create_engine("sqlite://")

def create(users, name):
    with engine.connect() as conn:
        conn.execute(insert(users).values(name=name))
        conn.commit()
""",
        ),
        Invalid(
            """
from sqlalchemy.orm import Session

def register(engine, user, verbose):
    with Session(engine) as session:
        session.add(user)
        session.flush()
        if verbose:
            session.commit()
""",
            at="session.add(user)",
        ),
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

def transfer(engine, movement, audit):
    Session = sessionmaker(bind=engine)
    with Session() as session:
        with session.begin():
            session.add(movement)
        session.add(audit)  # after the inner transaction committed: a new one
""",
            at="session.add(audit)",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def reset(uid):
    with engine.connect() as conn:
        conn.execute(text("  -- reset\\n  UPDATE users SET logins = 0 WHERE id = :i"), {"i": uid})
        return conn.execute(text("SELECT logins FROM users WHERE id = :i"), {"i": uid})
""",
            at='conn.execute(text("  -- reset',
        ),
    ]

    # A 1.x project that makes one autocommit factory and passes it around.
    VALID += [
        Valid(
            _FACTORY_PASSED_AROUND,
            files={"database.py": _DATABASE.format(autocommit="True")},
        ),
    ]
    INVALID += [
        Invalid(
            _FACTORY_PASSED_AROUND,
            at="sess.execute(",
            files={"database.py": _DATABASE.format(autocommit="False")},
        ),
    ]
    # A connection of the engine the instance keeps, made with AUTOCOMMIT: the driver
    # commits each statement.
    VALID += [Valid(_STORE.format(options=', isolation_level="AUTOCOMMIT"'))]
    INVALID += [Invalid(_STORE.format(options=""), at="conn.execute(")]
    # An object the caller loaded and detached, added again only to load a lazy
    # attribute: nothing is written (and `refresh()` would raise on a new one).
    VALID += [
        Valid(_REATTACH.format(after="session.refresh(obj)\n        return getattr(obj, prop)")),
    ]
    # The same add, then nothing that needs the object persistent: it may be new.
    INVALID += [
        Invalid(_REATTACH.format(after="return obj.id"), at="session.add(obj)"),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for found in uncommitted_writes(analysis.model, analysis.resolver):
            opened = "connection" if found.kind.is_connection else "session"
            if found.block is not None:
                how = f"`{found.name}` is a {opened} opened by the `with` block, which"
            else:
                how = f"`{found.name}` is a {opened} that"
            yield UncommittedWriteFinding(
                found.write,
                f"This write is never committed: {how} rolls back what was not committed "
                f"when it is closed; call `commit()` on it after the writes"
                + (", or open it with `engine.begin()`." if opened == "connection" else "."),
                name=found.name if found.block is not None else "",
            )

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        if not isinstance(finding, UncommittedWriteFinding) or not finding.name:
            return None  # only a `with` block's end is a place to commit
        position = _commit_position(source, span.start.line, finding.name)
        if position is None:
            return None
        line, indent, newline = position
        return Fix(
            title=f"Commit at the end of the block (`{finding.name}.commit()`)",
            applicability=Applicability.UNSAFE,
            edits=(
                TextEdit(
                    Span(Position(line, 0), Position(line, 0)),
                    f"{indent}{finding.name}.commit(){newline}",
                ),
            ),
        )


def _commit_position(source: str, write_line: int, name: str) -> tuple[int, str, str] | None:
    """(line to insert before, indentation, line ending) for `name.commit()` as the
    last statement of the innermost `with ... as name:` block holding `write_line`;
    None when the block ends in a `return` or `raise` that makes the write itself."""
    tree = cpython_tree(source)
    if tree is None:
        return None
    block: ast.With | None = None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.With)
            and node.lineno <= write_line <= (node.end_lineno or 0)
            and any(
                isinstance(i.optional_vars, ast.Name) and i.optional_vars.id == name
                for i in node.items
            )
            and (block is None or node.lineno > block.lineno)
        ):
            block = node
    if block is None:
        return None
    last = block.body[-1]
    lines = source.splitlines(keepends=True)
    indent = lines[block.body[0].lineno - 1][: block.body[0].col_offset]
    first = lines[block.body[0].lineno - 1]
    newline = first[len(first.rstrip("\r\n")) :] or "\n"
    if isinstance(last, (ast.Return, ast.Raise)):
        if last.lineno <= write_line <= (last.end_lineno or last.lineno):
            return None
        return last.lineno, indent, newline
    end = last.end_lineno or last.lineno
    if end >= len(lines) and not lines[-1].endswith(("\n", "\r")):
        return None  # no line break to insert after
    return end + 1, indent, newline
