from __future__ import annotations

import textwrap
from collections.abc import Iterable

import libcst as cst

from ..diagnostics import Fix, Severity, Span
from ..semantic import Analysis, Kind, Lifetime, Verdict
from ._messages import code_of, noun, origin, safe_form
from .base import Finding, Invalid, Rule, Valid
from .resource_fix import with_block_fix_for

# A route that closes its session on every path but one, an early `return`.
_DELETE_USER = """
from flask import Flask, jsonify
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

app = Flask(__name__)
Session = sessionmaker(bind=create_engine("sqlite://"))

@app.route("/users/<name>", methods=["DELETE"])
def delete_user(name):
    session = Session()
    try:
        {check}
        user = session.execute(text("SELECT id FROM users WHERE name = :n"), {{"n": name}}).first()
        if user is None:
            {not_found}
        session.execute(text("DELETE FROM users WHERE id = :id"), {{"id": user.id}})
        session.commit()
        session.close()
        return jsonify({{"message": "deleted"}}), 200
    except Exception as e:
        session.rollback()
        session.close()
        return jsonify({{"error": str(e)}}), 500
"""
_NOT_FOUND = 'return jsonify({"error": "User not found."}), 404'


# A raw connection whose cursor is made before the `try` that closes it.
_CURSOR_FIRST = """
from sqlalchemy import create_engine

engine = create_engine("mysql+pymysql://app@db/oncall")

def get_events(team_id):
    connection = engine.raw_connection()
    cursor = connection.cursor()
{before}    try:
        cursor.execute("SELECT id FROM event WHERE team_id = %s", (team_id,))
        return cursor.fetchall()
    finally:
        cursor.close()
        connection.close()
"""


# A view that closes its session after a helper of the project's, whose handler
# catches every exception ({handler}).
_SWALLOWING_HELPER = """
from flask import Flask, jsonify
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app.db import engine
from app.models import Call

app = Flask(__name__)
SessionLocal = sessionmaker(bind=engine)

def count_calls(db, user_id):
    \"\"\"How many calls the user made; 0 when the database fails.\"\"\"
    try:
        return db.scalar(select(func.count(Call.id)).where(Call.user_id == user_id))
    except {handler}
        return 0

@app.get("/users/<user_id>/calls")
def calls(user_id):
    db = SessionLocal()
    total = count_calls(db, user_id)
    db.close()
    return jsonify(total=total)
"""
# A streamed export whose generator closes the view's session after yielding.
_STREAMED_EXPORT = """
from flask import Flask, Response
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.db import engine
from app.models import Call

app = Flask(__name__)
SessionLocal = sessionmaker(bind=engine)

@app.get("/export")
def export():
    db = SessionLocal()
    rows = db.scalars(select(Call))

    def generate():
{body}
    return Response(generate(), mimetype="text/csv")
"""
_STREAMED_FILES = {
    "app/__init__.py": "",
    "app/db.py": "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n",
    "app/models.py": "class Call:\n    id = user_id = None\n",
}


# A bot's helpers on a module-level `scoped_session` registry that nothing removes:
# each takes its thread's session by using it and closes it itself.
_REGISTRY_HELPERS = """
from sqlalchemy import Column, String, create_engine
from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker

BASE = declarative_base()
SESSION = scoped_session(sessionmaker(bind=create_engine("sqlite://")))

class Rules(BASE):
    __tablename__ = "rules"
    chat_id = Column(String, primary_key=True)
    rules = Column(String)

def get_rules(chat_id):
{body}
"""


# A query built, then run in a `try` whose `except` closes the session; {before} runs
# between.
_LAST_RUNS = """
from sqlalchemy.orm import Session

from models import Run, engine

def last_runs(workflow=None, limit=10):
    session = Session(engine)
    query = session.query(Run)
    if workflow:
        query = query.filter_by(workflow=workflow)
{before}    try:
        runs = query.order_by(Run.started_at.desc()).limit(limit).all()
    except Exception:
        session.close()
        raise
    session.close()
    return runs
"""


