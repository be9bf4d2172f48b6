from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from ..diagnostics import Fix, Span
from ..semantic import Analysis, Escape, Kind, Lifetime, Verdict
from ._messages import (
    code_of,
    held_by_the_script,
    kept_unreleased,
    never_closed,
    noun,
    origin,
    returned_to_pytest,
    safe_form,
)
from .base import Finding, Invalid, Rule, Valid
from .close_not_guaranteed import CloseNotGuaranteed
from .resource_fix import with_block_fix_for

_DATABASE_MODULE = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
"""


# A script whose `main()` reads the session the module makes.
_SCRIPT_GLOBAL = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(bind=create_engine("sqlite:///dairy.db"))
session = SessionLocal()

def main():
    for row in session.execute(text("SELECT id, username FROM users")):
        print(row.id, row.username)
{end}

if __name__ == "__main__":
    main()
"""


class SessionNotClosed(Rule):
    """ORM session is never closed.

    ## What it does
    Finds ORM sessions created by `Session(...)`, `AsyncSession(...)`, a `sessionmaker`
    / `async_sessionmaker` factory (including one imported from another module of the
    project, such as `from .database import SessionLocal`) or `factory.begin()`, or read
    off an object of the project that the call makes and drops at once (`session =
    Db(url).session`, where `Db.__init__` makes the session it keeps), or opened on an
    object the function makes by one of the object's methods (`adaptor.start_session()`,
    where the method keeps a new session on `self` and another method of its class,
    `close_session()`, closes it), or opened by the `__init__` of an object the function
    (or a script's `__main__` block) makes, for it to close with a method of the
    object's class (`manager = DatabaseManager()`, whose `__init__` keeps `self.db =
    SessionLocal()` and whose `close()` closes it), or handed to an object of the
    project that keeps it for a method of its own to close (`DBSession(session)`, whose
    `__init__` keeps `self._session = session` and whose `close_session()` closes it;
    made here, or returned by a project factory such as `database.make_session()`:
    followed as the object, closed by that method), that are never released: not used as
    a context manager, not closed, and not handed to anyone else (returned, stored, or
    given to a function of the project that closes the parameter it receives). Returned
    by a pytest fixture that does not `yield` is not handed to anyone who closes it:
    pytest closes nothing a fixture returns (unless a fixture or test that asks for it
    closes it). A session bound to a connection (`Session(bind=connection)`, or made by
    a factory bound with `bind=connection` or `factory.configure(bind=connection)`, also
    one a pytest fixture hands to a test) takes no connection of its own and is not
    reported: whoever owns the connection releases it (also a session bound to
    `session.connection()` of a session the code does not know, such as a flush
    listener's parameter: that session's transaction holds the connection); nor is one
    entered by an `ExitStack` or by click's `ctx.with_resource()`, which closes it with
    the command's context; nor is a `Session()` bound to nothing (no engine, no
    `bind=`), which can connect nowhere. Nor is a session never used, or used only to
    reach its engine (`pd.read_sql(sql, db.bind)`, `Session().get_bind()`): a session
    takes a connection on its first query. Nor is a session used only inside `with
    session.begin():` blocks (and to call `rollback()` or `commit()` outside them): each
    block commits (or rolls back) and returns the connection to the pool.
    `next(get_db())` ends the generator as soon as `next()` returns (CPython drops it),
    so its cleanup runs before the session's uses, not after them; a generator kept in a
    local (`db = next(gen)`) closes it with `gen.close()` or with `next(gen)` again,
    which resumes it past its `yield`. An async session's `close()` written as a
    statement of its own (not awaited) only makes a coroutine and closes nothing: it
    does not count. Nor is a session registered with `zope.sqlalchemy`
    (`register(session)`, or its factory registered or made with
    `ZopeTransactionExtension`): the `transaction` manager (`pyramid_tm`, `with
    transaction.manager:`) ends its transaction and zope.sqlalchemy closes it then. Nor
    is a session of a test module whose conftest (or itself) calls SQLAlchemy's
    `close_all_sessions()`, in a fixture's teardown: that closes every session. Nor is
    one made where a test patches what SQLAlchemy makes sessions or engines with
    (`@patch("app.config.sessionmaker")`, or a `with patch(...)` block): it is a mock. A
    session a generator yields once (a FastAPI dependency, a pytest fixture, a context
    manager) is its to close after the `yield`; one a generator yields round after round
    is its consumer's. A session that a plain function (not a generator) returns, where
    FastAPI calls that function for a `Depends(...)`, is reported: FastAPI hands it to
    the endpoint and closes nothing it returned, so each request keeps a connection
    checked out until the garbage collector finds the session (and so does a new
    `scoped_session` registry returned there, never removed). A session a class keeps on
    `self` is reported when nothing of the class (nor anyone naming the attribute)
    closes it and a new one is made per use: per instance, when instances are made again
    and again; per call of the method that makes it; per `with` block, when its
    `__enter__` makes it (a unit of work whose `__exit__` only commits or rolls back). A
    factory given as a parameter's default (`session_factory=SessionLocal`) makes
    sessions like the factory. A session a script makes at its top level (or under its
    `__main__` guard, or in its `main()`; also a global that only `main()`, or a
    function only the `__main__` block calls, reads) and never closes is reported too,
    here: the script owns it and should close it (until the process exits it holds its
    connection, its transaction and its locks). Not when its last use is a commit (or
    rollback) in the block that made it and nothing it loaded is read afterwards: the
    commit returned the connection, and the session holds nothing from then on. A module
    global that functions read is kept for the process instead (see SQA105). A session a
    function opens before the `while True:` loop it ends in, when nothing breaks out of
    that loop or returns from it and the loop closes the session to open it again (a
    scheduler thread's main loop, reconnecting after an error) is reported too: the
    thread keeps it for its life; and the one the loop opens after closing the last. A
    Streamlit page's top level runs again on every interaction, so a session or
    connection it opens there and never closes is one more per rerun.

    ## Why is this bad?
    A session checks a connection out of the engine's pool as soon as it runs its
    first query and keeps it, with its transaction, until the session is closed.
    A session that is never closed holds that connection (and its locks) until
    garbage collection, and under load exhausts the pool.

    ## Example
    ```python
    def list_users():
        db = SessionLocal()
        return db.scalars(select(User)).all()
    ```

    ## Use instead
    ```python
    def list_users():
        with SessionLocal() as db:
            return db.scalars(select(User)).all()
    ```

    ## Fix safety
    The fix wraps the statements that use the session in a `with` (or `async
    with`) block and removes an explicit `close()`. It is safe: the code computes
    the same values, and the session is closed when the block ends, as `close()`
    would have done.

    ## References
    - [Session Basics: opening and closing a session](https://docs.sqlalchemy.org/en/20/orm/session_basics.html)
    - [Asynchronous I/O (asyncio)](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html)
    """

    code = "SQA102"
    name = "session-not-closed"

    VALID = [
        # A test hands the session to the code under test through a mock it patches
        # in: that code gets it from `task_session()` and closes it.
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

import tasks

engine = create_engine("sqlite://")

def test_summarise_task(mocker):
    task_db = sessionmaker(bind=engine)()
    mocker.patch.object(tasks, "task_session", return_value=task_db)
    assert tasks.summarise(1) == "done"
"""
        ),
        # A script's session whose last use is the commit that ends its work: the
        # commit returned its connection to the pool, and nothing is read through the
        # session afterwards, so it holds nothing while the scan runs and the process
        # ends.
        Valid(
            """
import sys

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from gallery.models import Folder, Photo
from gallery.scan import run

Session = sessionmaker(bind=create_engine("sqlite:///gallery.db"))

if __name__ == "__main__":
    if "purge" in sys.argv:
        session = Session()
        session.query(Photo).delete()
        for path in sys.argv[2:]:
            folder = Folder(path=path)
            session.add(folder)
        session.commit()
    run()
"""
        ),
        # `Session()` bound to nothing can connect nowhere: a scratch session that
        # lists what `add()` cascades to holds no pool slot and writes nothing.
        Valid(
            """
from sqlalchemy.orm import Session

def cascaded(instance):
    session = Session()
    session.add(instance)
    related = list(session.new)
    session.expunge_all()
    return related
"""
        ),
        Valid(
            """
from sqlalchemy.orm import sessionmaker

Session = sessionmaker()

def database_url():
    session = Session()  # reads its engine's URL; takes no connection
    return str(session.bind.url)
"""
        ),
        # Used only in transaction blocks: each returns the connection at its end.
        Valid(
            """
import csv

from sqlalchemy.orm import sessionmaker

from .db import engine
from .models import Track

SessionLocal = sessionmaker(bind=engine)

def load_tracks(path):
    session = SessionLocal()
    with session.begin():
        with open(path) as file:
            for row in csv.DictReader(file):
                session.add(Track(**row))

def save_track(title):
    session = SessionLocal()
    try:
        with session.begin():
            session.add(Track(title=title))
    except Exception:
        session.rollback()  # no transaction left to end: takes no connection
        raise
"""
        ),
        # A legacy query built only for its SELECT runs nothing on the session.
        Valid(
            """
import pandas as pd
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def runs(model):
    session = Session(engine)
    return pd.read_sql(session.query(model).filter_by(done=True).statement, session.bind)
"""
        ),
        Valid(
            """
import pandas as pd
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)

