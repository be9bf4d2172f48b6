from __future__ import annotations

from collections.abc import Iterable

from ..diagnostics import Fix, Span
from ..semantic import Analysis, Kind, Verdict
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
from .resource_fix import with_block_fix_for

# A module that takes SQLAlchemy's names from a star import.
_STAR_IMPORTED = """
from sqlalchemy import *

{engine}

def insert_user(name):
    conn = engine.connect()
    conn.execute(text("INSERT INTO users (name) VALUES (:name)"), {{"name": name}})
    conn.commit()
"""


class ConnectionNotClosed(Rule):
    """Connection from `engine.connect()` or `engine.raw_connection()` is never closed.

    ## What it does
    Finds connections taken from an `Engine` (`engine.connect()`, `await
    async_engine.connect()`, `engine.raw_connection()`, `engine.pool.connect()`)
    that are never released:
    not used as a context manager, not closed (nor invalidated: `invalidate()` frees
    its place in the pool too), and not handed to anyone else
    (returned, yielded, stored on an object or in a holder, `current.set(conn)` of a
    `ContextVar` or a proxy; returned by a pytest fixture that does
    not `yield` is not handed to anyone who closes it: pytest closes nothing a fixture
    returns, unless a fixture or test that asks for it closes it). This includes the chained form
    `engine.connect().execute(...)` and passing `engine.connect()` straight into a
    call such as `pd.read_sql(query, engine.connect())`. A connection a script
    makes at its top level (or under its `__main__` guard, or in its `main()`) and
    never closes is reported too, here (also one the statement drops, `engine.connect()`
    to try the database): the script owns it and should close it
    (a Streamlit page's top level runs again on every interaction, so there it is
    one more connection leaked per rerun).
    Its exit does give the connection back, but until then it holds its
    transaction (rolled back at exit, with what was not committed) and its locks,
    and the same lines moved into a loop or a function leak for real. A module
    global that functions read is kept for the process instead (see SQA105). A
    connection a project
    helper hands out in a tuple (`_, conn = engine_and_connection()`) is followed
    from the name it is unpacked into.

    ## Why is this bad?
    A connection is checked out of the engine's pool until it is closed. Each
    leaked connection stays checked out until the garbage collector happens to
    reclaim it, which under load is too late: the pool runs dry and requests fail
    with `QueuePool limit of size 5 overflow 10 reached, connection timed out`.
    An open connection may also hold an open transaction and its locks.

    ## Example
    ```python
    def count_users(engine):
        conn = engine.connect()
        return conn.execute(text("SELECT count(*) FROM users")).scalar()
    ```

    ## Use instead
    ```python
    def count_users(engine):
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM users")).scalar()
    ```

    ## Fix safety
    The fix wraps the statements that use the connection (and anything taken
    from it, such as a `Result`) in a `with` block and removes an explicit
    `close()`. It is safe: the code computes the same values and the connection
    is released when the block ends. No fix is offered when a lazy result would
    outlive the block, or for DBAPI connections from `raw_connection()`.

    ## References
    - [Working with Engines and Connections](https://docs.sqlalchemy.org/en/20/core/connections.html)
    - [Connection Pooling](https://docs.sqlalchemy.org/en/20/core/pooling.html)
    """

    code = "SQA101"
    name = "connection-not-closed"

    VALID = [
        # The test expects the connect to fail: no connection is ever checked out.
        Valid(
            """
import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

def test_connect_to_a_missing_database():
    engine = create_engine("postgresql://app@db/does_not_exist")
    with pytest.raises(OperationalError):
        conn = engine.connect()
"""
        ),
        # `invalidate()` discards the DBAPI connection and frees its place in the pool.
        Valid(
            """
from sqlalchemy import create_engine

engine = create_engine("postgresql://app@db/app")

def recycle_after(error):
    if "server closed the connection" in str(error):
        connection = engine.connect()
        connection.invalidate()
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("postgresql://app@db/app")

def vacuum():
    conn = engine.connect()
    conn.execution_options(isolation_level="AUTOCOMMIT")  # the same connection
    try:
        conn.execute(text("VACUUM"))
    finally:
        conn.close()
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def ok():
    with engine.connect() as conn:
        return conn.execute(text("select 1")).scalar()
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def later_with():
    conn = engine.connect()
    with conn:
        conn.exec_driver_sql("select 1")

def closed_in_finally():
    conn = engine.connect()
    try:
        conn.exec_driver_sql("select 1")
    finally:
        if conn is not None:
            conn.close()

def handed_out():
    conn = engine.connect()
    return conn

class Repo:
    def open(self):
        self.conn = engine.connect()

    def close(self):
        self.conn.close()
"""
        ),
        Valid(
            """
import contextlib
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def raw():
    with contextlib.closing(engine.raw_connection()) as dbapi_conn:
        dbapi_conn.cursor().execute("select 1")

def stacked(stack: contextlib.ExitStack):
    conn = stack.enter_context(engine.connect())
    conn.exec_driver_sql("select 1")
"""
        ),
        Valid(
            """
import sqlite3, socket, duckdb

def look_alikes(address):
    db = sqlite3.connect("app.db")
    db.execute("select 1")
    sock = socket.socket()
    sock.connect(address)
    duck = duckdb.connect()
    return "engine.connect() in a string is not code"
"""
        ),
        Valid(
            """
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")

async def ok():
    async with engine.connect() as conn:
        await conn.exec_driver_sql("select 1")
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")
_open = {}

def pair():
    return engine, engine.connect()

def cached_pair():
    conn = _open.setdefault("main", engine.connect())
    return engine, conn

def released():
    _, conn = pair()
    with conn:
        conn.exec_driver_sql("select 1")

def borrowed():
    _, conn = cached_pair()
    conn.exec_driver_sql("select 1")

def starred():
    first, *rest = pair()
    return first
"""
        ),
        # A name the module binds itself comes before one a star import brings.
        Valid(
            """
from sqlalchemy import *

from fakes import FakeEngine

def create_engine(url):
    return FakeEngine(url)

engine = create_engine("sqlite://")

def insert_user(name):
    conn = engine.connect()
    conn.execute(text("INSERT INTO users (name) VALUES (:name)"), {"name": name})
"""
        ),
    ]
    INVALID = [
        # An engine reached through an object the checker does not know (`pgdb`, a
        # project's wrapper annotated with another library's type): only SQLAlchemy's
        # engines have `raw_connection()`.
        Invalid(
            """
import pandas as pd
from psycopg import Connection

def insert_df(df: pd.DataFrame, pgdb: Connection):
    raw_conn = pgdb.engine.raw_connection()
    with raw_conn.cursor() as cur:
        for row in df.itertuples(index=False):
            cur.execute("INSERT INTO apps VALUES (%s, %s)", row)
        raw_conn.commit()
""",
            at="pgdb.engine.raw_connection()",
        ),
        # Here the connect succeeds and the statement after it is what fails.
        Invalid(
            """
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

def test_a_missing_table():
    engine = create_engine("sqlite://")
    with pytest.raises(OperationalError):
        conn = engine.connect()
        conn.execute(text("SELECT * FROM missing"))
""",
            at="engine.connect()",
        ),
        # `create_engine` brought in by a star import of SQLAlchemy, here and in the
        # module the engine is imported from.
        Invalid(
            _STAR_IMPORTED.format(engine='engine = create_engine("sqlite://")'),
            at="engine.connect()",
        ),
        Invalid(
            _STAR_IMPORTED.format(engine="from db import engine"),
            at="engine.connect()",
            files={"db.py": 'from sqlalchemy import *\n\nengine = create_engine("sqlite://")\n'},
        ),
        Invalid(
            """
import pandas as pd
from sqlalchemy import create_engine

engine = create_engine("postgresql://app@db/app")

def get_db(autocommit):
    if autocommit:
        # The same connection, with an option set: the caller still owns it.
        con = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    else:
        con = engine.connect()
    return con

def report(query):
    connection = get_db(True)
    return pd.read_sql(query, con=connection)
""",
            at="get_db(True)",
        ),
        # Checked out at import for no one: nothing reads it, no module imports it.
        Invalid(
            """
from pygame import *
from sqlalchemy import create_engine

engine = create_engine("sqlite:///scores.db")
connection = engine.connect()
""",
            at="engine.connect()",
        ),
        # A script's own connection, made and used at its top level.
        Invalid(
            """
import pandas as pd
from sqlalchemy import create_engine

engine = create_engine("postgresql://reporting@db.internal/stats")
pgconn = engine.connect()
for table in ["players", "games"]:
    pd.read_sql_table(table, pgconn).to_csv(f"{table}.csv")
""",
            at="engine.connect()",
        ),
        Invalid(
            """
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine

engine = None

def init(url):
    global engine
    engine = create_engine(url)

def count():
    conn = engine.connect()
    return conn.execute(text("select 1")).scalar()
""",
            at="engine.connect()",
        ),
        Invalid(
            """
from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncEngine

def either(e: Engine | AsyncEngine):
    conn = e.connect()
    return conn.execute(text("select 1")).scalar()
""",
            at="e.connect()",
        ),
        Invalid(
            """
from app.db import get_engine

def new_conn():
    return get_engine().connect()

def report():
    conn = new_conn()
    return conn.exec_driver_sql("select 1").scalar()
""",
            at="new_conn()",
            occurrence=2,
            files={
                "app/__init__.py": "",
                "app/db.py": "import functools\nfrom sqlalchemy import create_engine\n\n\n"
                "@functools.cache\ndef get_engine():\n    return create_engine('sqlite://')\n",
            },
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def count():
    conn = engine.connect()
    return conn.execute(text("select 1")).scalar()
""",
            at="engine.connect()",
        ),
        Invalid(
            """
import pandas as pd
import sqlalchemy as sa

engine = sa.create_engine("sqlite://")

def load(query):
    return pd.read_sql(query, engine.connect())
""",
            at="engine.connect()",
        ),
        Invalid(
            """
from sqlalchemy import create_engine as make_engine, text

def run(url):
    engine = make_engine(url)
    engine.connect().execute(text("delete from t"))
""",
            at="engine.connect()",
        ),
        Invalid(
            """
from sqlalchemy import Engine

class Service:
    def __init__(self, engine: Engine):
        self.engine = engine

    def ping(self):
        raw = self.engine.raw_connection()
        raw.cursor().execute("select 1")
""",
            at="self.engine.raw_connection()",
        ),
        Invalid(
            """
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")

async def leak():
    conn = await engine.connect()
    await conn.exec_driver_sql("select 1")
""",
            at="engine.connect()",
        ),
        Invalid(
            """
from .database import engine

def leak():
    conn = engine.connect()
    conn.exec_driver_sql("select 1")
""",
            at="engine.connect()",
            files={
                "database.py": (
                    "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n"
                )
            },
        ),
        Invalid(
            """
from sqlalchemy import text
from app.db import engine_and_connection

def from_query(query):
    _, connection = engine_and_connection()
    return connection.execute(text(query)).fetchall()
""",
            at="engine_and_connection()",
            files={
                "app/__init__.py": "",
                "app/db.py": "from sqlalchemy import create_engine\n\n\n"
                "def engine_and_connection(url='sqlite://'):\n"
                "    engine = create_engine(url)\n"
                "    connection = engine.connect()\n"
                "    return engine, connection\n",
            },
        ),
    ]

    # A Streamlit page runs from the top on every interaction: a connection its top
    # level passes straight to pandas, never closed, is one more leaked per rerun.
    _STREAMLIT_PAGE = """
import pandas as pd
import streamlit as st
from sqlalchemy import create_engine, text

@st.cache_resource
def get_engine():
    return create_engine("sqlite:///sakila.db")

query = st.text_input("Table")
{read}
st.write(frame)
"""
    INVALID += [
        Invalid(
            _STREAMLIT_PAGE.format(
                read='frame = pd.read_sql(text("SELECT * FROM film"), get_engine().connect())'
            ),
            at="get_engine().connect()",
        )
    ]
    VALID += [
        Valid(
            _STREAMLIT_PAGE.format(
                read="with get_engine().connect() as conn:\n"
                '    frame = pd.read_sql(text("SELECT * FROM film"), conn)'
            )
        )
    ]

    # The project's own subclass of Flask-SQLAlchemy's extension (a tenant chosen per
    # request) is the extension all the same: `db.engine` is an engine.
    _TENANT_DB = """
from flask import Flask, g, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

app = Flask(__name__)

class MultiTenantSQLAlchemy(SQLAlchemy):
    def choose_tenant(self, bind_key):
        g.tenant = bind_key

db = MultiTenantSQLAlchemy(app)

@app.before_request
def before_request():
    db.choose_tenant(request.args.get("organization", "default"))
{connect}
"""
    INVALID += [Invalid(_TENANT_DB.format(connect="    db.engine.connect()"), at="db.engine")]
    VALID += [
        Valid(
            _TENANT_DB.format(
                connect="    with db.engine.connect() as conn:\n"
                '        conn.execute(text("SELECT 1"))'
            )
        )
    ]

    # A connection kept in a `ContextVar` (or a proxy's `set()`) for later code, which
    # closes it there.
    _CONTEXT_CONNECTION = """
from contextvars import ContextVar

from sqlalchemy import create_engine

engine = create_engine("postgresql://bot@db/spellbot")
current_connection: ContextVar = ContextVar("connection")

def open_connection():
    connection = engine.connect()
    {keep}(connection)

def close_connection():
    current_connection.get().close()
"""
    VALID += [Valid(_CONTEXT_CONNECTION.format(keep="current_connection.set"))]
    INVALID += [Invalid(_CONTEXT_CONNECTION.format(keep="print"), at="engine.connect()")]

    # A script that tries the database by checking a connection out and dropping it.
    _TRY_THE_DATABASE = """
import pandas as pd
from sqlalchemy import create_engine

engine = create_engine("postgresql://etl@db:5432/sensors")
{connect}
frame = pd.read_csv("readings.csv")
frame.to_sql("readings", engine, if_exists="append")
"""
    INVALID += [
        Invalid(_TRY_THE_DATABASE.format(connect="engine.connect()"), at="engine.connect()")
    ]
    VALID += [Valid(_TRY_THE_DATABASE.format(connect="with engine.connect():\n    pass"))]

    # A data loader handed its engine, in a module that only uses pandas: pandas
    # reads frames over SQL through SQLAlchemy, so `engine` is one.
    _FRAME_LOADER = """
import pandas as pd

class DataLoader:
    def __init__(self, engine, logger=None):
        self.engine = engine
        self.logger = logger

    def trees(self, batch_size, batch_num):
{body}
"""
    INVALID += [
        Invalid(
            _FRAME_LOADER.format(
                body='        return pd.read_sql("SELECT id FROM trees LIMIT %s OFFSET %s", '
                "self.engine.connect(), params=(batch_size, batch_size * batch_num))"
            ),
            at="self.engine.connect()",
        )
    ]
    VALID += [
        Valid(
            _FRAME_LOADER.format(
                body="        with self.engine.connect() as conn:\n"
                '            return pd.read_sql("SELECT id FROM trees LIMIT %s OFFSET %s", '
                "conn, params=(batch_size, batch_size * batch_num))"
            )
        )
    ]

    # A fixture that returns a connection: pytest never closes what a fixture returns.
    _CONNECTION_FIXTURE = """
import pytest
from sqlalchemy import create_engine, text

@pytest.fixture(scope="session")
def engine():
    return create_engine("postgresql://tests@localhost/tb_test")

@pytest.fixture
def connection(engine):
{body}

def test_select(connection):
    assert connection.execute(text("SELECT 1")).scalar() == 1
"""
    INVALID += [
        Invalid(
            _CONNECTION_FIXTURE.format(body="    return engine.connect()"), at="engine.connect()"
        )
    ]
    VALID += [
        Valid(
            _CONNECTION_FIXTURE.format(
                body="    with engine.connect() as connection:\n        yield connection"
            )
        )
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for life in analysis.resources:
            if not life.kind.is_connection:
                continue
            if life.verdict is Verdict.HANDED_OUT:
                if analysis.returned_to_pytest(life):
                    yield Finding(life.call, returned_to_pytest(life))
                    continue
                kept = analysis.kept_unreleased(life)
                if kept is not None:
                    yield Finding(life.call, kept_unreleased(life, kept))
                continue
            if life.verdict is not Verdict.LEAKED:
                continue
            created = code_of(life.call)
            if life.kind is Kind.RAW_CONNECTION:
                message = (
                    f"DBAPI connection from `{created}` is never closed; wrap it in "
                    f"`contextlib.closing(...)` or close it in a `finally` block."
                )
            elif life.chained:
                message = (
                    f"{noun(life.kind)} from `{created}` is used without ever being closed; "
                    f"use `{safe_form(life)}` and run the statement inside the block."
                )
            elif held_by_the_script(life):
                message = (
                    f"{noun(life.kind)} {origin(life)} {never_closed(life)}: it is held, "
                    f"with its transaction and locks, until the process exits; use "
                    f"`{safe_form(life)}` so it is released when its statements are done."
                )
            else:
                message = (
                    f"{noun(life.kind)} {origin(life)} {never_closed(life)}; use "
                    f"`{safe_form(life)}` so it returns to the pool."
                )
            yield Finding(life.call, message, life)

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        life = finding.lifetime
        if life is None or life.verdict is not Verdict.LEAKED:
            return None  # kept on the instance: no mechanical fix
        return with_block_fix_for(source, span, life)