class CloseNotGuaranteed(Rule):
    """Connection or session is closed, but not when an exception is raised.

    ## What it does
    Finds connections and sessions that are closed with `close()` outside a `finally`
    block, so the close is skipped when anything between the creation and the close
    raises. This includes a FastAPI-style generator dependency that closes after `yield`
    without `try`/`finally`: FastAPI throws the endpoint's exception into the generator
    at the `yield`, and the close never runs. A pytest fixture that opens before `yield`
    and closes after it is fine: pytest resumes fixtures normally. A resource passed to
    a project function that closes it only at its end (not in a `finally` or a `with`;
    one that closes it only in an `except` handler does not close it after its work, and
    that is SQA102's matter) is reported the same way, and so is one closed in a
    `finally` when a call runs between its creation and the start of that `try`, in code
    that runs again and again (not in an entry point that runs once: a migration's
    `env.py`, a fixture, a command, `main`) (making a DBAPI cursor there, `cursor =
    connection.cursor()`, is no round trip to the server and does not count, nor does
    staging objects in a session, `session.add(error)`, or building a query on it, `top
    = session.query(User).limit(10)`: they run no SQL). So is one closed on every path
    but one: a `return` ahead of all its closes (`if user is None: return ...`) leaves
    it open whenever that path is taken, without any exception (a session, once it has
    run a query: before, it holds no connection). So is a session (or connection) opened
    on an object of the project by one of its methods, called as a statement on an
    object the function makes (`adaptor = PlatformAdaptor(); adaptor.start_session()`,
    where `start_session()` keeps a new session on `self` and another method of the
    class, or of a base class, `close_session()`, closes it), or by the `__init__` of an
    object the function makes (`manager = DatabaseManager()`, whose `__init__` keeps
    `self.db = SessionLocal()` and whose `close()` closes it), when that closing method
    is called outside a `finally`.

    Not reported in a program's command (a console script the project installs, a click
    or typer command, a function that parses the command line, an Airflow task; not a
    public function of an installable package's module that only the package's own
    commands call, which the package's users may call too), in a migration's
    `upgrade()`/`downgrade()` (a module in a `versions` or `migrations` folder) or a
    function of it only those steps call, or at a script's top level: an exception that
    escapes it ends the process (or the migration run), which releases the connection.
    Nor a session made just before a `try:` whose body closes it and whose broad
    `except` rolls it back (or closes it): a session's `rollback()` returns its
    connection to the pool. (A close in a broad `except` and another on the normal path
    count only when nothing that can raise runs between the creation and that `try`: a
    query before it fails past both; building one on a session, `query =
    session.query(Run)`, `query = query.filter_by(...)`, runs no statement, and a
    session takes its connection only for its first.) Nor a session that nothing runs on
    before its close (the local is read only to close it, or to look at the object: `db
    is not None`, `isinstance(db, Session)`): it takes a connection only for its first
    statement, so an exception before the close leaks none. An item of a generator kept
    in a local (`db = next(gen)`) is released by `gen.close()` or by `next(gen)` again,
    which resumes the generator past its `yield` and so runs its cleanup. Nor one closed
    with nothing that can raise between its creation and the close (the next line, or
    the `else:` of the `try` that made it), or with only calls of project functions that
    catch every exception themselves (`total = count_calls(db, user)`, where
    `count_calls` is a `try` whose `except Exception:` logs and returns 0; a narrower
    handler of theirs that re-raises lets the error out).

    A function that takes its thread's session from a module-level `scoped_session`
    registry by using it (`rules = SESSION.query(Rules).get(chat_id)`) and closes it
    itself (`SESSION.close()`) is held to the same: the close must be in a `finally`
    around that first use, since the use itself can fail holding a connection. Not
    when something else ends the registry's sessions: a `remove()` of it, a web
    framework's teardown hook, Flask-SQLAlchemy or `zope.sqlalchemy` (a `remove()`
    beside the engine's `dispose()`, a storage's `close()` at shutdown, ends them once,
    not per unit of work). One that calls the registry for its session (`session =
    self.Session()`) is reported at that call; one that calls it again (in another
    branch of an `if`, or after closing the first) is held to the same for each
    session it takes, with the closes that follow that take. A registry the function makes itself
    for the call (`scoped_session(sessionmaker(...))`, or a helper that makes one
    anew on every call, `database = get_session()`) and removes at its end outside a
    `finally` is reported at its making: an exception skips the `remove()`, which
    would have closed the session it handed out.

    A session (or connection) that `__init__` keeps on the instance
    (`self.session = Session()`) of a class made per operation (each handler makes one:
    `UserManager().add(user)`) is reported when methods of the class close it as part of
    their work outside a `finally` (`self.session.commit()` then
    `self.session.close()`), and no method meant for it (`close()`, `__exit__`) or code
    outside closes it: an exception in such a method leaks it, once per object.

    Not a session (or connection) kept by a function that never returns, opened before
    the `while True:` loop it ends in, which closes it to reopen it (see SQA102): the
    thread keeps it for its life.

    A session (or connection) that `__enter__`/`__aenter__` keeps on the instance and
    `__exit__`/`__aexit__` closes after committing it, outside a `finally` (a unit of
    work's exit that commits, or rolls back on an exception, then closes), is reported
    too: a commit that fails raises out of the exit method before the close.

    A session that a nested generator closes after it yields, outside a `finally`
    (a streamed response's `def generate(): for row in rows: yield ...` then
    `db.close()`), is reported too: a client that disconnects makes the server close
    the generator at a `yield`, and the close after it never runs.

    ## Why is this bad?
    Errors are exactly when connections leak: a failed query, a timeout or a
    validation error skips the `close()`, and the connection stays checked out of
    the pool. A service that fails a few requests a minute slowly exhausts its
    pool and then fails every request.

    ## Example
    ```python
    def get_db():
        db = SessionLocal()
        yield db
        db.close()
    ```

    ## Use instead
    ```python
    def get_db():
        with SessionLocal() as db:
            yield db
    ```

    ## Fix safety
    The fix turns the creation and the explicit close into a `with` block around
    the statements in between. It is safe: on the normal path it closes at the
    same point, and on the exceptional path it closes where the original leaked.

    ## References
    - [Session Basics: opening and closing a session](https://docs.sqlalchemy.org/en/20/orm/session_basics.html)
    - [FastAPI: dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    """

    code = "SQA104"
    name = "close-not-guaranteed"
    default_severity = Severity.INFORMATION

    VALID = [
        # Only `add()` of a new object runs before the `try`: it runs no SQL, so the
        # session holds no connection there, and nothing fails for it.
        Valid(
            """
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from .db import engine
from .models import Error

Session = sessionmaker(bind=engine)

def add_error(message, task_id):
    session = Session()
    error = Error(message=message, task_id=task_id)
    session.add(error)
    try:
        session.commit()
    except SQLAlchemyError:
        session.rollback()
    finally:
        session.close()
"""
        ),
        # The registry's session, closed in a `finally` around its first use.
        Valid(
            _REGISTRY_HELPERS.format(
                body=(
                    "    try:\n"
                    "        rules = SESSION.query(Rules).get(str(chat_id))\n"
                    '        return rules.rules if rules else ""\n'
                    "    finally:\n"
                    "        SESSION.close()\n"
                )
            )
        ),
        # Nothing between the creation and the close can raise: the one call there is
        # a helper that catches every exception itself.
        Valid(_SWALLOWING_HELPER.format(handler="Exception:"), files=_STREAMED_FILES),
        # The generator closes it in a `finally`, which also runs when the stream is
        # abandoned (`GeneratorExit`) or fails.
        Valid(
            _STREAMED_EXPORT.format(
                body=(
                    "        try:\n"
                    "            for row in rows:\n"
                    '                yield f"{row.id}\\n"\n'
                    "        finally:\n"
                    "            db.close()\n"
                )
            ),
            files=_STREAMED_FILES,
        ),
        # Connected in a `try` and closed at once in its `else` (waiting for a database
        # to come up): nothing runs between the two.
        Valid(
            """
from sqlalchemy import create_engine

def wait_for_database(url):
    engine = create_engine(url)
    for _ in range(10):
        try:
            c = engine.connect()
        except ConnectionError:
            pass
        else:
            c.close()
            break
    engine.dispose()
"""
        ),
        # The handler's rollback returns the session's connection.
        Valid(
            """
from sqlalchemy.orm import sessionmaker

from .db import engine

Session = sessionmaker(bind=engine)

def save(rows):
    session = Session()
    try:
        session.add_all(rows)
        session.commit()
        session.close()
    except Exception as error:
        session.rollback()
        print(error)
"""
        ),
        # A script's top level: an exception ends the script, and the session with it.
        Valid(
            """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

session = Session(create_engine("sqlite:///app.db"))
for name in ["a", "b"]:
    session.execute(text("INSERT INTO tags (name) VALUES (:name)"), {"name": name})
session.commit()
session.close()
"""
        ),
        Valid(
            """
import argparse

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

def migrate():
    # A command: if the copy raises, the process ends and the session with it.
    args = argparse.ArgumentParser().parse_args()
    session = Session(create_engine(args.url))
    session.execute("select 1")
    session.close()
"""
        ),
        Valid(
            """
import pytest
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

@pytest.fixture
def connection():
    conn = engine.connect()
    yield conn
    conn.close()

def in_finally():
    conn = engine.connect()
    try:
        conn.exec_driver_sql("select 1")
    finally:
        conn.close()

def nothing_between():
    conn = engine.connect()
    conn.close()
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def swallowed(log):
    conn = engine.connect()
    try:
        conn.exec_driver_sql("select 1")
    except Exception:
        log.exception("query failed")
    conn.close()

def closed_on_both_paths():
    conn = engine.connect()
    try:
        conn.exec_driver_sql("select 1")
    except BaseException:
        conn.close()
        raise
    conn.close()
"""
        ),
        Valid(
            """
import argparse
import asyncio

from sqlalchemy.ext.asyncio import create_async_engine

async def drop_schema(engine):
    # Only the command below calls this, outside any `try`: an exception ends the
    # process, and the connection with it.
    conn = await engine.connect()
    await conn.exec_driver_sql("DROP SCHEMA app CASCADE")
    await conn.close()

def main():
    args = argparse.ArgumentParser().parse_args()
    asyncio.run(drop_schema(create_async_engine(args.url)))
"""
        ),
    ]
    # Only query building runs before the `try` that runs the query and closes the
    # session on any failure: the session takes its connection for its first statement.
    VALID += [Valid(_LAST_RUNS.format(before=""))]
    # Built before the `try` whose `finally` closes the session, run inside it.
    VALID += [
        Valid(
            """
from sqlalchemy.orm import Session

from models import User, engine

def top_users(limit=10):
    session = Session(engine)
    top = session.query(User).order_by(User.karma.desc()).limit(limit)
    try:
        return [f"{user.name}: {user.karma}" for user in top]
    finally:
        session.close()
"""
        )
    ]
    VALID += [
        # An Airflow task runs in a process of its own: an exception fails the task and
        # ends the process, which releases the connection (a test calling the helper
        # says nothing of how it runs in use).
        Valid(
            """
from airflow.sdk import task
from sqlalchemy import create_engine

def export(path):
    conn = create_engine("postgresql://reports@db/reports").raw_connection()
    cursor = conn.cursor()
    with open(path, "w") as out:
        cursor.copy_expert("COPY publications TO STDOUT WITH CSV", out)
    conn.close()

@task
def export_task(path):
    export(path)
"""
        ),
    ]
    VALID += [
        # A session takes its connection on first use: what runs before the `try`
        # without using it cannot leak one.
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def save(item, Model):
    session = Session(engine)
    row = Model(**item)
    try:
        session.add(row)
        session.commit()
    finally:
        session.close()
"""
        ),
    ]
    VALID += [
        # Nothing between the connection and its close can raise.
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

def test_connection(url):
    engine = create_engine(url)
    try:
        connection = engine.connect()
        print("Connection success!")
        connected = True
        connection.close()
    except OperationalError:
        print("Connection failed!")
    finally:
        engine.dispose()
"""
        ),
    ]
    VALID += [
        # Before the `try`, the session is only given attributes: it holds no
        # connection yet, and nothing that uses it can fail.
        Valid(
            """
from sqlalchemy.orm import sessionmaker

from .models import Base

Session = sessionmaker()

def set_models_as_attributes(obj):
    for name, model in Base.registry._class_registry.items():
        setattr(obj, name, model)

def session_scope():
    session = Session()
    set_models_as_attributes(session)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
"""
        ),
    ]
    # The `return` ahead of every close leaves the session open on its path, unless
    # it closes first, or comes before any use of the session (which holds no
    # connection until its first query).
    VALID += [
        Valid(
            _DELETE_USER.format(check="", not_found="session.close()\n            " + _NOT_FOUND)
        ),
        Valid(
            _DELETE_USER.format(
                check="if not name:\n            " + _NOT_FOUND.replace("404", "400"),
                not_found="session.close()\n            " + _NOT_FOUND,
            )
        ),
    ]

    # Making a DBAPI cursor is no round trip to the server: nothing there can fail for
    # the connection; a statement it runs before the `try` can.
    VALID += [Valid(_CURSOR_FIRST.format(before=""))]

    # A worker's wrapper makes a resource and hands it on, before any use of it, to a
    # function that hands it to one that closes it in a `with` block.
    _WORKER = """
import logging

from sqlalchemy import create_engine, select, table
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def query_rows(resource, condition, queue):
    with resource:
        for row in resource.execute(select(table("artist")).where(condition)):
            queue.put(row)

def index_entity(resource, name, bounds, queue):
    condition = table(name).c.id.between(*bounds)  # may raise: nothing taken yet
    query_rows(resource, condition, queue)

def index_wrapper(args):
    try:
        resource = {make}
        return index_entity(resource, *args)
    except Exception:
        logging.exception("indexing %s failed", args[0])
"""
    # ... a session takes its connection on its first use, inside that `with`.
    VALID += [Valid(_WORKER.format(make="Session(engine)"))]

    # A backup loop: every table's export is a `try` that swallows what it raises, so
    # nothing between the session and its close gets out.
    _BACKUP = """
import logging

import pandas as pd
from sqlalchemy import MetaData, create_engine
from sqlalchemy.orm import sessionmaker

def backup(url, tables, folder):
    engine = create_engine(url)
    session = sessionmaker(bind=engine)()
    for name in tables:
        try:
            model = MetaData().tables[name]
            pd.DataFrame(session.query(model).all()).to_csv(f"{{folder}}/{{name}}.csv")
        except Exception:
            {handler}
    session.close()
    engine.dispose()
"""
    VALID += [Valid(_BACKUP.format(handler="pass"))]

    # A `scoped_session` registry kept on the instance: `self.Session()` is this
    # thread's session, which stays in the registry after `close()`.
    _INSTANCE_REGISTRY = """
from sqlalchemy.orm import scoped_session, sessionmaker

from .models import Statement

class Storage:
    def __init__(self, engine):
        self.Session = scoped_session(sessionmaker(bind=engine))

    def create(self, text):
        session = self.Session()
{body}"""

    # An item of a dependency's generator, kept to close: closing the generator runs
    # its `finally`, which closes the session.
    _GENERATOR_ITEM = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(create_engine("sqlite://"))

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()