# Sessions used only to reach their engine never take a connection of their own.
def report():
    db = SessionLocal()
    return pd.read_sql(text("select 1"), db.bind)

def create():
    MetaData().create_all(SessionLocal().get_bind())
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)

def ok():
    with Session(engine) as session:
        session.execute("...")

def also_ok():
    with SessionLocal.begin() as session:
        session.add(object())

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
"""
        ),
        Valid(
            """
import requests
from sqlalchemy.orm import scoped_session, sessionmaker

Session = scoped_session(sessionmaker())

def registry_managed():
    session = Session()
    session.query("...")

def other_library():
    http = requests.Session()
    http.get("https://example.com")

class MySession:
    pass

def own_class():
    s = MySession()
"""
        ),
        Valid(
            """
from sqlalchemy.orm import Session

class Repository:
    def __init__(self, session):
        self.session = session

def make_repository(engine):
    return Repository(Session(engine))
"""
        ),
        # The generator is kept and closed, which closes what it yielded (SQA104 asks
        # for the close in a `finally`).
        Valid(
            """
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

factory = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))

async def get_db():
    async with factory() as session:
        yield session

async def count_users():
    generator = get_db()
    session = await anext(generator)
    count = (await session.execute(text("select count(*) from users"))).scalar()
    await generator.aclose()
    return count
"""
        ),
    ]
    VALID += [
        Valid(
            """
from contextlib import contextmanager
from typing import cast

from flask import g
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from database import SessionLocal, factory

@contextmanager
def session_scope():
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()

def get_request_session():
    if "db" not in g:
        g.db = SessionLocal()
    return g.db

def uses_scope():
    with session_scope() as s:
        s.execute("select 1")

def uses_request_session():
    db = get_request_session()
    db.execute("select 1")

async def uses_cast():
    async with cast(AsyncSession, factory()) as s:
        await s.execute("select 1")

def after_insert(mapper, connection, target):
    session = Session(bind=connection)
    session.add(target)
""",
            files={
                "database.py": _DATABASE_MODULE
                + "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
                + "factory = async_sessionmaker()\n"
            },
        ),
        Valid(
            """
import sqlalchemy as sa
from alembic import op
from sqlalchemy import orm

def upgrade():
    session = orm.Session(bind=op.get_bind())
    session.execute(sa.text("UPDATE users SET active = true"))
""",
        ),
        Valid(
            """
from database import SessionLocal

class Unit:
    def __enter__(self):
        self.session = SessionLocal()
        return self

    def __exit__(self, *exc):
        self.session.close()