def count_users():
    gen = get_db()
    db = next(gen)
{body}"""
    VALID += [
        Valid(
            _GENERATOR_ITEM.format(
                body="    try:\n"
                '        return db.execute(text("select count(*) from users")).scalar()\n'
                "    finally:\n"
                "        gen.close()\n"
            )
        )
    ]

    VALID += [
        Valid(
            _INSTANCE_REGISTRY.format(
                body="        try:\n"
                "            session.add(Statement(text=text))\n"
                "            session.commit()\n"
                "        finally:\n"
                "            session.close()\n"
            )
        )
    ]

    INVALID = [
        # A count runs before the `try`: if it fails, the connection it took leaks.
        Invalid(
            _LAST_RUNS.format(before="    total = query.count()\n"),
            at="Session(engine)",
        ),
        Invalid(
            _GENERATOR_ITEM.format(
                body='    count = db.execute(text("select count(*) from users")).scalar()\n'
                "    gen.close()\n"
                "    return count\n"
            ),
            at="next(gen)",
        ),
        # Closed on the next line: a failing query skips it, and the thread's session
        # keeps its connection.
        Invalid(
            _REGISTRY_HELPERS.format(
                body=(
                    "    rules = SESSION.query(Rules).get(str(chat_id))\n"
                    "    SESSION.close()\n"
                    '    return rules.rules if rules else ""\n'
                )
            ),
            at="SESSION.query(Rules)",
        ),
        # The helper's narrower handler re-raises: what it raises skips the close.
        Invalid(
            _SWALLOWING_HELPER.format(handler="LookupError:\n        raise\n    except Exception:"),
            at="SessionLocal()",
            files=_STREAMED_FILES,
        ),
        # This thread's session, taken by calling a registry the instance keeps.
        Invalid(
            _INSTANCE_REGISTRY.format(
                body="        session.add(Statement(text=text))\n"
                "        session.commit()\n"
                "        session.close()\n"
            ),
            at="self.Session()",
        ),
        # ... also when the storage removes the registry's sessions at shutdown.
        Invalid(
            _INSTANCE_REGISTRY.format(
                body="        session.add(Statement(text=text))\n"
                "        session.commit()\n"
                "        session.close()\n\n"
                "    def close(self):\n"
                "        self.Session.remove()\n"
                "        self.Session.bind.dispose()\n"
            ),
            at="self.Session()",
        ),
        # The same in the function: the `try` between lets a `LookupError` out.
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def narrower_handler_reraises(log):
    conn = engine.connect()
    try:
        conn.exec_driver_sql("select 1")
    except LookupError:
        raise
    except Exception:
        log.exception("query failed")
    conn.close()
""",
            at="engine.connect()",
        ),
        # Closed after the last `yield` only: a client that disconnects leaves it open.
        Invalid(
            _STREAMED_EXPORT.format(
                body=(
                    "        for row in rows:\n"
                    '            yield f"{row.id}\\n"\n'
                    "        db.close()\n"
                )
            ),
            at="SessionLocal()",
            files=_STREAMED_FILES,
        ),
        Invalid(
            _CURSOR_FIRST.format(before='    cursor.execute("SET NAMES utf8mb4")\n'),
            at="engine.raw_connection()",
        ),
        Invalid(_DELETE_USER.format(check="", not_found=_NOT_FOUND), at="Session()"),
        Invalid(
            _DELETE_USER.format(
                check="if not name:\n            " + _NOT_FOUND.replace("404", "400"),
                not_found=_NOT_FOUND,
            ),
            at="Session()",
        ),
        # A classmethod read off its class fills its parameters after `cls`: the
        # session goes to `session`, which it only queries (it keeps `name`).
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

from app.db import engine
from app.models import Location

SessionMaker = sessionmaker(bind=engine)

def update_tops(users):
    session = SessionMaker()
    for user in users:
        Location.get_create_location(user["location"], session)
    session.close()
""",
            at="SessionMaker()",
            files={
                "app/__init__.py": "",
                "app/db.py": "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n",
                "app/models.py": (
                    "class Location:\n"
                    "    def __init__(self, name):\n"
                    "        self.name = name\n\n"
                    "    @classmethod\n"
                    "    def get_create_location(cls, name, session):\n"
                    "        location = session.query(cls).filter_by(name=name).first()\n"
                    "        if location is None:\n"
                    "            location = Location(name=name)\n"
                    "            session.add(location)\n"
                    "        return location\n"
                ),
            },
        ),
        # The helper queries with the session before the `try` that closes it.
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

Session = sessionmaker()

def warm_up(obj):
    obj.execute("SELECT 1")

def handle(job):
    session = Session()
    warm_up(session)
    try:
        job(session)
    finally:
        session.close()
""",
            at="Session()",
        ),
        # A message built from the connection's facts may raise.
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

def test_connection(url):
    engine = create_engine(url)
    try:
        connection = engine.connect()
        print("Connected to", connection.engine.url.database.upper())
        connection.close()
    except OperationalError:
        print("Connection failed!")
    finally:
        engine.dispose()