def work():
    with Unit() as unit:
        unit.session.execute("select 1")
""",
            files={"database.py": _DATABASE_MODULE},
        ),
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from database import SessionLocal

engine = create_engine("sqlite://")

def never_used():
    session = SessionLocal()  # takes no connection until its first query
    del session

def bound_factory():
    with engine.begin() as connection:
        local = scoped_session(sessionmaker(bind=connection))
        return local().execute("select 1").scalar()

def configured_factory():
    with engine.begin() as connection:
        local = scoped_session(sessionmaker())
        local.configure(bind=connection)
        return local().execute("select 1").scalar()

class Stats:
    def __init__(self, request):
        self.session = SessionLocal()
        request.register_finalizer(self.session.close)

class Hub:
    def init_db(self):  # runs once, at start-up: the hub keeps its session
        self.db = SessionLocal()
""",
            files={"database.py": _DATABASE_MODULE},
        ),
    ]
    VALID += [
        Valid(
            """
import time

import transactions
from database import SessionLocal

def report_forever():
    session = SessionLocal()
    while True:
        with transactions.read_only(session):
            session.execute("select 1")
        time.sleep(60)
""",
            files={
                "database.py": _DATABASE_MODULE,
                "transactions.py": """
import contextlib

@contextlib.contextmanager
def read_only(session):
    try:
        yield
        session.commit()
    finally:
        session.close()
""",
            },
        ),
    ]
    VALID += [
        Valid(
            """
from database import SessionLocal
from tabs import set_callbacks

def build_dashboard(app):
    # One session for the app's life: the callbacks set_callbacks registers keep it.
    session = SessionLocal()
    set_callbacks(app, session=session)
    return app
""",
            files={
                "database.py": _DATABASE_MODULE,
                "tabs.py": """
class Queries:
    def __init__(self, session):
        self.session = session

def set_callbacks(app, session):
    queries = Queries(session=session)

    @app.callback("countries")
    def countries(source):
        return queries.session.execute(source).all()
""",
            },
        ),
    ]
    VALID += [
        Valid(
            """
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

class UserRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

class Container:
    def set_session_maker(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self.maker = maker

    def get_session(self) -> AsyncSession:
        return self.maker()

    def user_repository(self, session: AsyncSession) -> UserRepository:
        return UserRepository(session)

container = Container()

def setup(maker: async_sessionmaker[AsyncSession], register):
    container.set_session_maker(maker)
    # The session goes to the repository the factory returns, which owns it.
    register(lambda: container.user_repository(container.get_session()))
"""
        ),
    ]
    VALID += [
        # Handed to a project function that closes it, as an argument or through a
        # helper of its own (`rebuild_all_dbs` hands the registry to `clear_db`).
        Valid(
            """
from sqlalchemy import orm
from helpers import rebuild_all_dbs, close_after

def reset(engine):
    rebuild_all_dbs(orm.scoped_session(orm.sessionmaker(bind=engine)))

def count(engine):
    close_after(orm.Session(engine))
""",
            files={
                "helpers.py": """
def clear_db(Session):
    Session.connection().execute("drop table t")
    Session.commit()
    Session.remove()

def rebuild_all_dbs(Session):
    clear_db(Session)

def close_after(session):
    session.execute("select 1")
    session.close()
"""
            },
        ),
    ]
    VALID += [
        # `cast()` hands back the registry itself: returned, it is the caller's.
        Valid(
            """
from typing import cast

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

engine = create_engine("sqlite://")

def get_session() -> Session:
    session = scoped_session(sessionmaker(bind=engine))
    return cast(Session, session)
"""
        ),
    ]
    VALID += [
        # zope.sqlalchemy closes a registered session when the transaction ends.
        Valid(
            """
import transaction
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from zope.sqlalchemy import register

def main(url, users):
    engine = create_engine(url)
    Session = sessionmaker()
    register(Session)
    session = Session(bind=engine)
    with transaction.manager:
        for user in users:
            session.add(user)
"""
        ),
    ]
    VALID += [
        # The fixture that asks for this one closes the session at its teardown.
        Valid(
            _DATABASE_MODULE
            + """
import pytest

@pytest.fixture(scope="session")
def dbsession():
    yield SessionLocal()

@pytest.fixture()
def tables(dbsession):
    yield
    dbsession.close()
"""
        ),
        # A registry's session is removed with the registry.
        Valid(
            """
from contextlib import contextmanager

from sqlalchemy.orm import scoped_session, sessionmaker

def load_session(engine):
    return scoped_session(sessionmaker(bind=engine))

@contextmanager
def session_scope(engine):
    session = load_session(engine)
    try:
        yield session()
        session.commit()
    finally:
        session.remove()
"""
        ),
        # A generator that hands out one session per round: each is its consumer's.
        Valid(
            _DATABASE_MODULE
            + """
def sessions(rounds):
    for _ in range(rounds):
        yield SessionLocal()
"""
        ),
    ]
    VALID += [
        # The object is given the session it keeps: the caller's, not made here.
        Valid(
            """
from app.db import Repository, SessionLocal

def count(model):
    with SessionLocal() as session:
        repository_session = Repository(session).session
        return repository_session.query(model).count()
""",
            files={
                "app/__init__.py": "",
                "app/db.py": (
                    "from sqlalchemy import create_engine\n"
                    "from sqlalchemy.orm import sessionmaker\n"
                    "SessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n"
                    "class Repository:\n"
                    "    def __init__(self, session):\n"
                    "        self.session = session\n"
                ),
            },
        ),
    ]
    VALID += [
        # A test that patches the factory the helper makes sessions with: the
        # helper hands out a mock, with nothing to close.
        Valid(
            """
from unittest.mock import Mock, patch

from app.config import get_session

@patch("app.config.sessionmaker")
def test_get_session(mock_sessionmaker):
    mock_sessionmaker.return_value = Mock(return_value=Mock())
    session = get_session()
    mock_sessionmaker.assert_called_once()
    assert session is mock_sessionmaker.return_value.return_value
""",
            files={
                "app/__init__.py": "",
                "app/config.py": (
                    "from sqlalchemy import create_engine\n"
                    "from sqlalchemy.orm import Session, sessionmaker\n\n"
                    "def get_session() -> Session:\n"
                    "    return sessionmaker(bind=create_engine('sqlite://'))()\n"
                ),
            },
        ),
    ]
    VALID += [
        # A unit of work whose `__exit__` closes the session its `__enter__` made.
        Valid(
            _DATABASE_MODULE
            + """
class ClosingUnitOfWork:
    def __enter__(self):
        self.session = SessionLocal()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.session.rollback()
        self.session.close()
"""
        ),
    ]
    # A script's global session that only its `main()` reads is the script's: closed
    # there, or never (see INVALID); a function that runs whenever called (a route)
    # keeps it for the process instead (SQA105).
    VALID += [Valid(_SCRIPT_GLOBAL.format(end="    session.close()"))]

    INVALID = [
        # Flask-SQLAlchemy's `create_scoped_session()` makes a new registry per call.
        Invalid(
            """
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()

def refresh_search_view():
    session = db.create_scoped_session()
    session.execute(db.text("REFRESH MATERIALIZED VIEW search_view"))
    session.commit()
""",
            at="db.create_scoped_session()",
        ),
        Invalid(_SCRIPT_GLOBAL.format(end=""), at="SessionLocal()\n"),
        # The session the wrapper's `__init__` makes and keeps is the caller's once
        # the wrapper is dropped: nothing closes it.
        Invalid(
            """
from app.db import Db

def wallets(model, url):
    session = Db(url).session
    return session.query(model).all()
""",
            at="Db(url)",
            files={
                "app/__init__.py": "",
                "app/db.py": (
                    "from sqlalchemy import create_engine\n"
                    "from sqlalchemy.orm import sessionmaker\n"
                    "class Db:\n"
                    "    def __init__(self, url):\n"
                    "        self.engine = create_engine(url)\n"
                    "        self.session = sessionmaker(bind=self.engine)()\n"
                    "    def drop(self):\n"
                    "        self.session.close()\n"
                ),
            },
        ),
        # A dependency (or fixture, or context manager) is resumed after its one
        # `yield` to clean up: with nothing there, the session stays open. A close
        # that is not called closes nothing.
        Invalid(
            _DATABASE_MODULE
            + """
def get_db():
    db = SessionLocal()
    yield db
""",
            at="SessionLocal()",
        ),
        Invalid(
            _DATABASE_MODULE
            + """
def get_other_db():
    yield SessionLocal()
""",
            at="SessionLocal()",
        ),
        Invalid(
            _DATABASE_MODULE
            + """
def get_test_db():
    try:
        db = SessionLocal()
        yield db
    finally:
        db.close
""",
            at="SessionLocal()",
        ),
        # A helper hands out a new `scoped_session` registry per call, cast to
        # `Session`: the caller owns it, and this one never closes it (a caller
        # that closes it in a `finally` is fine).
        Invalid(
            """
from app.db import get_session

def priority_buttons(Vote, user):
    session = get_session()
    return session.query(Vote).filter(Vote.user == user).all()

def handle(Vote):
    session = get_session()
    try:
        return session.query(Vote).all()
    finally:
        session.close()
""",
            at="get_session()",
            files={
                "app/__init__.py": "",
                "app/db.py": (
                    "from typing import cast\n\n"
                    "from sqlalchemy import create_engine\n"
                    "from sqlalchemy.orm import Session, scoped_session, sessionmaker\n\n"
                    "engine = create_engine('sqlite://')\n\n"
                    "def get_session() -> Session:\n"
                    "    session = scoped_session(sessionmaker(bind=engine))\n"
                    "    return cast(Session, session)\n"
                ),
            },
        ),
        Invalid(
            """
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_async_engine("postgresql+asyncpg://app@db/app")
SessionLocal = sessionmaker(engine, class_=AsyncSession)

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()  # a coroutine nothing awaits: closes nothing
""",
            at="SessionLocal()",
        ),
        # A helper declared `-> Session` returns what a factory it looked up makes
        # (Pyramid's registry): a new session, the caller's to close; this cron job
        # commits and never closes it (a caller that closes it is fine).
        Invalid(
            """
from sqlalchemy import text

from app.database import get_session_from_config

def lift_expired_bans(config_path):
    db_session = get_session_from_config(config_path)
    db_session.execute(text("UPDATE users SET banned = false"))
    db_session.commit()

def post_scheduled(config_path):
    db_session = get_session_from_config(config_path)
    try:
        db_session.commit()
    finally:
        db_session.close()
""",
            at="get_session_from_config(config_path)",
            files={
                "app/__init__.py": "",
                "app/database.py": (
                    "from pyramid.paster import bootstrap\n"
                    "from sqlalchemy.orm import Session\n\n"
                    "def get_session_from_config(config_path: str) -> Session:\n"
                    "    env = bootstrap(config_path)\n"
                    "    session_factory = env['registry']['db_session_factory']\n"
                    "    return session_factory()\n"
                ),
            },
        ),
        # A unit of work's `__enter__` makes a session per `with` block (from the
        # factory its `__init__` defaults to) and `__exit__` only ends the transaction:
        # the session outlives the block (one whose `__exit__` closes it is fine).
        Invalid(
            _DATABASE_MODULE
            + """
class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory=SessionLocal):
        self.session_factory = session_factory

    def __enter__(self):
        self.session = self.session_factory()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.session.rollback()

    def commit(self):
        self.session.commit()
""",
            at="self.session_factory()",
        ),
        # A factory given as a parameter's default makes sessions like the factory.
        Invalid(
            _DATABASE_MODULE
            + """
def count_users(factory=SessionLocal):
    session = factory()
    return session.execute(text("SELECT count(*) FROM users")).scalar()
""",
            at="factory()",
        ),
        # A helper annotated `-> Engine` that returns a `sessionmaker`: what the code
        # returns decides, and the pipeline's sessions are never closed.
        Invalid(
            """
from sqlalchemy import create_engine, text
from sqlalchemy.engine.base import Engine
from sqlalchemy.orm import sessionmaker

def get_db_session() -> Engine:
    engine = create_engine("postgresql://grocer@db/grocer")
    return sessionmaker(bind=engine)

class StoreItems:
    def __init__(self):
        self.Session = get_db_session()

    def process_item(self, item, spider):
        session = self.Session()
        session.execute(text("INSERT INTO items (name) VALUES (:n)"), {"n": item["name"]})
        session.commit()
        return item
""",
            at="self.Session()",
        ),
        # The helper closes the session only when its commit fails (and re-raises):
        # after its work the session is open, and nothing closes it.
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

from .db import engine
from .resources import create_resource

Session = sessionmaker(bind=engine)

def new_category(name):
    session = Session()
    resource = create_resource(session, name)
    return resource.id
""",
            at="Session()",
            files={
                "resources.py": "def create_resource(session, name):\n"
                "    try:\n"
                "        resource = Resource(name)\n"
                "        session.add(resource)\n"
                "        session.commit()\n"
                "        return resource\n"
                "    except Exception:\n"
                "        session.close()\n"
                "        raise\n",
            },
        ),
        # The script counts the folders after its commit: the query begins a new
        # transaction, on a connection held until exit. (So does reading an object the
        # commit expired: see tests/test_script_resources.py.)
        Invalid(
            """
import sys

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from gallery.models import Folder

Session = sessionmaker(bind=create_engine("sqlite:///gallery.db"))

if __name__ == "__main__":
    session = Session()
    session.add_all([Folder(path=path) for path in sys.argv[1:]])
    session.commit()
    print(session.query(Folder).count(), "folders")
""",
            at="Session()",
        ),
        # A job script's own session, annotated, handed to a service and never closed.
        Invalid(
            """
from sqlalchemy.orm import Session, sessionmaker

from .db import engine
from .services import rebalancing_service

SessionLocal = sessionmaker(bind=engine)

if __name__ == "__main__":
    session: Session = SessionLocal()
    rebalancing_service.run(session, 2020)
""",
            at="SessionLocal()",
            files={
                "services.py": "class Rebalancing:\n"
                "    def run(self, session, year):\n"
                "        return session.execute('select 1').all()\n\n"
                "rebalancing_service = Rebalancing()\n",
            },
        ),
        # The query after the block begins a new transaction that nothing ends.
        Invalid(
            """
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from .db import engine
from .models import Track

SessionLocal = sessionmaker(bind=engine)

def add_track(title):
    session = SessionLocal()
    with session.begin():
        session.add(Track(title=title))
    return session.scalar(select(func.count()).select_from(Track))
""",
            at="SessionLocal()",
        ),
        # The generator is dropped by `next()`: its `finally` runs before the query.
        Invalid(
            """
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from .db import engine

SessionLocal = sessionmaker(bind=engine)

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()

def count_users():
    db = next(get_db())
    return db.execute(text("select count(*) from users")).scalar()
""",
            at="next(get_db())",
        ),
        # A Tk popup made per button press keeps a session nothing closes.
        Invalid(
            """
from tkinter import Tk, Toplevel, ttk
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

Session = sessionmaker(bind=create_engine("sqlite:///app.db"))

class Login:
    def __init__(self, parent):
        self.popup = Toplevel(parent)
        self.session = Session()
        ttk.Button(self.popup, text="Log in", command=self.popup.destroy)

class Home:
    def __init__(self, parent):
        self.parent = parent
        ttk.Button(parent, text="Log in", command=self.login)

    def login(self):
        Login(self.parent)

Home(Tk())
""",
            at="Session()",
        ),
        Invalid(
            """
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
Factory = async_sessionmaker(engine)

async def open_session() -> tuple[AsyncSession, str]:
    return Factory(), "main"

async def count():
    session, name = await open_session()
    return (await session.execute(text("select 1"))).scalar()
""",
            at="open_session()",
            occurrence=2,
        ),
        Invalid(
            """
from sqlalchemy import orm
from helpers import rebuild_all_dbs

def reset(engine):
    rebuild_all_dbs(orm.Session(engine))
""",
            at="orm.Session(engine)",
            files={
                "helpers.py": """
def count(session):
    return session.execute("select count(*) from t").scalar()

def rebuild_all_dbs(session):
    count(session)  # uses it, and nobody closes it
"""
            },
        ),
        Invalid(
            """
from database import SessionLocal
from tabs import count

def report(app):
    session = SessionLocal()
    count(app, session)  # uses the session and lets it go
    return app
""",
            at="SessionLocal()",
            files={
                "database.py": _DATABASE_MODULE,
                "tabs.py": """
def count(app, session):
    @app.callback("count")
    def refresh(value):
        return value  # the callback does not read the session
    return session.execute("select count(*) from t").scalar()
""",
            },
        ),
        Invalid(
            """
from helpers import get_session

def count_users():
    db = get_session()
    return db.execute("select count(*) from users").scalar()
""",
            at="get_session()",
            files={
                "database.py": _DATABASE_MODULE,
                "helpers.py": "from database import SessionLocal\n\n\n"
                "def get_session():\n    return SessionLocal()\n",
            },
        ),
        Invalid(
            """
from deps import get_db

def task():
    db = next(get_db())
    db.execute("select 1")
""",
            at="next(get_db())",
            files={
                "database.py": _DATABASE_MODULE,
                "deps.py": "from database import SessionLocal\n\n\ndef get_db():\n"
                "    db = SessionLocal()\n    try:\n        yield db\n    finally:\n"
                "        db.close()\n",
            },
        ),
        Invalid(
            """
from sqlmodel import Session, create_engine, select

engine = create_engine("sqlite://")

def heroes():
    session = Session(engine)
    return session.exec(select(1)).all()
""",
            at="Session(engine)",
        ),
        Invalid(
            """
from sqlalchemy.orm import scoped_session

class BadgeStore:
    def __init__(self, session_maker):
        self.session_maker = session_maker

    def badge_exists(self, badge_id):
        session = scoped_session(self.session_maker)
        return session.query("Badge").filter_by(id=badge_id).count() != 0
""",
            at="scoped_session(self.session_maker)",
        ),
        Invalid(
            """
from database import SessionLocal

class Engine:
    def process_batch(self, batch):
        self._data_session = SessionLocal()
        for item in batch:
            self._data_session.add(item)
        self._data_session.commit()
""",
            at="SessionLocal()",
            files={"database.py": _DATABASE_MODULE},
        ),
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

SessionLocal = None

def init_db(url):
    global SessionLocal
    SessionLocal = sessionmaker(bind=create_engine(url))

def handler():
    db = SessionLocal()
    db.execute("select 1")
""",
            at="SessionLocal()",
        ),
        Invalid(
            """
from app.core import sessionmaker

Factory = sessionmaker()

def handler():
    db = Factory()
    db.execute("select 1")
""",
            at="Factory()",
            files={
                "app/__init__.py": "",
                "app/core.py": "from sqlalchemy.orm import sessionmaker, declarative_base\n"
                "Base = declarative_base()\n",
            },
        ),
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def leak():
    session = Session(engine)
    session.execute("...")