""",
            at="engine.connect()",
        ),
        # Unpacked from a helper's tuple, reflected with before the `try` (SQLAlchemy's
        # `Table` only uses the connection it is given); the function is made a
        # library class's method, so its callers are not in the project.
        Invalid(
            """
import agate
from sqlalchemy import MetaData, Table, create_engine, select

def engine_and_connection(url):
    engine = create_engine(url)
    return engine, engine.connect()

def from_sql(cls, url, name):
    engine, connection = engine_and_connection(url)
    table = Table(name, MetaData(), autoload_with=connection)
    rows = connection.execute(select(table))
    try:
        return cls(rows)
    finally:
        connection.close()
        engine.dispose()

agate.Table.from_sql = classmethod(from_sql)
""",
            at="engine_and_connection(url)",
            occurrence=2,
        ),
        # Used before the `try` whose `finally` closes it.
        Invalid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def reset():
    conn = engine.connect()
    conn.execute(text("commit"))
    try:
        conn.execute(text("drop table t"))
    finally:
        conn.close()
""",
            at="engine.connect()",
        ),
        # A fixture's teardown, made after the `yield`, is code like any other.
        Invalid(
            """
import pytest
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

@pytest.fixture
def database():
    yield
    conn = engine.connect()
    conn.execute(text("drop table t"))
    conn.close()
""",
            at="engine.connect()",
        ),
        Invalid(
            """
import argparse

from sqlalchemy import create_engine

def drop_schema(engine):
    conn = engine.connect()
    conn.exec_driver_sql("DROP SCHEMA app CASCADE")
    conn.close()

def main(log):
    args = argparse.ArgumentParser().parse_args()
    for url in args.urls:
        try:  # the command goes on after a failure: the connection stays open
            drop_schema(create_engine(url))
        except Exception:
            log.exception("could not drop %s", url)
""",
            at="engine.connect()",
        ),
        # A context manager that enters and exits the session by hand around its
        # `yield`: an exception in the block skips the exit.
        Invalid(
            """
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

session_maker = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))

@asynccontextmanager
async def make_db_session():
    session = session_maker()
    await session.__aenter__()
    yield session
    await session.__aexit__(None, None, None)
""",
            at="session_maker()",
        ),
        # ... but a handler that re-raises lets the error out.
        Invalid(
            _BACKUP.format(handler='logging.error("%s failed", name)\n            raise'),
            at="sessionmaker(bind=engine)()",
        ),
        # A worker's wrapper hands the resource on; two calls down, `with` closes it.
        Invalid(_WORKER.format(make="engine.connect()"), at="engine.connect()"),
        Invalid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def insert_rates(connection, rates):
    connection.execute(text("DELETE FROM rates"))
    connection.execute(text("INSERT INTO rates VALUES (:name, :rate)"), rates)
    connection.close()  # skipped when an insert fails

def job(rates):
    connection = engine.connect()
    insert_rates(connection, rates)
""",
            at="engine.connect()",
        ),
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()

def analyze(repo_id):
    session = SessionLocal()
    repo = session.get(dict, repo_id)
    analyze_repo(repo, session)

def analyze_repo(repo, session):
    session.merge(repo)
    session.commit()
    session.close()  # the callee closes it, but a failing commit skips the close
""",
            at="SessionLocal()",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def count():
    conn = engine.connect()
    total = conn.execute(text("select count(*) from t")).scalar()
    conn.close()
    return total
""",
            at="engine.connect()",
        ),
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()

def get_db():
    db = SessionLocal()
    yield db
    db.close()
""",
            at="SessionLocal()",
        ),
        Invalid(
            """
from sqlalchemy.ext.asyncio import AsyncSession

async def save(engine, item):
    session = AsyncSession(engine)
    session.add(item)
    await session.commit()
    await session.close()
""",
            at="AsyncSession(engine)",
        ),
    ]

    # A bot's handler that takes the thread's session of a module-level registry in
    # each branch, and closes each take itself.
    _REGISTRY_TAKES = """
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

from .models import Channel

Session = scoped_session(sessionmaker(bind=create_engine("sqlite://")))

async def add_channel(message):
    if message.forward_from_chat is not None:
        session = Session()
        try:
            session.add(Channel(id=message.forward_from_chat.id))
            session.commit()
        finally:
            session.close()
{other}
"""
    _GUARDED_TAKE = (
        "        session = Session()\n"
        "        try:\n"
        "            session.add(Channel(link=message.text))\n"
        "            session.commit()\n"
        "        finally:\n"
        "            session.close()\n"
    )
    _UNGUARDED_TAKE = (
        "        session = Session()\n"
        "        session.add(Channel(link=message.text))\n"
        "        session.commit()\n"
        "        await message.answer('added')\n"
        "        session.close()\n"
    )
    VALID += [Valid(_REGISTRY_TAKES.format(other="    else:\n" + _GUARDED_TAKE))]
    INVALID += [
        # The other branch's take: a failed commit skips its close.
        Invalid(
            _REGISTRY_TAKES.format(other="    else:\n" + _UNGUARDED_TAKE),
            at="Session()",
            occurrence=2,
        ),
        # Taken again after the first is closed, the second is held to the same.
        Invalid(
            _REGISTRY_TAKES.format(other=_UNGUARDED_TAKE.replace("        ", "    ")),
            at="Session()",
            occurrence=2,
        ),
    ]

    # A close in a broad `except` and one after the `try`: safe only when nothing that
    # can raise runs between the session's creation and that `try`.
    _ADD_DAYS = """
from aiogram import Router
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(bind=create_engine("sqlite://"))
router = Router()

@router.message()
async def process_days(message):
    session = SessionLocal()
{before}
        try:
            session.execute(text("UPDATE users SET days = days + 7 WHERE id = :id"), {{"id": 1}})
            session.commit()
        except Exception:
            session.rollback()
            session.close()
            await message.answer("failed")
            return
    session.close()
    await message.answer("done")
"""
    INVALID += [
        Invalid(
            _ADD_DAYS.format(
                before='    user = session.execute(text("SELECT id FROM users")).first()\n'
                "    if user:"
            ),
            at="SessionLocal()\n",
        )
    ]
    VALID += [Valid(_ADD_DAYS.format(before="    if message.text:"))]

    # A repository class that keeps a session per instance, made by every handler,
    # whose methods close it when their work is done.
    _MANAGER = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

Session = sessionmaker(bind=create_engine("sqlite://"))

class UserManager:
    def __init__(self):
        self.session = Session()

    def add(self, user):
{add}

    def delete(self, user):
        try:
            self.session.delete(user)
            self.session.commit()
            self.session.close()
            return True
        except Exception:
            self.session.close()
            return False
"""
    _HANDLERS = {
        "handlers.py": (
            "from aiogram import Router\n\nfrom main import UserManager\n\n"
            "router = Router()\n\n@router.message()\nasync def register(message):\n"
            "    UserManager().add(message.from_user)\n"
        )
    }
    _ADD = (
        "        self.session.add(user)\n        self.session.commit()\n"
        "        self.session.close()\n        return user"
    )
    INVALID += [Invalid(_MANAGER.format(add=_ADD), at="Session()\n", files=_HANDLERS)]
    VALID += [
        Valid(
            _MANAGER.format(
                add="        try:\n            self.session.add(user)\n"
                "            self.session.commit()\n        finally:\n"
                "            self.session.close()\n        return user"
            ),
            files=_HANDLERS,
        ),
        # Made once, at the top of the bot's module: one session for the process
        # (SQA105's question, not this rule's).
        Valid(
            _MANAGER.format(add=_ADD),
            files={
                "handlers.py": _HANDLERS["handlers.py"]
                .replace("router = Router()", "router = Router()\nmanager = UserManager()")
                .replace("    UserManager().add", "    manager.add")
            },
        ),
    ]

    # A project adaptor whose `start_session()` opens a session on the object and
    # whose `close_session()` (in its base class, another module) closes it.
    _ADAPTORS = {
        "dbconnect.py": (
            "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
            "Factory = sessionmaker(bind=create_engine('sqlite://'))\n\n"
            "class DBConnect:\n    def start_session(self):\n        self.session = Factory()\n\n"
            "    def close_session(self):\n        session = self.session\n"
            "        session.close()\n        del self.session\n"
        ),
        "adaptors.py": (
            "from dbconnect import DBConnect\n\nclass PlatformAdaptor(DBConnect):\n"
            "    def store(self, rows):\n        self.session.add_all(rows)\n"
            "        self.session.commit()\n"
        ),
    }
    _LOAD = """
from adaptors import PlatformAdaptor