""",
            at="Session(engine)",
        ),
        Invalid(
            """
from .database import SessionLocal

def list_users():
    db = SessionLocal()
    return db.query("User").all()
""",
            at="SessionLocal()",
            files={"database.py": _DATABASE_MODULE},
        ),
        Invalid(
            """
from app.database import SessionLocal

def begin_without_with():
    session = SessionLocal.begin()
    session.add(object())
""",
            at="SessionLocal.begin()",
            files={"app/__init__.py": "", "app/database.py": _DATABASE_MODULE},
        ),
        Invalid(
            """
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
AsyncSessionLocal = async_sessionmaker(engine)

async def leak():
    session = AsyncSessionLocal()
    await session.execute("...")
""",
            at="AsyncSessionLocal()",
        ),
        Invalid(
            """
from sqlalchemy.orm import Session as OrmSession

def chained(engine):
    OrmSession(engine).execute("...")
""",
            at="OrmSession(engine)",
        ),
        Invalid(
            """
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker()

class Report:
    def count(self, session: Session) -> int:
        # Uses the session it is given and keeps nothing.
        return session.execute("select count(*) from users").scalar()

def users():
    return Report().count(SessionLocal())
""",
            at="SessionLocal())",
        ),
    ]
    # FastAPI closes nothing a plain (not generator) dependency returns; its other
    # callers may well close it, and a generator's code after `yield` runs per request.
    _DEPENDENCY_ROUTES = """