def load_platforms(rows):
    pl = PlatformAdaptor()
    pl.start_session()
{body}
"""
    INVALID += [
        Invalid(
            _LOAD.format(body="    pl.store(rows)\n    pl.close_session()"),
            at="pl.start_session()",
            files=_ADAPTORS,
        )
    ]
    VALID += [
        Valid(
            _LOAD.format(
                body="    try:\n        pl.store(rows)\n    finally:\n        pl.close_session()"
            ),
            files=_ADAPTORS,
        ),
        # The object leaves with what it holds: its user closes it.
        Valid(_LOAD.format(body="    pl.store(rows)\n    return pl"), files=_ADAPTORS),
    ]

    # A library's public function that only its own command-line tool calls: its
    # users may call it again and again, in a process that outlives a failure.
    _WALLETS = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

Session = sessionmaker(bind=create_engine("sqlite://"))

def {name}(wallet):
    session = Session()
    session.execute(text("DELETE FROM keys WHERE wallet = :w"), {{"w": wallet}})
    session.commit()
    session.close()
"""
    _WALLET_TOOL = (
        "import argparse\n\nfrom main import {name}\n\ndef main():\n"
        "    parser = argparse.ArgumentParser()\n    parser.add_argument('wallet')\n"
        "    {name}(parser.parse_args().wallet)\n"
    )
    INVALID += [
        Invalid(
            _WALLETS.format(name="wallet_empty"),
            at="Session()",
            files={"__init__.py": "", "clw.py": _WALLET_TOOL.format(name="wallet_empty")},
        )
    ]
    VALID += [
        # The package's private helper: only its tool calls it, once per run.
        Valid(
            _WALLETS.format(name="_wallet_empty"),
            files={"__init__.py": "", "clw.py": _WALLET_TOOL.format(name="_wallet_empty")},
        )
    ]

    # A helper that makes a new `scoped_session` registry on every call: the caller
    # owns it, and its `remove()` closes the session it handed out (a periodic job of
    # a plugin, run for the life of the server).
    _CACHE_GC = """
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("sqlite://")

def get_session():
    return scoped_session(sessionmaker(bind=engine))

class CachePlugin:
    def gc(self):
        database = get_session()
{body}
"""
    _GC_WORK = (
        'database.execute(text("DELETE FROM cache WHERE updated < :t"), {"t": time.time()})\n'
        "database.commit()\n"
    )
    INVALID += [
        Invalid(
            _CACHE_GC.format(body=textwrap.indent(_GC_WORK + "database.remove()", " " * 8)),
            at="get_session()",
            occurrence=2,
        ),
        # Removed at the end, but an early `return` skips it.
        Invalid(
            _CACHE_GC.format(
                body=textwrap.indent(
                    'if database.execute(text("SELECT count(*) FROM cache")).scalar() == 0:\n'
                    "    return\n" + _GC_WORK + "database.remove()",
                    " " * 8,
                )
            ),
            at="get_session()",
            occurrence=2,
        ),
    ]
    VALID += [
        Valid(
            _CACHE_GC.format(
                body=textwrap.indent(
                    "try:\n"
                    + textwrap.indent(_GC_WORK, "    ")
                    + "finally:\n    database.remove()",
                    " " * 8,
                )
            )
        ),
        # The registry's session taken before the `try`: it holds no connection until
        # it runs SQL, inside the `try`.
        Valid(
            _CACHE_GC.format(
                body=textwrap.indent(
                    "session = database()\ntry:\n"
                    + textwrap.indent(_GC_WORK.replace("database.", "session."), "    ")
                    + "finally:\n    session.close()\n    database.remove()",
                    " " * 8,
                )
            )
        ),
    ]

    # A unit of work: `__aenter__` opens the session, `__aexit__` commits (or rolls
    # back) and then closes it; a commit that fails raises before the close.
    _UNIT_OF_WORK = """
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

async_session_maker = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))

class UnitOfWork:
    async def __aenter__(self):
        self._session = async_session_maker()
        return self

    async def __aexit__(self, exc_type, exc, tb):
{exit}

async def add_user(user):
    async with UnitOfWork() as uow:
        uow._session.add(user)
"""
    INVALID += [
        Invalid(
            _UNIT_OF_WORK.format(
                exit="        if exc_type is None:\n"
                "            await self._session.commit()\n"
                "        else:\n"
                "            await self._session.rollback()\n"
                "        await self._session.close()"
            ),
            at="async_session_maker()",
        )
    ]
    VALID += [
        Valid(
            _UNIT_OF_WORK.format(
                exit="        try:\n"
                "            if exc_type is None:\n"
                "                await self._session.commit()\n"
                "            else:\n"
                "                await self._session.rollback()\n"
                "        finally:\n"
                "            await self._session.close()"
            )
        ),
        Valid(_UNIT_OF_WORK.format(exit="        await self._session.close()")),
    ]

    # A scheduler thread's main loop never returns: the session it opens before the
    # loop is the thread's for its life, and one it opens again to reconnect replaces
    # the one it closed first. A loop that can end (`return`) is the function's.
    _SCHEDULER = """
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine("sqlite:///jobs.db")

def background():
    session = Session(engine)
    while True:
        try:
            session.execute(text("UPDATE job SET status = 'running' WHERE status = 'pending'"))
            session.commit()
        except Exception:
            {recover}
        time.sleep(5)
"""
    VALID += [
        Valid(_SCHEDULER.format(recover="session.close()\n            session = Session(engine)"))
    ]
    INVALID += [
        Invalid(
            _SCHEDULER.format(recover="session.close()\n            return"),
            at="Session(engine)",
        )
    ]

    # A session that nothing runs on before its close holds no connection: whatever
    # raises in between leaks an empty `Session` object, nothing of the pool's.
    _UNUSED_SESSION = """
import unittest

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from tasks import summarize

class TestTasks(unittest.TestCase):
    def setUp(self):
        self.Session = sessionmaker(bind=create_engine("sqlite://"))

    def test_summary(self):
        session = self.Session()
        {use}
        response = summarize("Python is a language.")
        self.assertIsInstance(response.title, str)
        session.close()
"""
    _TASKS = {"tasks.py": "def summarize(text):\n    raise NotImplementedError\n"}
    VALID += [Valid(_UNUSED_SESSION.format(use="pass"), files=_TASKS)]
    INVALID += [
        Invalid(
            _UNUSED_SESSION.format(use='session.execute(text("SELECT 1"))'),
            at="self.Session()",
            files=_TASKS,
        )
    ]

    # `next(gen)` again resumes the generator past its `yield`, so its `finally` runs:
    # a release, here outside a `finally` of the caller's.
    _RESUMED = "    try:\n        next(gen)\n    except StopIteration:\n        pass\n"
    INVALID += [
        Invalid(
            _GENERATOR_ITEM.format(
                body='    count = db.execute(text("select count(*) from users")).scalar()\n'
                + _RESUMED
                + "    return count\n"
            ),
            at="next(gen)",
        )
    ]
    # Nothing runs on it (only the object is looked at): it never holds a connection.
    VALID += [
        Valid(
            _GENERATOR_ITEM.format(
                body="    assert db is not None and isinstance(db, object)\n" + _RESUMED
            )
        )
    ]
    # An object whose `__init__` opens a session for its maker to close with the
    # object's `close()` (a bot handler's `DatabaseManager()`).
    _DATABASE_MANAGER = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(bind=create_engine("sqlite://"))

class DatabaseManager:
    def __init__(self):
        self.db = SessionLocal()

    def count_users(self):
        return self.db.execute(text("SELECT count(*) FROM users")).scalar()

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

def user_count():
{body}
"""
    INVALID += [
        Invalid(
            _DATABASE_MANAGER.format(
                body="    manager = DatabaseManager()\n    count = manager.count_users()\n"
                "    manager.close()\n    return count"
            ),
            at="DatabaseManager()\n    count",
        )
    ]
    VALID += [
        Valid(
            _DATABASE_MANAGER.format(
                body="    manager = DatabaseManager()\n    try:\n"
                "        return manager.count_users()\n    finally:\n        manager.close()"
            )
        ),
        Valid(
            _DATABASE_MANAGER.format(
                body="    with DatabaseManager() as manager:\n        return manager.count_users()"
            )
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for life in analysis.resources:
            if life.verdict is Verdict.HANDED_OUT and life.kind.is_resource:
                exit_method = analysis.exit_closes_after_commit(life)
                if exit_method is not None:
                    yield Finding(
                        life.call,
                        f"{noun(life.kind)} {origin(life)} is kept on "
                        f"`self.{life.attribute}` and closed by `{exit_method}()` after "
                        "its commit, outside a `finally`: when the commit fails, the "
                        "close never runs and its connection is not returned to the pool; "
                        f"close it in a `finally` in `{exit_method}()`.",
                    )
                    continue
                how = analysis.closed_only_on_success(life)
                if how is not None:
                    yield Finding(
                        life.call,
                        f"{noun(life.kind)} {origin(life)} {how}; close it in a `finally` (or "
                        "a `with` block) in each method.",
                    )
                continue
            made_registry = life.kind is Kind.SCOPED_SESSION
            if life.verdict is not Verdict.CLOSE_NOT_GUARANTEED or not (
                life.kind.is_resource or made_registry
            ):
                continue
            if (
                life.scope.is_module
                or analysis.contexts.is_command(life.scope)
                or analysis.contexts.is_migration_step(life.scope)
            ):
                continue  # a script's, a command's, a migration's: an exception ends the run
            if made_registry:
                before = life.used_before_try
                if before is not None and (
                    analysis.contexts.is_entry_point(life.scope) or _takes_its_session(before, life)
                ):
                    # Run once: a failure ends the run. Or what runs before the `try`
                    # only takes the registry's session (`session = Session()`), which
                    # holds no connection until it runs SQL, inside the `try`.
                    continue
                message = _made_registry_message(life)
            elif life.registry is not None:
                if life.used_before_try is not None and analysis.contexts.is_entry_point(
                    life.scope
                ):
                    continue  # run once: a failure ends the run
                message = _registry_message(life.registry, code_of(life.call))
            elif life.left_open_by is not None:
                message = (
                    f"{noun(life.kind)} {origin(life)} is closed, but not on the path "
                    f"through `{_first_line(code_of(life.left_open_by))}`, which returns "
                    f"before any close and leaves it open; use `{safe_form(life)}` instead."
                )
            elif life.closed_by_generator is not None:
                generator = life.closed_by_generator.name.value
                message = (
                    f"{noun(life.kind)} {origin(life)} is closed by the generator "
                    f"`{generator}()` only after it yields, outside a `finally`: when its "
                    "consumer stops early (a client that disconnects from a streamed "
                    "response) or the stream fails, the close never runs; close it in a "
                    f"`try`/`finally` (or a `with` block) inside `{generator}()`."
                )
            elif life.generator is not None:
                close = f"{life.generator}.{'aclose' if life.kind.is_async else 'close'}()"
                where = (
                    f"in a `finally`, but `{code_of(life.used_before_try)}` runs before that "
                    "`try` starts"
                    if life.used_before_try is not None
                    else "outside a `finally` block"
                )
                # (`gen.close()`, or `next(gen)` again, which resumes it past its yield)
                released = code_of(life.releases[0]) if life.releases else close
                message = (
                    f"{noun(life.kind)} {origin(life)} is released by `{released}` {where}, so "
                    "an exception leaves the generator suspended and what it yielded open; "
                    f"start a `try` right after `{code_of(life.call)}` and call `{close}` "
                    "in its `finally`."
                )
            elif life.used_before_try is not None:
                if analysis.contexts.is_entry_point(life.scope):
                    # Run once (a migration's `env.py`, a fixture, a command's step):
                    # a call that fails before the `try` ends the run, which leaks at
                    # most one connection, once.
                    continue
                message = (
                    f"{noun(life.kind)} {origin(life)} is closed in a `finally`, "
                    f"but `{code_of(life.used_before_try)}` runs before that `try` starts, so "
                    f"an exception there leaks it; use `{safe_form(life)}` instead, or open "
                    "it inside the `try`."
                )
            elif (callee := _closing_callee(life)) is not None:
                message = (
                    f"{noun(life.kind)} {origin(life)} is closed by `{callee}()`, outside a "
                    f"`finally` block there, so an exception before that close leaks it; use "
                    f"`{safe_form(life)}` instead."
                )
            else:
                message = (
                    f"{noun(life.kind)} {origin(life)} is closed outside a "
                    f"`finally` block, so an exception leaks it; use `{safe_form(life)}` "
                    "instead."
                )
            yield Finding(life.call, message, life)

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        if finding.lifetime is not None and finding.lifetime.kind is Kind.SCOPED_SESSION:
            return None  # a registry is no context manager: its `remove()` ends it
        return with_block_fix_for(source, span, finding.lifetime)


def _takes_its_session(node: cst.CSTNode, life: Lifetime) -> bool:
    """`Session()`: a call of the registry `life` follows, which hands out this thread's
    session without running anything on it."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == life.variable
        and not node.args
    )


def _made_registry_message(life: Lifetime) -> str:
    """For a `scoped_session` registry the function makes (or a helper makes afresh
    for each call) and removes itself, where an exception skips the `remove()`."""
    name = life.variable or "registry"
    where = (
        f"removed, but not on the path through `{_first_line(code_of(life.left_open_by))}`, "
        "which returns before any `remove()`, so that path"
        if life.left_open_by is not None
        else "removed outside a `finally` block, so an exception"
    )
    return (
        f"The registry from `{_first_line(code_of(life.call))}` is made anew for this "
        f"call and {where} leaves the session it handed out holding its connection and "
        "transaction until garbage collection; call "
        f"`{name}.remove()` in a `finally`, or keep one registry at module level."
    )


def _registry_message(registry: str, first_use: str) -> str:
    """For this thread's session of a `scoped_session` registry that the function
    closes itself, where an exception skips the close."""
    return (
        f"This thread's session of the registry `{registry}`, taken by "
        f"`{_first_line(first_use)}`, is closed outside a `finally` block (or after code "
        "outside it), so an exception leaves it holding its connection and transaction "
        "until this thread uses the registry again; use it in a `try` whose `finally` "
        f"calls `{registry}.close()` (or `{registry}.remove()`)."
    )


def _first_line(code: str) -> str:
    """`return jsonify(...)`: a statement's first line, shortened for a message."""
    line = code.strip().splitlines()[0] if code.strip() else code
    return line if len(line) <= 60 else line[:57] + "..."


def _closing_callee(life: Lifetime) -> str | None:
    """The function every close of `life` is a call of, given the resource (a project
    function that closes what it is given at its end), as written."""
    callees = set()
    for close in life.releases:
        if not life.given_to(close):
            return None
        callees.add(code_of(close.func))
    return callees.pop() if len(callees) == 1 else None