app = FastAPI()

@app.get("/users")
def users(db: Session = Depends(get_db)):
    return db.execute(text("select count(*) from users")).scalar()
"""
    VALID += [
        Valid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from database import SessionLocal

def get_db():
    with SessionLocal() as session:
        yield session
"""
            + _DEPENDENCY_ROUTES,
            files={"database.py": _DATABASE_MODULE},
        ),
        Valid(
            """
from sqlalchemy import text

from database import SessionLocal

def get_db():
    return SessionLocal()

def count():
    with get_db() as db:  # its only caller closes it
        return db.execute(text("select count(*) from users")).scalar()
""",
            files={"database.py": _DATABASE_MODULE},
        ),
    ]
    INVALID += [
        Invalid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from database import SessionLocal

def get_db():
    return SessionLocal()
"""
            + _DEPENDENCY_ROUTES,
            at="SessionLocal()",
            files={"database.py": _DATABASE_MODULE},
        ),
        Invalid(
            # A new registry per request, never removed (`Depends(db.get_scoped_session)`).
            """
from asyncio import current_task

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker, create_async_engine

class Database:
    def __init__(self, url):
        self.factory = async_sessionmaker(create_async_engine(url))

    def get_scoped_session(self):
        return async_scoped_session(self.factory, scopefunc=current_task)

database = Database("sqlite+aiosqlite://")
app = FastAPI()

@app.get("/users")
async def users(session=Depends(database.get_scoped_session)):
    return (await session.execute(text("select 1"))).scalar()
""",
            at="async_scoped_session(",
        ),
    ]

    # A class that opens its session in `start_session()` and closes it in
    # `close_session()` through a local alias of the attribute.
    _ADAPTOR = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

class DBConnect:
    def __init__(self, url):
        self.session_class = sessionmaker(bind=create_engine(url))

    def start_session(self):
        self.session = self.session_class()

    def close_session(self):
        session = self.session
        {close}
        del self.session
"""
    VALID += [Valid(_ADAPTOR.format(close="session.close()"))]
    INVALID += [Invalid(_ADAPTOR.format(close="session.flush()"), at="self.session_class()")]

    # A project adaptor whose `start_session()` opens a session on the object, for
    # its user to close with `close_session()`.
    _PIPELINE_ADAPTOR = {
        "adaptors.py": (
            "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
            "class PipelineAdaptor:\n    def __init__(self, url):\n"
            "        self.Session = sessionmaker(bind=create_engine(url))\n\n"
            "    def start_session(self):\n        self.session = self.Session()\n\n"
            "    def close_session(self):\n        self.session.close()\n\n"
            "    def pipelines(self):\n        return self.session.query(Pipeline).all()\n"
        )
    }
    _SEED = """
from adaptors import PipelineAdaptor

def seed_pipelines(url):
    pa = PipelineAdaptor(url)
    pa.start_session()
    names = [p.name for p in pa.pipelines()]
{end}
    return names
"""
    INVALID += [Invalid(_SEED.format(end=""), at="pa.start_session()", files=_PIPELINE_ADAPTOR)]
    VALID += [
        Valid(_SEED.format(end="    pa.close_session()"), files=_PIPELINE_ADAPTOR),
        # `start_session()` on an object the caller passes in: the caller's to close.
        Valid(
            _SEED.format(end="").replace(
                "def seed_pipelines(url):\n    pa = PipelineAdaptor(url)\n",
                "def seed_pipelines(pa):\n",
            ),
            files=_PIPELINE_ADAPTOR,
        ),
    ]

    # A project class that keeps the session it is given (`self._session = session`)
    # for a method of its own to close (`close_session()`), and a factory of the
    # project that hands out a new session inside one.
    _WRAPPER = {
        "db.py": (
            "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
            "engine = create_engine('sqlite://')\n\n"
            "class DBSession:\n    def __init__(self, session):\n"
            "        self._session = session\n\n"
            "    def employees(self):\n        return self._session.query(Employee).all()\n\n"
            "    def close_session(self):\n        self._session.close()\n\n"
            "class DataBase:\n    def __init__(self, engine):\n"
            "        self.session_factory = sessionmaker(bind=engine)\n\n"
            "    def make_session(self):\n        session = self.session_factory()\n"
            "        return DBSession(session)\n\n"
            "database = DataBase(engine)\n"
        )
    }
    _EMPLOYEES = """
from sqlalchemy.orm import Session
from db import DBSession, database, engine

def employees():
{made}
{body}
"""
    _CLOSED = "    try:\n        return db.employees()\n    finally:\n        db.close_session()"
    INVALID += [
        Invalid(
            _EMPLOYEES.format(
                made="    db = database.make_session()", body="    return db.employees()"
            ),
            at="database.make_session()",
            files=_WRAPPER,
        ),
        Invalid(
            _EMPLOYEES.format(
                made="    db = DBSession(Session(engine))", body="    return db.employees()"
            ),
            at="Session(engine)",
            files=_WRAPPER,
        ),
    ]
    VALID += [
        Valid(
            _EMPLOYEES.format(made="    db = database.make_session()", body=_CLOSED), files=_WRAPPER
        ),
        Valid(
            _EMPLOYEES.format(made="    db = DBSession(Session(engine))", body=_CLOSED),
            files=_WRAPPER,
        ),
        Valid(
            _EMPLOYEES.format(
                made="    session = Session(engine)\n    db = DBSession(session)", body=_CLOSED
            ),
            files=_WRAPPER,
        ),
        # The session goes to the object, which the caller gets: theirs to close.
        Valid(
            _EMPLOYEES.format(made="    db = DBSession(Session(engine))", body="    return db"),
            files=_WRAPPER,
        ),
    ]

    # A versioning extension's session on the connection of the session being flushed
    # (an untyped listener's parameter): it owns no connection of its own. On that
    # session's engine instead, it checks out one and keeps it.
    _UNIT_OF_WORK = """
import sqlalchemy as sa

class UnitOfWork:
    def __init__(self, manager):
        self.manager = manager
        self.version_session = None

    def process_before_flush(self, session):
        if not self.version_session:
            self.version_session = sa.orm.session.Session(bind=session.{bind})
        self.version_session.add_all(self.manager.pending)
"""
    VALID += [Valid(_UNIT_OF_WORK.format(bind="connection()"))]
    # click enters it now and exits it when the command's context closes.
    VALID += [
        Valid(
            """
import click
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

Session = sessionmaker(bind=create_engine("sqlite://"))

@click.group()
@click.pass_context
def db(ctx: click.Context):
    ctx.meta["session"] = ctx.with_resource(Session())
"""
        )
    ]
    INVALID += [Invalid(_UNIT_OF_WORK.format(bind="get_bind()"), at="sa.orm.session.Session(")]

    # A fixture that returns a session: pytest never closes what a fixture returns,
    # unless a fixture or test that asks for it does.
    _SESSION_FIXTURE = """
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine("postgresql://tests@localhost/tb_test")

@pytest.fixture
def session():
    return Session(engine)

def test_select(session):
    assert session.execute(text("SELECT 1")).scalar() == 1
{close}
"""
    INVALID += [Invalid(_SESSION_FIXTURE.format(close=""), at="Session(engine)")]
    VALID += [Valid(_SESSION_FIXTURE.format(close="    session.close()"))]

    # `next(gen)` again resumes the provider past its `yield`: its cleanup closes it.
    VALID += [
        Valid(
            CloseNotGuaranteed._GENERATOR_ITEM.format(
                body='    count = db.execute(text("select count(*) from users")).scalar()\n'
                + CloseNotGuaranteed._RESUMED
                + "    return count\n"
            )
        )
    ]

    # The session a `DatabaseManager()` opens in its `__init__`, which the function
    # never closes with the object's `close()`; kept by a service object, or handed
    # out, it is theirs.
    INVALID += [
        Invalid(
            CloseNotGuaranteed._DATABASE_MANAGER.format(
                body="    manager = DatabaseManager()\n    return manager.count_users()"
            ),
            at="DatabaseManager()\n    return",
        )
    ]
    # A script's `__main__` guard that makes one and never closes it; one it closes in a
    # `finally` is fine.
    INVALID += [
        Invalid(
            CloseNotGuaranteed._DATABASE_MANAGER.format(body="    pass")
            + '\nif __name__ == "__main__":\n    print(DatabaseManager().count_users())\n',
            at="DatabaseManager().count_users",
        )
    ]
    VALID += [
        Valid(
            CloseNotGuaranteed._DATABASE_MANAGER.format(body="    pass")
            + '\nif __name__ == "__main__":\n    manager = DatabaseManager()\n'
            "    try:\n        print(manager.count_users())\n    finally:\n"
            "        manager.close()\n"
        )
    ]
    VALID += [
        Valid(
            CloseNotGuaranteed._DATABASE_MANAGER.format(
                body="    return DatabaseManager()\n\nclass Service:\n    def __init__(self):\n"
                "        self.manager = DatabaseManager()"
            )
        ),
        # Not made to be closed by its maker: closed by the method that does the work,
        # or by `__del__`; and a wrapper given the caller's session keeps that one.
        Valid(
            """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(bind=create_engine("sqlite://"))

class Operator:
    def __init__(self):
        self.session = SessionLocal()

    def cities(self):
        return self.session.execute(text("SELECT name FROM cities")).all()

    def save(self, city):
        self.session.execute(text("INSERT INTO cities VALUES (:c)"), {"c": city})
        self.session.commit()
        self.session.close()

class Parser:
    def __init__(self):
        self.db = SessionLocal()

    def __del__(self):
        self.db.close()

class Wrapper:
    def __init__(self, session=None):
        self.session = session if session is not None else SessionLocal()

    def close(self):
        self.session.close()

def run(session):
    operator = Operator()
    parser = Parser()
    wrapper = Wrapper(session=session)
    return operator.cities(), parser, wrapper.session
"""
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for life in analysis.resources:
            dropped = _dropped_by_fastapi(analysis, life)
            if dropped is not None:
                yield Finding(life.call, dropped)
                continue
            if life.kind is Kind.SCOPED_SESSION:
                if life.verdict is Verdict.LEAKED:
                    yield Finding(
                        life.call,
                        f"`{code_of(life.call)}` makes a new registry on every call and drops "
                        f"it without `remove()`, so the session it hands out is never closed; "
                        f"keep one registry at module level, or use a plain session in a "
                        f"`with` block.",
                    )
                continue
            if not life.kind.is_session:
                continue
            if life.verdict is Verdict.HANDED_OUT:
                if analysis.returned_to_pytest(life):
                    yield Finding(life.call, returned_to_pytest(life))
                    continue
                kept = analysis.kept_unreleased(life)
                if kept is not None:
                    yield Finding(
                        life.call,
                        kept_unreleased(life, kept, f"use `{safe_form(life)}` in the method"),
                    )
                continue
            if life.verdict is not Verdict.LEAKED:
                continue
            state = never_closed(life)
            if _from_a_dropped_generator(life.call):
                # CPython finalises the generator as soon as `next()` returns: a `finally:
                # session.close()` in it runs then, before the session is used.
                called = life.call.func.value if isinstance(life.call.func, cst.Name) else "next"
                state = (
                    f"is not closed after its uses (`{called}()` drops the generator at once, "
                    "so its cleanup runs before them)"
                )
            if _from_a_generator(life.call):
                # What `next()` gives is no context manager: the generator's own cleanup
                # is what closes the session.
                close = "await gen.aclose()" if life.kind.is_async else "gen.close()"
                message = (
                    f"{noun(life.kind)} {origin(life)} {state}; keep the generator and "
                    f"close it when done (`{close}` in a `finally`), or open the session "
                    f"in {'an `async with`' if life.kind.is_async else 'a `with`'} block, "
                    f"so its connection returns to the pool."
                )
            elif held_by_the_script(life):
                if analysis.ends_with_commit(life):
                    continue  # its last commit returned the connection: nothing is held
                message = (
                    f"{noun(life.kind)} {origin(life)} {state}: its connection is held, "
                    f"with its transaction and locks, until the process exits; use "
                    f"`{safe_form(life)}` so it is released when its work is done."
                )
            else:
                message = (
                    f"{noun(life.kind)} {origin(life)} {state}; use "
                    f"`{safe_form(life)}` so its connection returns to the pool."
                )
            yield Finding(life.call, message, life)

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        life = finding.lifetime
        if life is None or life.verdict is not Verdict.LEAKED or not life.kind.is_session:
            return None  # a registry or a session kept on the instance: no mechanical fix
        if _from_a_generator(life.call):
            return None  # `with next(gen) as s:` would not close anything that matters
        return with_block_fix_for(source, span, life)


def _dropped_by_fastapi(analysis: Analysis, life: Lifetime) -> str | None:
    """A message when a session (or a new registry) is only returned, by a function
    FastAPI calls for `Depends(...)`: FastAPI closes nothing a plain function returns
    (only a generator dependency's code after its `yield` runs when the request ends),
    so every request leaves one open."""
    if life.verdict is not Verdict.HANDED_OUT or life.escapes != {Escape.RETURNED}:
        return None
    if not (life.kind.is_session or life.kind is Kind.SCOPED_SESSION) or life.scope.is_generator:
        return None
    dependents = analysis.contexts.fastapi_dependents(life.scope)
    if not dependents:
        return None
    dependent = dependents[0].rpartition(".")[2]
    if life.kind is Kind.SCOPED_SESSION:
        return (
            f"Registry `{code_of(life.call)}` is made anew for each request, returned to "
            f"FastAPI for `Depends()` in `{dependent}`, and never removed: FastAPI closes "
            f"nothing a plain dependency returns, so each request leaves its session open; "
            f"make the dependency a generator that yields a session from a `with` block."
        )
    keyword = "async with" if life.kind.is_async else "with"
    return (
        f"{noun(life.kind)} {origin(life)} is returned to FastAPI for `Depends()` in "
        f"`{dependent}` and never closed: FastAPI closes nothing a plain dependency "
        f"returns, so each request keeps a connection checked out until the garbage "
        f"collector finds the session; make the dependency a generator that yields it "
        f"from `{keyword} {code_of(life.call)} as session:`."
    )


def _from_a_generator(call: cst.Call) -> bool:
    """`next(gen)`, `anext(get_db())`: an item of a generator, not a session factory's."""
    return isinstance(call.func, cst.Name) and call.func.value in ("next", "anext")


def _from_a_dropped_generator(call: cst.Call) -> bool:
    """`next(get_db())`: the generator is a temporary, dropped once `next()` returns."""
    return (
        isinstance(call.func, cst.Name)
        and call.func.value in ("next", "anext")
        and len(call.args) >= 1
        and isinstance(call.args[0].value, cst.Call)
    )
