from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import libcst as cst

from ..diagnostics import Applicability, Fix, Span
from ..fixes import module_level_engine_fix
from ..semantic import Analysis, Escape, Lifetime, Scope
from ..semantic.flow import nodes_of, under_a_flag_it_sets
from ..semantic.project import is_test_file
from ._messages import code_of
from ._sql_text import constant_values, scope_of
from .base import Finding, Invalid, Rule, Valid

_SINGLETON_ESCAPES = {Escape.STORED}


# A factory that makes an engine per call, and a click command that calls it.
_SESSION_PER_CALL = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

def get_session():
    engine = create_engine("sqlite://")
    return sessionmaker(engine)()
"""
_COMMAND = """
import click

from main import get_session

@click.command()
def send_report():
    with get_session() as session:
        session.commit()
"""

# A class that makes its engine on first use and keeps it on the instance.
_LAZY_ENGINE = """
class Processor:
    def __init__(self, url):
        self.url = url
        self._engine = None

    def get_engine(self):
        if self._engine is None:
            self._engine = create_engine(self.url)
        return self._engine
"""

# A dataclass that makes its engine after `__init__`, for every instance.
_POST_INIT_ENGINE = """
@dataclass
class DataStore:
    url: str
    engine: object = field(init=False)

    def __post_init__(self):
        self.engine = create_engine(self.url)
"""


def _repeated_by_an_outer_loop(
    analysis: Analysis, loop: cst.CSTNode, scope: Scope, url: cst.BaseExpression
) -> bool:
    """An outer loop that runs the inner one again over the same servers: a `while`
    (a poller), or a `for` whose variable does not feed the URL (nested loops over
    servers and drivers try each combination once)."""
    for ancestor in analysis.model.ancestors(loop):
        if ancestor is scope.node:
            return False
        if isinstance(ancestor, cst.While):
            return True
        if isinstance(ancestor, cst.For) and not analysis.contexts.varies_with_loop(url, ancestor):
            return True
    return False


# A database object whose getter has a method of its own fill `self._engine`.
_ENGINE_FILLED_BY_A_METHOD = """
import sqlalchemy

class DBEngine:
    def __init__(self, url):
        self.url = url
        self._engine = None

    def get_engine(self):
        {test}self.create_engine()
        return self._engine

    def create_engine(self):
        self._engine = sqlalchemy.create_engine(self.url)
        return self._engine

db_engine = DBEngine("sqlite:///stations.db")

def row_counts(tables):
    for table in tables:
        with db_engine.get_engine().connect() as conn:
            conn.exec_driver_sql(f"SELECT count(*) FROM {{table}}")
"""


# Engines per shard, built by a factory and kept in a table the getter looks up.
_ENGINES_PER_SHARD = """
from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
_ENGINES = {{}}

def _build_engine(shard):
    return create_engine(f"postgresql://app@{{shard}}/app")

def get_engine(shard):
{lookup}    engine = _build_engine(shard)
    _ENGINES[shard] = engine
    return engine

@app.get("/<shard>/count")
def count(shard):
    with get_engine(shard).connect() as conn:
        return str(conn.execute(text("SELECT count(*) FROM t")).scalar())
"""


# A loader that makes an engine unless its caller gives one, called in a loop with
# {passed}.
_UPSERT = """
from sqlalchemy import create_engine, text

URL = "sqlite:///prices.db"

def upsert(rows, engine=None):
    engine = engine or create_engine(URL)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO prices VALUES (:day, :price)"), rows)

def backfill(batches):
    engine = create_engine(URL)
    for rows in batches:
        upsert(rows{passed})
    engine.dispose()
"""

# A loader that makes, uses and drops an engine, with a `main()` of its own; the
# flows that call it ({more}: another).
_LOAD_ALL = """
import argparse

from sqlalchemy import create_engine, text

def load_all(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    load_all(parser.parse_args().url)

if __name__ == "__main__":
    main()
"""
_FLOWS = """
from main import load_all

URL = "sqlite://"

def nightly():
    load_all(URL)
{more}"""

# Workers that each make an engine, started in a loop.
_MERGERS = """
from {module} import {worker}

from sqlalchemy import create_engine, text

class Merger:
    def __init__(self, url, queue):
        self.url = url
        self.queue = queue

    def run(self):
        engine = create_engine(self.url)
        with engine.connect() as conn:
            for item in iter(self.queue.get, None):
                conn.execute(text("SELECT :item"), {{"item": item}})

def start_mergers(url, queue, count):
    workers = []
    for _ in range(count):
        merger = Merger(url, queue)
        workers.append({worker}(target=merger.run))
    for worker in workers:
        worker.start()
    return workers
"""

# A class that makes an engine for each of its objects, and a module that makes them.
_COLLECTOR = """
from sqlalchemy import create_engine, text

class DataCollector:
    def __init__(self, url="sqlite://"):
        self.engine = create_engine(url)

    def count(self):
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar()

    def close(self):
        self.engine.dispose()
"""
_EXAMPLES = """
from main import DataCollector

def example_count():
    collector = DataCollector()
    print(collector.count())
    collector.close()

def example_report():
    collector = DataCollector()
    print("rows:", collector.count())
{main}"""
_EXAMPLES_MAIN = """
if __name__ == "__main__":
    example_count()
    # example_report()
"""


class EnginePerRequest(Rule):
    """Engine created where it runs again and again: per request, per call, per loop iteration.

    ## What it does
    Finds `create_engine(...)`, `create_async_engine(...)`, `engine_from_config(...)`
    (and SQLModel's `create_engine`) calls that run again and again, wherever in the
    project the repetition comes from:

    - inside web request handlers (Flask/Quart routes and request hooks, also on an
      app a function is given, `def register(app):` / `@app.get("/api/health")`, known
      by its URL path, FastAPI/Starlette endpoints and the dependencies they use through
      `Depends(...)`, Django views, and what a middleware runs per request:
      Starlette's `dispatch`, Litestar's `authenticate_request`, Django's
      `process_request`), bot message handlers (aiogram, discord.py,
      python-telegram-bot, TwitchIO; decorated or registered, as aiogram 3's
      `router.callback_query.register(handler)`, or the methods the framework calls
      by their name, `on_message` and `event_message`), Dash callbacks (run on each
      interaction with the page), task-queue tasks (Celery,
      Dramatiq, Huey) and scheduled jobs, and in the functions they call, in any
      module of the project (an Airflow task, `@task` or an operator's
      `python_callable`, runs in a process of its own, a Prefect task as often as
      its flow calls it, and a Dagster `@job` body wires its ops once, when the
      definitions load; so does multiprocessing's `Process(target=worker.run)`,
      once in its child process, and a process pool's `initializer=`, once in each
      worker, however many a loop starts: an engine per process is what a fork
      needs);
    - in a factory without a cache (`def get_engine(): return create_engine(URL)`)
      that such code calls, or that is called in a loop; the finding is on the
      `create_engine` line and names the caller; only calls that reach the
      `create_engine` count: one made when a parameter is unset (`engine = engine or
      create_engine(URL)`, `if engine is None:`) by the calls that give none, one made
      for a parameter given (`if db_url: return create_engine(db_url)`) by the calls
      that give it;
    - in `__init__` / `__enter__` of a class that is instantiated per operation
      (`with DBConnectionHandler() as db:` in every repository method; `__enter__`
      counts only for the instances a `with` enters; also a
      dataclass's `__post_init__` or an attrs class's `__attrs_post_init__`; a factory
      that returns the instance, `def connect(url): return Database(url)`, makes
      one as often as it is called), but not where a loop keeps each instance it
      makes (the list a comprehension builds and the code keeps: one engine per
      configured database), nor where the maker's caller fills a global or an
      attribute under a test that it is unset (`if _db is None: _db =
      get_new_db()`: made once);
    - in a function one piece of code calls more than once (a script's top level
      running `run_report()` for each of its reports; calls under different arms of
      one `if` count once), and in what it calls, unless each call connects to the
      database it is given (the URL is a parameter's, or built from parameters, or
      made another database's under a test of a flag parameter: `if no_database:
      url = ...`, to create the database first);
    - in loop bodies and comprehensions, at module level too (a script's `for`),
      unless each round connects to another database (the URL follows the loop)
      in a script, an entry point, or code that disposes of the engine it ends with
      (trying each database in turn), or each round drops unused what a factory
      returns (`create_db_engine(config)` as a statement, to validate each
      configuration: an engine connects on first use), or a round comes again only
      when the last one raised (a retry: the engine is made in a `try` of the loop
      whose every normal end returns or breaks); a call in an `except` handler of a
      lost connection (`except OperationalError: self.reconnect()`, `except
      ConnectionError:`) runs after a failure, not each time the code around it
      does, and does not make its callee repeated (a broad `except:` may be how the
      code branches: `try: lookup(t) except KeyError: save(t)` in a loop);
    - in a function that makes an engine, uses it and drops it without `dispose()`
      (a data loader's `load()`), when the project's own code calls it from two
      places or more and it does not run once (in a test suite, only code that runs
      around every test counts: `setUp`, a fixture of pytest's default scope and
      what they call; not a test, a session fixture or their helpers, nor an
      in-memory SQLite database, `sqlite://` written there or bound to a name,
      each test's own on purpose; nor the module's own `__main__` block or `main()`,
      which runs it by hand as a program of its own): a start-up
      check or an admin helper called from one place makes one engine; or that
      disposes it only on some paths (a `return` before the `dispose()`: a cache hit
      that skips it);
      and in a factory that hands one out (`def connect_to_db(self): return
      create_engine(self.url)`) when every call of it in the project keeps the
      engine in a local it uses and drops, neither returning, storing, disposing
      nor handing it on (into a `sessionmaker` it returns), and one of those
      callers runs again and again (a button's handler, a request's, a loop's).

    - at the top level of a Streamlit script no module imports: `streamlit run`
      runs it again from the top on every interaction (cache the engine with
      `@st.cache_resource`); under `if st.button(...):` it runs once per press, as
      a user event's handler does (an engine kept in `st.session_state`, or handed
      back for the URL typed in, is a "Connect" button's).

    Not flagged: module level (and `if __name__ == "__main__":`), engines kept for reuse
    (a global, a class attribute, a cache dict, set under a test or after an early
    `return` of the kept one, also with what is made from it in a tuple: `_engines[key]
    = (engine, async_sessionmaker(bind=engine))`; also what a factory returns, stored in
    a table the function looks up first: `_ENGINES.get(shard)`) or handed to the caller
    (returned, bound into a `sessionmaker` that is returned, or into the session
    returned), engines a module's session factory keeps
    (`Session.configure(bind=engine)`), cached factories (`functools.lru_cache` /
    `cache`, or a decorator of the project that keeps what the function returns in a
    dict or `nonlocal` of its own and returns that), pytest fixtures, click/typer
    commands, start-up hooks (`@app.on_event("startup")`, an ASGI app's `if
    scope["type"] == "lifespan":` branch, a handler of Celery's `worker_process_init`
    signal, sent once per worker process), entry points that run once (`main`, an app
    factory, a migration's `upgrade()`, unittest's `setUpClass` / `tearDownClass`, the
    action of a subcommand class that declares its arguments in `add_arguments`, as
    Django's management commands do, functions only called from such code of their
    module or from commands in any module), classes made once (at module level, in an
    app factory, or singletons whose `__init__` returns early once it ran), and, outside
    request handlers, an engine disposed in the same call or loop iteration (a
    deliberate one-shot) before every `return`. Nor an engine kept alive by what is made
    from it and kept beyond the call (`self.connection = engine.connect()` in a
    pipeline's `__init__`, `data.Session = sessionmaker(bind=engine)` in a "Connect"
    button's handler, which replaces the last one on each press); nor, in an application
    or a folder of scripts (a project that declares nothing to install: no
    pyproject.toml, setup.cfg or setup.py), a function nothing in the project calls (run
    by hand, from a notebook), or that each program calls once, from a script's top
    level or its `main()`: there is no sign that it runs again and again; nor, in any
    project, a function of a script beside its packages (a module outside them with a
    `__main__` block, `examples.py`) that nothing calls. Inside a request handler an
    engine is flagged even when it is disposed: a new pool per request defeats pooling.

    ## Why is this bad?
    An `Engine` owns a connection pool and is meant to be created once per
    process and shared. Creating one per request opens a fresh database
    connection (TCP, TLS, authentication) every time, and each engine that is not
    disposed keeps its pooled connections open until it is garbage collected, so
    the database runs out of connections.

    ## Example
    ```python
    @app.get("/users")
    def list_users():
        engine = create_engine(DATABASE_URL)
        with engine.connect() as conn:
            return conn.execute(select(users)).all()
    ```

    ## Use instead
    ```python
    engine = create_engine(DATABASE_URL)

    @app.get("/users")
    def list_users():
        with engine.connect() as conn:
            return conn.execute(select(users)).all()
    ```

    ## Fix safety
    When the engine's arguments are constants or module-level names, the fix
    moves the engine to module level; otherwise it offers a cached factory
    (`functools.lru_cache`). Both are unsafe: the engine is then shared across
    calls, which changes when it is created and disposed.

    ## References
    - [Engine Configuration](https://docs.sqlalchemy.org/en/20/core/engines.html)
    - [Connection Pooling](https://docs.sqlalchemy.org/en/20/core/pooling.html)
    """

    code = "SQA103"
    name = "engine-per-request"

    VALID = [
        Valid(
            """
from sqlalchemy import create_engine, text

engine = None

def init_db_engine(url):
    # Each call connects to the database it is given, for the steps that follow.
    global engine
    engine = create_engine(url)

def run(script):
    with engine.begin() as conn:
        conn.execute(text(script))

if __name__ == "__main__":
    init_db_engine("postgresql://admin@db/postgres")
    run("CREATE DATABASE app")
    init_db_engine("postgresql://admin@db/app")
    run("CREATE EXTENSION pg_trgm")
"""
        ),
        # One factory for two databases, the branch chosen by what each call asks for:
        # a cron script's top level makes one engine for each.
        Valid(
            """
import os

import pandas as pd
from sqlalchemy import create_engine

def local_engine(which_base):
    if which_base == "mssql":
        engine = create_engine(os.environ["MSSQL_URL"])
    elif which_base == "postgresql":
        engine = create_engine(os.environ["PG_URL"])
    return engine

engine_ms = local_engine("mssql")
engine_pg = local_engine("postgresql")
pd.read_sql("SELECT * FROM cars", engine_ms).to_sql("cars", engine_pg, if_exists="replace")
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

def get_session(path="sqlite:///bot.db"):
    # The engine lives with the session handed out, as a returned engine would.
    engine = create_engine(path)
    Session = sessionmaker(bind=engine)
    session = Session()
    return session
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

Session = sessionmaker()

def use_database(url):
    engine = create_engine(url)
    Session.configure(bind=engine)  # the module's factory keeps it
"""
        ),
        # A script's helper module (no package around it) that only the script's
        # top level calls: once per run.
        Valid(
            """
from sqlalchemy import create_engine

class Crawler:
    def save(self, frame):
        engine = create_engine("sqlite:///rates.db")
        frame.to_sql("rates", con=engine)

    def run(self, frame):
        self.save(frame)
""",
            files={
                "crawl.py": (
                    "import main\n\nif input('crawl? ') == 'y':\n    main.Crawler().run(None)\n"
                )
            },
        ),
        Valid(
            """
from sqlalchemy import create_engine, text

# A script that runs once and tries a different server on each iteration: no one
# engine could serve them all.
for ip in ["10.0.8.2", "10.0.8.3"]:
    url = f"postgresql://app@{ip}/app"
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("select 1"))

# A library's handle, made by its factory: once per `connect()` its users call.
class Database:
    def __init__(self, url):
        self.engine = create_engine(url)

    def close(self):
        self.engine.dispose()

def connect(url="sqlite://"):
    return Database(url)

# Tries each database in turn, and disposes of the engine it ends with.
def database_exists(url):
    engine = None
    try:
        for name in ("app", "postgres", "template1"):
            engine = create_engine(url.set(database=name))
            try:
                with engine.connect() as conn:
                    return bool(conn.execute(text("select 1")).scalar())
            except Exception:
                pass
        return False
    finally:
        if engine is not None:
            engine.dispose()
"""
        ),
        Valid(
            """
import functools
from flask import Flask
from sqlalchemy import create_engine

app = Flask(__name__)
engine = create_engine("sqlite://")

@functools.lru_cache
def get_engine():
    return create_engine("sqlite://")

@app.route("/")
def index():
    with get_engine().connect() as conn:
        return "ok"

if __name__ == "__main__":
    one_off = create_engine("sqlite://")
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine

_engine = None

def get_engine():
    global _engine
    if _engine is None:
        _engine = create_engine("sqlite://")
    return _engine

def migrate_all(urls):
    for url in urls:
        engine = create_engine(url)
        try:
            engine.connect().close()
        finally:
            engine.dispose()

def script(url):
    engine = create_engine(url)
    return engine
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

def new_session_factory(url, **kwargs):
    engine = create_engine(url, **kwargs)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    return factory
"""
        ),
        Valid(
            """
import click
import pytest
from sqlalchemy import create_engine

@click.command()
@click.argument("url")
def check(url):
    engine = create_engine(url)

@pytest.fixture
def engine():
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()

ENGINES = {name: create_engine(url) for name, url in [("a", "sqlite://")]}
"""
        ),
    ]
    VALID += [
        Valid(
            """
import pandas as pd
from fastapi import FastAPI
from sqlalchemy import create_engine

app = FastAPI()

def get_engine():
    return create_engine("sqlite://")

def load(query):
    engine = create_engine("sqlite://")
    try:
        return pd.read_sql(query, engine)
    finally:
        engine.dispose()

def export(url, frame):
    if frame.empty:
        return 0  # before the engine exists
    engine = create_engine(url)
    if len(frame) > 10_000:
        engine.dispose()
        return -1
    frame.to_sql("export", engine)
    engine.dispose()
    return len(frame)

@app.on_event("startup")
def create_tables():
    engine = create_engine("sqlite://")
    engine.connect().close()

def main():
    engine = get_engine()
    print(load("select 1"), engine)

if __name__ == "__main__":
    main()
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

class Database:
    def __init__(self, url):
        self.engine = create_engine(url)
        self.Session = sessionmaker(bind=self.engine)

db = Database("sqlite://")

def create_app():
    return {"db": Database("sqlite://")}
""",
            files={
                "routes.py": """
from flask import Flask
from main import db

app = Flask(__name__)

@app.route("/")
def index():
    with db.Session() as session:
        return "ok"
"""
            },
        ),
        Valid(
            """
from sqlalchemy import create_engine, text

for url in ["sqlite://", "sqlite://"]:
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("select 1"))
    engine.dispose()
"""
        ),
        Valid(
            """
import argparse
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

class Database:
    def __init__(self, url):
        self.engine = create_engine(url)
        self.Session = sessionmaker(bind=self.engine)

@contextmanager
def session_scope(url):
    # One engine per call, disposed by the function that made its Database.
    database = Database(url)
    session = database.Session()
    try:
        yield session
    finally:
        session.close()
        database.engine.dispose()

def accessor():
    # A console script's entry point: it parses the command line, so it runs once.
    args = argparse.ArgumentParser().parse_args()
    return Database(args.url)

def downloader():
    # Installed as a command by setup.py (below): run once per process.
    return Database("sqlite://")
""",
            files={
                "setup.py": """
from setuptools import setup

setup(
    name="loader",
    entry_points={"console_scripts": ["loader-download=main:downloader"]},
)
"""
            },
        ),
        # A pipeline object that the framework makes once per crawl keeps the
        # connection, and with it the engine, for its lifetime: nothing is dropped.
        Valid(
            """
from sqlalchemy import MetaData, create_engine

class ItemPipeline:
    def __init__(self):
        engine = create_engine("sqlite:///items.db")
        connection = engine.connect()
        MetaData().create_all(engine)
        self.connection = connection

    def process_item(self, item, spider):
        return item
"""
        ),
        # The same through a local session factory: the session kept on the pipeline
        # is bound to the engine, which lives as long as the pipeline does.
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

class DatabasePipeline:
    def __init__(self):
        engine = create_engine("sqlite:///items.db")
        SessionLocal = sessionmaker(bind=engine)
        self.db = SessionLocal()

    def close_spider(self, spider):
        self.db.close()

    def process_item(self, item, spider):
        return item
"""
        ),
        # A "Connect" button: each press builds the engine from what was typed in and
        # keeps its session factory for the rest of the program.
        Valid(
            """
from PyQt5.QtWidgets import QDialog, QDialogButtonBox, QLineEdit
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

import data

class Login(QDialog):
    def __init__(self):
        super().__init__()
        self.url_input = QLineEdit("sqlite:///app.db")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok)
        buttons.accepted.connect(self.handle_login)

    def handle_login(self):
        engine = create_engine(self.url_input.text())
        data.Session = sessionmaker(bind=engine)
        self.accept()
"""
        ),
        # "Open..." hands its slot an engine for the file the user picked, which the
        # window keeps in place of the last one.
        Valid(
            """
from PyQt5.QtWidgets import QFileDialog, QMainWindow
from sqlalchemy import URL, create_engine

def engine_for(url: URL):
    return create_engine(url, future=True)

def engine_for_file(path: str):
    return engine_for(URL.create("sqlite", database=path))

class Window(QMainWindow):
    def __init__(self):
        super().__init__()
        self.open_action.triggered.connect(self.open_file)

    def open_file(self):
        path, _ = QFileDialog.getOpenFileName(self)
        self.set_engine(engine_for_file(path))

    def set_engine(self, engine):
        self.engine = engine
"""
        ),
        # A script's retry loop: the object kept from the last attempt, and its engine,
        # are used after it.
        Valid(
            """
import time

from sqlalchemy import create_engine

from db import Database

for attempt in range(5):
    try:
        engine = create_engine("postgresql://etl@db/dw")
        database = Database(engine)
        database.ping()
    except Exception:
        time.sleep(5)
    else:
        break

database.load("countries")
"""
        ),
    ]
    VALID += [
        # Celery sends `worker_process_init` once per worker process: one engine each.
        Valid(
            """
from celery import signals
from sqlalchemy import create_engine

class Core:
    def __init__(self, url="postgresql://app@db/app"):
        self.engine = create_engine(url)

@signals.worker_process_init.connect
def setup_worker(**kwargs):
    Core()
"""
        ),
        # Each configured database's engine is built once to validate its settings and
        # dropped unused: an engine opens no connection until it is used.
        Valid(
            """
from sqlalchemy import create_engine

def create_db_engine(config):
    return create_engine(config["dsn"], pool_pre_ping=True)

def validate_databases(databases):
    for name, config in databases.items():
        create_db_engine(config)
"""
        ),
    ]
    # A block guarded by a flag it sets: on the class (or the module), it runs once per
    # process; on the instance, once per instance, and a view makes one per request.
    _FLAGGED_INIT = """
from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)

class Database:
    _initialized = False

    def __init__(self):
        if not {flag}:
            self.engine = create_engine("sqlite:///app.db")
            {flag} = True

@app.route("/users")
def users():
    db = Database()
    with db.engine.connect() as conn:
        return str(conn.execute(text("select count(*) from users")).scalar())
"""
    VALID += [Valid(_FLAGGED_INIT.format(flag="Database._initialized"))]
    # A start-up check called from one place: one engine, made, used and dropped.
    VALID += [
        Valid(
            """
from sqlalchemy import create_engine, text

def database_reachable(url):
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False

def get_engine(url):
    if not database_reachable(url):
        raise ValueError("cannot connect to the database")
    return create_engine(url)
"""
        ),
        # A middleware made once, with the app: its `__init__` makes the one engine
        # that `dispatch` uses for every request.
        Valid(
            """
from sqlalchemy import create_engine, text
from starlette.middleware.base import BaseHTTPMiddleware

class AuditMiddleware(BaseHTTPMiddleware):
    def __init__(self, app, url):
        super().__init__(app)
        self.engine = create_engine(url)

    async def dispatch(self, request, call_next):
        with self.engine.begin() as conn:
            conn.execute(text("insert into audit (path) values (:p)"), {"p": request.url.path})
        return await call_next(request)
"""
        ),
    ]
    INVALID = [
        # The loop gives the loader no engine: it makes one per round.
        Invalid(_UPSERT.format(passed=""), at="create_engine(URL)"),
        # ... but two places of the flows' program call it: an engine per call.
        Invalid(
            _LOAD_ALL,
            at="create_engine(url)",
            files={"flows.py": _FLOWS.format(more="\ndef hourly():\n    load_all(URL)\n")},
        ),
        # Routes registered on an app the function is given: a URL path says they are
        # request handlers, which make (and dispose) an engine per request.
        Invalid(
            """
from sqlalchemy import create_engine, text

def register(app, url):
    @app.get("/api/health")
    def health():
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return {"ok": True}
""",
            at="create_engine(url)",
        ),
        # A thread's target runs in the same process: one engine (and pool) per thread.
        Invalid(
            _MERGERS.format(module="threading", worker="Thread"),
            at="create_engine(self.url)",
        ),
        # The same functions in a module that does not run as a program: a module a
        # user of the project may import, and call its functions as often as they like.
        Invalid(
            _COLLECTOR,
            at="create_engine(url)",
            files={"examples.py": _EXAMPLES.format(main="")},
        ),
        Invalid(_FLAGGED_INIT.format(flag="self._initialized"), at="create_engine("),
        # A route of the project's own router class (a subclass of FastAPI's, to set
        # defaults), in a module that imports nothing of FastAPI itself.
        Invalid(
            """
from sqlalchemy import create_engine, text

from app.routing import APIRouter

router = APIRouter(tags=["Public"])

@router.get("/health")
def health_check():
    return {"database": database_health("sqlite:///app.db")}

def database_health(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return "healthy"
""",
            at="create_engine(url)",
            files={
                "app/__init__.py": "",
                "app/routing.py": "import fastapi\n\n"
                "class APIRouter(fastapi.APIRouter):\n"
                "    def __init__(self, *args, **kwargs):\n"
                "        kwargs.setdefault('responses', {404: {'description': 'Not found'}})\n"
                "        super().__init__(*args, **kwargs)\n",
            },
        ),
        # AWS Lambda runs the handler for every event a warm container receives.
        Invalid(
            """
from sqlalchemy import create_engine, text

def get_engine():
    return create_engine("postgresql://scraper@db/cases")

def lambda_handler(event, context):
    engine = get_engine()
    with engine.begin() as conn:
        conn.execute(text("UPDATE cases SET status = 'seen'"))
    return {"statusCode": 200}
""",
            at="create_engine(",
        ),
        # A class given to `Depends()`: FastAPI calls it for every request.
        Invalid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text

app = FastAPI()

class Reports:
    def __init__(self):
        self.engine = create_engine("sqlite:///reports.db")

    def count(self):
        with self.engine.connect() as conn:
            return conn.execute(text("select count(*) from reports")).scalar()

@app.get("/reports/count")
def count_reports(reports: Reports = Depends(Reports)):
    return {"count": reports.count()}
""",
            at="create_engine(",
        ),
        # A helper imported under another name (`session_scope as session`) is called
        # per request all the same: a new engine (disposed, but made) per request.
        Invalid(
            """
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

@contextmanager
def session_scope():
    engine = create_engine("postgresql://pulse@db/pulse")
    session = sessionmaker(bind=engine)()
    try:
        yield session
        session.commit()
    finally:
        session.close()
        engine.dispose()
""",
            at="create_engine(",
            files={
                "routes.py": (
                    "from fastapi import APIRouter\n"
                    "from main import session_scope as session\n\n"
                    "router = APIRouter()\n\n"
                    "@router.post('/properties')\n"
                    "def add_property(name: str):\n"
                    "    with session() as db_session:\n"
                    "        db_session.add(name)\n"
                )
            },
        ),
        # A TwitchIO cog's command, and a discord.py client's `on_message`, which the
        # framework calls by its name: both run for every chat message.
        Invalid(
            """
import sqlalchemy
from twitchio.ext import commands

def cursor():
    return sqlalchemy.create_engine("postgresql://bot@db/bot")

@commands.cog()
class Commands:
    @commands.command(name="watchtime")
    async def watchtime(self, ctx):
        await ctx.send(str(cursor().execute("SELECT 1").scalar()))
""",
            at="sqlalchemy.create_engine(",
        ),
        Invalid(
            """
import discord
from sqlalchemy import create_engine, text

class Bot(discord.Client):
    async def on_message(self, message):
        engine = create_engine("postgresql://bot@db/bot")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO seen (author) VALUES (:a)"), {"a": message.author.id})
""",
            at="create_engine(",
        ),
        Invalid(
            """
import pandas as pd
from sqlalchemy import create_engine, text

def get_engine():
    return create_engine("postgresql://etl@db/crimes")

def run_report(query):
    with get_engine().connect() as conn:
        return pd.read_sql(text(query), conn)

if __name__ == "__main__":
    # Five reports, five engines and pools, one after the other.
    run_report("SELECT day, count(*) FROM crimes GROUP BY day")
    run_report("SELECT ward, count(*) FROM crimes GROUP BY ward")
""",
            at="create_engine(",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

def get_conn():
    engine = create_engine("postgresql://app@db/app")
    return engine.connect()

def count_users():
    # Closing the connection returns it to the pool of an engine nothing keeps: it
    # stays open there until the garbage collector finds the engine.
    with get_conn() as conn:
        return conn.execute(text("SELECT count(*) FROM users")).scalar()

def count_orders():
    with get_conn() as conn:
        return conn.execute(text("SELECT count(*) FROM orders")).scalar()
""",
            at="create_engine(",
        ),
        # A script's loop over files: the engine and the session factory made from it
        # are made again, and dropped, on every iteration, for the same database.
        Invalid(
            """
import os

import pandas as pd
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

for name in os.listdir("exports"):
    with open("credentials.txt") as file:
        url = file.read()
    engine = create_engine(url)
    Session = sessionmaker(bind=engine)
    with Session() as session:
        pd.read_csv(os.path.join("exports", name)).to_sql("quotes", session.connection())
        session.commit()
""",
            at="create_engine(url)",
        ),
        # The session made from the engine is dropped with it: a pool per call.
        Invalid(
            """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

class Loader:
    def load(self, query):
        engine = create_engine("postgresql://etl@warehouse/dw")
        session = Session(engine)
        try:
            return session.execute(text(query)).all()
        finally:
            session.close()

def report():
    return Loader().load("SELECT * FROM sales"), Loader().load("SELECT * FROM refunds")
""",
            at="create_engine(",
        ),
        # The same factory with a URL of its own: a new pool for the same database on
        # every click.
        Invalid(
            """
from PyQt5.QtWidgets import QMainWindow
from sqlalchemy import create_engine

def make_engine():
    return create_engine("sqlite:///app.db", future=True)

class Window(QMainWindow):
    def __init__(self):
        super().__init__()
        self.refresh_action.triggered.connect(self.refresh)

    def refresh(self):
        self.set_engine(make_engine())

    def set_engine(self, engine):
        self.engine = engine
""",
            at="create_engine(",
        ),
        # A Qt signal runs its slot on every click.
        Invalid(
            """
from PyQt5.QtWidgets import QPushButton, QWidget
from sqlalchemy import create_engine, text

class Report(QWidget):
    def __init__(self):
        super().__init__()
        self.button = QPushButton("Refresh", self)
        self.button.clicked.connect(self.refresh)

    def refresh(self):
        engine = create_engine("sqlite:///app.db")
        with engine.connect() as conn:
            count = conn.execute(text("select count(*) from items")).scalar()
        engine.dispose()
        return count
""",
            at="create_engine(",
        ),
        Invalid(
            """
import pandas as pd
from prefect import flow, task
from sqlalchemy import create_engine

@task
def load_chunk(frame):
    engine = create_engine("postgresql://etl@warehouse/dw")
    frame.to_sql("videos", engine, if_exists="append")

@flow
def main(paths):
    for path in paths:  # a task per chunk: an engine per chunk
        load_chunk(pd.read_csv(path))
""",
            at="create_engine(",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

def cached_lookup(url, key, compute):
    engine = create_engine(url, pool_size=1)
    with engine.connect() as conn:
        hit = conn.execute(text("SELECT value FROM cache WHERE key = :k"), {"k": key}).first()
    if hit:
        return hit.value  # every cache hit leaves the pool undisposed
    value = compute(key)
    engine.dispose()
    return value
""",
            at="create_engine(url, pool_size=1)",
        ),
        Invalid(
            """
from sqlalchemy import create_engine

def get_engine():
    return create_engine("sqlite://")
""",
            at='create_engine("sqlite://")',
            files={
                "routes.py": """
from fastapi import FastAPI
from main import get_engine

app = FastAPI()

@app.get("/items")
def items():
    with get_engine().connect() as conn:
        return []
"""
            },
        ),
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

class DBConnectionHandler:
    def __init__(self):
        self.engine = create_engine("sqlite://")
        self.session = None

    def __enter__(self):
        self.session = sessionmaker(bind=self.engine)()
        return self

    def __exit__(self, *exc):
        self.session.close()
""",
            at='create_engine("sqlite://")',
            files={
                "repositories.py": """
from main import DBConnectionHandler

class UsersRepository:
    def count(self):
        with DBConnectionHandler() as db:
            return db.session.execute("select count(*) from users").scalar()
"""
            },
        ),
        Invalid(
            """
from flask import Flask
from sqlalchemy import create_engine

app = Flask(__name__)

class Database:
    def __init__(self, url):
        self.engine = create_engine(url)

def connect(url="sqlite://"):
    return Database(url)  # handed to the caller: as often as it is called

@app.route("/count")
def count():
    with connect().engine.connect() as conn:
        return str(conn.exec_driver_sql("select count(*) from users").scalar())
""",
            at="create_engine(url)",
        ),
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

class Database:
    def __init__(self):
        engine = create_engine("postgresql://db/app")
        self.session = sessionmaker(bind=engine)
""",
            at='create_engine("postgresql://db/app")',
            files={
                # `Depends(get_db)` runs when the module is imported, `get_db` on every
                # request, and each call of it makes a `Database`.
                "routes.py": """
from fastapi import APIRouter, Depends

from main import Database

router = APIRouter()

def get_db():
    db = Database().session()
    try:
        yield db
    finally:
        db.close()

@router.get("/trips")
async def trips(db=Depends(get_db)):
    return db.execute("select 1").all()
"""
            },
        ),
        Invalid(
            """
import pandas as pd
from sqlalchemy import create_engine

class Loader:
    def __init__(self, url):
        self.url = url

    def load(self, query):
        engine = create_engine(self.url)
        return pd.read_sql(query, engine)

def export(loader):
    loader.load("SELECT * FROM sales").to_csv("sales.csv")
    loader.load("SELECT * FROM refunds").to_csv("refunds.csv")
""",
            at="create_engine(self.url)",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

for table in ["users", "orders"]:
    # The same database each time: one engine before the loop would do.
    engine = create_engine("sqlite:///app.db")
    with engine.connect() as conn:
        conn.execute(text(f"select count(*) from {table}"))
""",
            at="create_engine(",
        ),
        Invalid(
            """
from aiogram import Router
from aiogram.types import Message
from sqlalchemy import create_engine, text

router = Router()

@router.message()
async def on_message(message: Message):
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.execute(text("select 1"))
""",
            at='create_engine("sqlite://")',
        ),
        Invalid(
            """
from fastapi import FastAPI
from sqlalchemy import create_engine

app = FastAPI()

@app.get("/users")
def list_users():
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        return []
""",
            at='create_engine("sqlite://")',
        ),
        Invalid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

app = FastAPI()

def get_session():
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        yield session

@app.get("/items")
def items(session: Session = Depends(get_session)):
    return []
""",
            at='create_engine("sqlite://")',
        ),
        Invalid(
            """
from flask import Blueprint
import sqlalchemy as sa

bp = Blueprint("api", __name__)

def engine_for(tenant):
    return sa.create_engine(f"sqlite:///{tenant}.db")

@bp.route("/<tenant>")
def show(tenant):
    engine = engine_for(tenant)
    engine.dispose()
    return "ok"
""",
            at="sa.create_engine(",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

def sync(urls):
    for url in urls:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
""",
            at="create_engine(url)",
        ),
    ]

    # A factory whose only callers are commands runs once per process; one that any
    # other function also calls does not.
    VALID += [
        Valid(
            _SESSION_PER_CALL,
            files={"commands.py": _COMMAND},
        ),
    ]
    INVALID += [
        Invalid(
            _SESSION_PER_CALL,
            at='create_engine("sqlite://")',
            files={
                "commands.py": _COMMAND
                + """
def sync_all(items):
    with get_session() as session:
        session.add_all(items)
"""
            },
        ),
    ]

    # A getter that fills the instance's slot through a method of its own only when
    # the slot is empty makes one engine per instance, however often it runs; without
    # the test, each call of the getter, here in a loop, makes another.
    VALID += [
        Valid(_ENGINE_FILLED_BY_A_METHOD.format(test="if self._engine is None:\n            "))
    ]
    INVALID += [
        Invalid(
            _ENGINE_FILLED_BY_A_METHOD.format(test=""),
            at="sqlalchemy.create_engine(",
        )
    ]

    # A getter that returns the table's engine for the shard when it holds one makes
    # one per shard; one that only stores what it builds makes one per request.
    VALID += [
        Valid(
            _ENGINES_PER_SHARD.format(
                lookup="    engine = _ENGINES.get(shard)\n"
                "    if engine is not None:\n"
                "        return engine\n"
            )
        )
    ]
    INVALID += [Invalid(_ENGINES_PER_SHARD.format(lookup=""), at="create_engine(f")]

    # aiogram 3 registers handlers on an event observer: each runs per update.
    INVALID += [
        Invalid(
            """
from aiogram import Router
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

router = Router()

async def get_async_session():
    engine = create_async_engine("sqlite+aiosqlite://")
    return async_sessionmaker(engine)()

async def show_nodes(call):
    async with await get_async_session() as session:
        await session.commit()

router.callback_query.register(show_nodes)
""",
            at='create_async_engine("sqlite+aiosqlite://")',
        ),
    ]
    # The loader makes an engine only when its caller gives none, and the loop gives
    # it one: one engine for the backfill. So for a factory that makes a separate one
    # only for a URL its callers never give.
    VALID += [
        Valid(_UPSERT.format(passed=", engine=engine")),
        Valid(
            """
from sqlalchemy import create_engine, text

URL = "sqlite:///prices.db"
_engine = None

def get_engine(db_url=None):
    global _engine
    if db_url:
        return create_engine(db_url)
    if _engine is None:
        _engine = create_engine(URL)
    return _engine

def load(days):
    for day in days:
        with get_engine().begin() as conn:
            conn.execute(text("DELETE FROM prices WHERE day = :day"), {"day": day})
"""
        ),
    ]
    # A script beside the package (a module outside it that runs as a program): an
    # example function nothing calls (its call left commented out in the `__main__`
    # block) runs by hand, once, not again and again as a library's API may.
    VALID += [Valid(_COLLECTOR, files={"examples.py": _EXAMPLES.format(main=_EXAMPLES_MAIN)})]
    # A loader a flow calls once, and the module's own `main()` runs by hand: two
    # programs, each with its one engine.
    VALID += [Valid(_LOAD_ALL, files={"flows.py": _FLOWS.format(more="")})]
    # A process's target runs once, in the child process: the engine is that
    # process's own, as it must be after a fork.
    VALID += [Valid(_MERGERS.format(module="multiprocessing", worker="Process"))]
    VALID += [
        Valid(
            """
import atexit

from sqlalchemy import create_engine, text

def report():
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()

atexit.register(report)  # runs once, at exit: `register` alone is no event observer
"""
        ),
        # Airflow runs each task instance in a process of its own: one engine per task
        # run is one per process, with nothing to share it with.
        Valid(
            """
import pandas as pd
from airflow.decorators import task
from sqlalchemy import create_engine

@task()
def load(rows: dict):
    engine = create_engine("postgresql://etl@warehouse/dw")
    pd.DataFrame(rows).to_sql("staging", engine, if_exists="append")
"""
        ),
        # The engine is kept by the object the factory keeps on its loader (a class of
        # the project, whatever the case of its name).
        Valid(
            """
from collections import namedtuple

import sqlalchemy
from sqlalchemy import orm

class DB(namedtuple("DB", "engine, session")):
    pass

class CommanderFactory:
    def __init__(self, config, loader):
        self.loader = loader
        db_engine = sqlalchemy.create_engine(config["db"])
        session = orm.sessionmaker(db_engine)()
        self.loader.db = DB(db_engine, session)
""",
            files={"pyproject.toml": "[project]\nname = 'bot'\n"},
        ),
        # A primary and a read replica: each call connects to the database it is
        # given, its URL unpacked from what a helper makes of the parameter.
        Valid(
            """
from sqlalchemy.ext.asyncio import create_async_engine

def pg_config(url, enforce_ssl=False):
    return url + "?ssl=require", {"ssl": enforce_ssl}

def pg_engine(url, echo=False):
    pg_url, pg_args = pg_config(url, enforce_ssl=True)
    return create_async_engine(url=pg_url, connect_args=pg_args, echo=echo)

def serve(primary, replica):
    return pg_engine(primary), pg_engine(replica)
"""
        ),
        # Each call connects to the database it is given (a URL built from the
        # parameters), and each engine is disposed after use.
        Valid(
            """
from sqlalchemy import URL, create_engine, text

def engine_for(config, database):
    url = URL.create("postgresql", host=config.host, database=database)
    engine = create_engine(url)
    return engine

def create_database(config, name):
    root = engine_for(config, "postgres")
    with root.connect() as conn:
        conn.execute(text("SELECT 1"))
    root.dispose()
    fresh = engine_for(config, name)
    fresh.dispose()
"""
        ),
        # An engine cached on an instance that each call makes and closes: `close()`
        # disposes it, so none outlives the call that made it.
        Valid(
            """
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

class DocumentStorage:
    def __init__(self, path):
        self.url = f"sqlite+aiosqlite:///{path}"
        self.engine = None

    async def connect(self):
        if self.engine is None:
            self.engine = create_async_engine(self.url)

    async def insert(self, doc):
        async with self.engine.begin() as conn:
            await conn.execute(text("INSERT INTO docs VALUES (:d)"), {"d": doc})

    async def close(self):
        if self.engine:
            await self.engine.dispose()
            self.engine = None

async def import_documents(path, docs):
    storage = DocumentStorage(path)
    await storage.connect()
    try:
        for doc in docs:
            await storage.insert(doc)
    finally:
        await storage.close()
"""
        ),
        # A factory whose only caller fills a global under a test that it is unset:
        # one `Database` (and one engine) per process, whatever calls `get_db()`.
        Valid(
            """
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

app = FastAPI()

class Database:
    def __init__(self, url):
        self.engine = create_async_engine(url)
        self.session_maker = async_sessionmaker(self.engine, expire_on_commit=False)

def get_new_db():
    return Database("postgresql+asyncpg://app@db/app")

_db = None

def get_db():
    global _db
    if _db is None:
        _db = get_new_db()
    return _db

@app.get("/health")
async def health():
    async with get_db().session_maker() as session:
        return {"ok": session is not None}
"""
        ),
        # The session factory made from the engine is kept in a global after an early
        # `return` of the kept one: one engine, made on the first request.
        Valid(
            """
import threading

import sqlalchemy
from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker

app = FastAPI()
lock = threading.Lock()
_SESSION_MAKER = None

def get_session():
    global _SESSION_MAKER
    if _SESSION_MAKER:
        return _SESSION_MAKER()
    with lock:
        engine = sqlalchemy.create_engine("postgresql://wps@db/wps")
        Session = sessionmaker(bind=engine)
        _SESSION_MAKER = Session
    return _SESSION_MAKER()

@app.get("/jobs")
def jobs():
    with get_session() as session:
        return session.execute(sqlalchemy.text("SELECT 1")).scalar()
"""
        ),
        # unittest's class fixtures run once per class of tests.
        Valid(
            """
import unittest

from sqlalchemy import create_engine

class ModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        engine = create_engine("postgresql+psycopg2:///postgres")
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE test")
"""
        ),
        # The action of a command-line subcommand (a class that declares its arguments
        # in `add_arguments`, as Django's management commands do): once per process.
        Valid(
            """
import sqlalchemy

class checkdb:
    @staticmethod
    def add_arguments(parser):
        parser.add_argument("--tempdb", default="till-check")

    @staticmethod
    def run(args):
        engine = sqlalchemy.create_engine("postgresql+psycopg2:///postgres")
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
"""
        ),
        # An adapter whose `__enter__` connects: the task makes one per run but never
        # enters it (it calls nothing that connects), so no engine is made per run.
        Valid(
            """
from celery import shared_task
from sqlalchemy import create_engine

class DatabaseAdapter:
    def __init__(self, url):
        self.url = url
        self._engine = None

    def connect(self):
        self._engine = create_engine(self.url)

    def disconnect(self):
        self._engine.dispose()

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc):
        self.disconnect()

def make_adapter(url):
    return DatabaseAdapter(url)

@shared_task
def check_alerts():
    adapter = make_adapter("postgresql://monitor@db/app")
    return adapter.url
"""
        ),
        # A singleton per database path: an early `return` hands out the kept engine,
        # and a new one replaces it (the old one disposed) only when the path changes.
        Valid(
            """
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import create_engine, text

app = FastAPI()
DB_PATH = "data/cleanup.db"
_engine = None
_engine_path = None

def pending_engine():
    global _engine, _engine_path
    path = Path(DB_PATH)
    if _engine is not None and _engine_path == path:
        return _engine
    if _engine is not None:
        _engine.dispose()
    _engine = create_engine(f"sqlite:///{path}")
    _engine_path = path
    return _engine

@app.post("/messages")
def track():
    with pending_engine().begin() as conn:
        conn.execute(text("INSERT INTO pending DEFAULT VALUES"))
"""
        ),
        # Two calls under the two arms of one `if`: one or the other runs.
        Valid(
            """
import os

import sqlalchemy as sa

def create_app(test_config=None):
    config = {}

    def create_followers(env_var_name, default=""):
        followers = os.environ.get(env_var_name, default).split(",")
        return [sa.create_engine(follower.strip()) for follower in followers]

    if test_config is None:
        config["FOLLOWERS"] = create_followers("SQLA_FOLLOWERS")
    else:
        config["FOLLOWERS"] = create_followers("SQLA_TEST_CONN", "postgresql:///test")
    return config
"""
        ),
        # One exporter per configured output, each kept in the list the loop builds:
        # an engine per database the command writes to, not one per round thrown away.
        Valid(
            """
import click
from sqlalchemy import create_engine

class PostgresExporter:
    def __init__(self, url):
        self.engine = create_engine(url)

    def export(self, rows):
        with self.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO blocks VALUES (?)", rows)

def make_exporter(output):
    exporter = PostgresExporter(output)
    return exporter

def make_exporters(outputs):
    exporters = [make_exporter(output) for output in outputs.split(",")]
    return exporters

@click.command()
@click.option("--output")
def stream(output):
    for exporter in make_exporters(output):
        exporter.export([])
"""
        ),
        # A function an Airflow operator runs is a task too, whatever loop builds the
        # operators; a Dagster job's body wires its ops once, when the definitions load.
        Valid(
            """
from airflow.operators.python import PythonOperator
from dagster import job, op
from sqlalchemy import create_engine

def copy_table(table):
    engine = create_engine("postgresql://etl@source/db")
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")

def copy_task(table):
    return PythonOperator(
        task_id=f"copy_{table}", python_callable=copy_table, op_kwargs={"table": table}
    )

tasks = [copy_task(table) for table in ("a", "b", "c")]

@op
def load(frame):
    engine = create_engine("postgresql://etl@warehouse/dw")
    frame.to_sql("staging", engine)

@job
def etl():
    load()
"""
        ),
        # A Prefect task runs when its flow calls it: once here, per flow run.
        Valid(
            """
import pandas as pd
from prefect import flow, task
from sqlalchemy import create_engine

@task(log_prints=True)
def load_chunk(frame, url):
    engine = create_engine(url)
    frame.to_sql("videos", engine, if_exists="append")

@flow
def main():
    load_chunk(pd.DataFrame(), "postgresql://etl@warehouse/dw")

if __name__ == "__main__":
    main()
"""
        ),
        # `@cli.command()` on a click group is a command, even in a bot's code.
        Valid(
            """
import click
from sqlalchemy import create_engine
from telegram.ext import Updater

def setup_database_engine(db_uri):
    return create_engine(db_uri)

@click.group()
def cli():
    pass

@cli.command()
@click.option("--db-uri", envvar="DB_URI", required=True)
def start_polling(db_uri: str):
    engine = setup_database_engine(db_uri)
    Updater("token").start_polling()
    engine.dispose()
"""
        ),
        # ... and so is `@click.command()` itself, through a context manager its
        # entry point enters once.
        Valid(
            """
import contextlib

import click
from discord.ext.commands import Bot
from sqlalchemy.ext.asyncio import create_async_engine

def setup_db(url):
    return create_async_engine(url)

@contextlib.contextmanager
def managed_db(url):
    engine = setup_db(url)
    try:
        yield engine
    finally:
        engine.sync_engine.dispose()

def run(url):
    with managed_db(url) as engine:
        Bot(command_prefix="!").run("token")

@click.command()
@click.argument("url")
def main(url):
    run(url)
"""
        ),
        # A factory only another module's `main()` calls runs once per program.
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

def db_connect():
    engine = create_engine("postgresql://app@db/app")
    return sessionmaker(bind=engine)()
""",
            files={
                "combiner.py": """
from main import db_connect

def main():
    session = db_connect()
    session.execute("select 1")
    session.close()
"""
            },
        ),
        # One engine per configured database, kept under its name: not one per round.
        Valid(
            """
from sqlalchemy import create_engine

class BindManager:
    def __init__(self, config: dict):
        self.binds = {}
        for name, conf in config.items():
            self.binds[name] = self._build(conf)

    def _build(self, conf):
        return create_engine(conf["url"])

class TwoStepBindManager:
    def __init__(self, config: dict):
        self.binds = {}
        for name, conf in config.items():
            self._init_bind(name, conf)

    def _init_bind(self, name, conf):
        self.binds[name] = self._build(conf)

    def _build(self, conf):
        return create_engine(conf["url"])
"""
        ),
        # Streamlit keeps what `st.cache_resource` returns across the script's reruns.
        Valid(
            """
import streamlit as st
from sqlalchemy import create_engine

@st.cache_resource
def get_engine():
    return create_engine(st.secrets["database"]["url"])

def rows(query):
    with get_engine().connect() as conn:
        return conn.exec_driver_sql(query).all()

st.write(rows("select 1"))
"""
        ),
        # A helper module the pages import runs once, when first imported, even if it
        # imports streamlit for its secrets.
        Valid(
            """
import streamlit as st
from sqlalchemy import create_engine

engine = create_engine(st.secrets["database"]["url"])
""",
            files={"app.py": "import streamlit as st\nfrom main import engine\nst.write(engine)\n"},
        ),
    ]
    VALID += [
        # An engine made once per instance and kept on it, of a class made once per
        # run; an observer kept by the run object it is appended to; `isinstance()`
        # makes no instance.
        Valid(
            """
from sqlalchemy import create_engine
"""
            + _LAZY_ENGINE
            + """
    def load(self, rows):
        for row in rows:
            with self.get_engine().begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (?)", (row,))

class Observer:
    def __init__(self, url):
        self.engine = create_engine(url)

    def __eq__(self, other):
        return isinstance(other, Observer) and self.engine == other.engine

def sql_option(url, run):
    run.observers.append(Observer(url))

processor = Processor("sqlite://")
"""
        ),
    ]
    VALID += [
        # An ASGI app runs its `lifespan` scope once, when it starts.
        Valid(
            """
from dataclasses import dataclass, field

from sqlalchemy import create_engine
"""
            + _POST_INIT_ENGINE
            + """
async def middleware(scope, receive, send):
    if scope["type"] == "lifespan":
        store = DataStore("sqlite://")
        print("started", store)
        engine = create_engine("sqlite://")
        await send({"type": "lifespan.startup.complete"})
    else:
        await send({"type": "http.response.start", "status": 200})
"""
        ),
    ]
    INVALID += [
        # A dataclass's `__post_init__` runs for every instance, as `__init__` does.
        Invalid(
            """
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import create_engine

app = Flask(__name__)
"""
            + _POST_INIT_ENGINE
            + """
@app.get("/jobs")
def jobs():
    store = DataStore("sqlite://")
    with store.engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT 1").scalar())
""",
            at="create_engine(self.url)",
        ),
        # Dash runs a callback on each interaction with the page.
        Invalid(
            """
import pandas as pd
from dash import Dash, Input, Output
from sqlalchemy import create_engine

app = Dash(__name__)

@app.callback(Output("sales", "figure"), Input("postcode", "value"))
def update_sales(postcode):
    engine = create_engine("sqlite:///sales.db")
    frame = pd.read_sql("SELECT price FROM sale WHERE postcode = ?", engine, params=[postcode])
    engine.dispose()  # a new pool, and a new connection, on every interaction all the same
    return {"data": [{"y": frame["price"]}]}
""",
            at="create_engine(",
        ),
        # ... made per request: one engine per request.
        Invalid(
            """
from flask import Flask
from sqlalchemy import create_engine

app = Flask(__name__)
"""
            + _LAZY_ENGINE
            + """
@app.post("/load")
def load():
    processor = Processor("sqlite://")
    with processor.get_engine().begin() as conn:
        conn.exec_driver_sql("SELECT 1")
    return "ok"
""",
            at="create_engine(self.url)",
        ),
        # `streamlit run app.py` runs the whole script again on every interaction.
        Invalid(
            """
import streamlit as st
from sqlalchemy import create_engine, text

engine = create_engine("sqlite:///data.db")

with engine.connect() as conn:
    st.dataframe(conn.execute(text("SELECT * FROM orders")).all())
""",
            at="create_engine(",
        ),
    ]
    INVALID += [
        # Litestar runs an authentication middleware's `authenticate_request` for
        # each request (as Starlette runs `BaseHTTPMiddleware.dispatch`).
        Invalid(
            """
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

class JWTAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection):
        engine = create_async_engine("postgresql+asyncpg://app@db/app")
        async with async_sessionmaker(engine)() as session:
            user = await session.scalar(select(User).where(User.token == connection.headers["t"]))
        return AuthenticationResult(user=user, auth=None)
""",
            at="create_async_engine(",
        ),
        # Tornado makes a RequestHandler per request and runs its `initialize()`.
        Invalid(
            """
import tornado.web
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

class ReportHandler(tornado.web.RequestHandler):
    def initialize(self):
        self.db = create_engine("postgresql://app@db/app", poolclass=NullPool)

    def get(self):
        with self.db.connect() as conn:
            self.write(str(conn.exec_driver_sql("select 1").scalar()))
""",
            at='create_engine("postgresql://app@db/app", poolclass=NullPool)',
        ),
        # A run-once poller that comes round to the same servers again and again.
        Invalid(
            """
import time
from sqlalchemy import create_engine

def main(urls):
    while True:
        for url in urls:
            engine = create_engine(url)
            with engine.connect() as conn:
                conn.exec_driver_sql("select 1")
        time.sleep(60)

if __name__ == "__main__":
    main(["postgresql://a/db", "postgresql://b/db"])
""",
            at="create_engine(url)",
        ),
        # Kept under the same key each round: the previous engine is dropped.
        Invalid(
            """
from sqlalchemy import create_engine

class Poller:
    def __init__(self, url: str):
        self.url = url
        self.binds = {}

    def _build(self):
        return create_engine(self.url)

    def poll(self, rounds):
        for _ in range(rounds):
            self.binds["main"] = self._build()
            with self.binds["main"].connect() as conn:
                conn.exec_driver_sql("select 1")
""",
            at="create_engine(self.url)",
        ),
        # A discord.py bot's `@bot.command()` runs per message.
        Invalid(
            """
from discord.ext import commands
from sqlalchemy import create_engine

bot = commands.Bot(command_prefix="!")

@bot.command()
async def score(ctx):
    engine = create_engine("sqlite:///scores.db")
    with engine.connect() as conn:
        await ctx.send(str(conn.exec_driver_sql("select 1").scalar()))
""",
            at='create_engine("sqlite:///scores.db")',
        ),
        # A Celery task runs again and again in one worker process.
        Invalid(
            """
from celery import shared_task
from sqlalchemy import create_engine

@shared_task
def load(rows):
    engine = create_engine("postgresql://etl@warehouse/dw")
    with engine.begin() as conn:
        conn.exec_driver_sql("insert into staging values (1)")
""",
            at='create_engine("postgresql://etl@warehouse/dw")',
        ),
    ]
    INVALID += [
        # The validation loop's engine, kept and used each round: one pool per round.
        Invalid(
            """
from sqlalchemy import create_engine, text

def create_db_engine(config):
    return create_engine(config["dsn"], pool_pre_ping=True)

def count_rows(databases):
    for name, config in databases.items():
        engine = create_db_engine(config)
        with engine.connect() as conn:
            print(name, conn.execute(text("SELECT count(*) FROM t")).scalar())
""",
            at="create_engine(",
        ),
    ]

    # A method that hands out a new engine for the instance's database, and one that
    # uses it and leaves it behind, on every press of a button.
    _ENGINE_PER_ANALYSIS = """
import tkinter as tk

import sqlalchemy as sa

class Analyse:
    def __init__(self, url):
        self.url = url

    def connect_to_db(self):
        return sa.create_engine(self.url)

    def read_omr(self, subject_id):
        engine = self.connect_to_db()
        with engine.begin() as conn:
            query = sa.text("SELECT * FROM omr WHERE subject_id = :id")
            rows = conn.execute(query, {"id": subject_id}).all()
        return rows

class Window:
    def __init__(self, root, url):
        self.analyse = Analyse(url)
        self.entry = tk.Entry(root)
        tk.Button(root, text="Show", command=self.show).pack()

    def show(self):
        print(self.analyse.read_omr(int(self.entry.get())))
"""
    INVALID += [Invalid(_ENGINE_PER_ANALYSIS, at="sa.create_engine(")]
    VALID += [
        # The caller disposes of what it was given.
        Valid(
            _ENGINE_PER_ANALYSIS.replace(
                "        return rows", "        engine.dispose()\n        return rows"
            )
        ),
        # The caller keeps it, for the instance's later calls.
        Valid(
            _ENGINE_PER_ANALYSIS.replace(
                "engine = self.connect_to_db()", "engine = self.engine = self.connect_to_db()"
            )
        ),
        # The caller hands it on, inside the session factory it returns, which the
        # button's handler keeps.
        Valid(
            """
import tkinter as tk

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

def get_engine(db_url):
    return create_async_engine(db_url, pool_size=20)

def get_session_maker(db_url):
    engine = get_engine(db_url)
    return async_sessionmaker(engine, expire_on_commit=False, class_=AsyncSession)

class Window:
    def __init__(self, root, url):
        self.url = url
        tk.Button(root, text="Connect", command=self.connect).pack()

    def connect(self):
        self.sessions = get_session_maker(self.url)
"""
        ),
        # The caller is the program's `main()`: once per run.
        Valid(
            """
import sqlalchemy as sa

def connect():
    return sa.create_engine("sqlite:///reports.db")

def main():
    engine = connect()
    with engine.connect() as conn:
        print(conn.execute(sa.text("SELECT count(*) FROM omr")).scalar())
"""
        ),
    ]

    # A decorator of the project that keeps what the function returns: the factory it
    # decorates runs once, however many requests call it ({wrapper}).
    _SINGLE_CALL = """
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

app = FastAPI()

def single_call(func):
    cache = {{}}
    async def result():
{wrapper}
    return result

@single_call
async def session_maker():
    engine = create_async_engine("postgresql+asyncpg://app@db/app")
    return async_sessionmaker(engine)

@app.get("/users")
async def users():
    maker = await session_maker()
    async with maker() as session:
        return (await session.execute(text("SELECT name FROM users"))).scalars().all()
"""
    VALID += [
        Valid(
            _SINGLE_CALL.format(
                wrapper=(
                    '        if cache.get("result") is None:\n'
                    '            cache["result"] = await func()\n'
                    '        return cache["result"]'
                )
            )
        )
    ]
    INVALID += [
        Invalid(
            _SINGLE_CALL.format(wrapper="        return await func()"),
            at="create_async_engine(",
        )
    ]

    # A factory called twice by one command, once for the server without the database
    # (to create it) and once for the database: a flag the factory tests makes the URL
    # another database's, so the two engines are not one made twice ({pick}).
    _CREATE_DATABASE = """
import os
import re
import sys

from sqlalchemy import create_engine, text

from models import Base

def get_engine(no_database=False):
    url = os.environ["DATABASE_URL"]
    {pick}
    return create_engine(url)

def command_database(action):
    if action == "create":
        with get_engine(no_database=True).connect() as conn:
            conn.execute(text("CREATE DATABASE IF NOT EXISTS app"))
        Base.metadata.create_all(get_engine())

if __name__ == "__main__":
    command_database(sys.argv[1])
"""
    _MODELS = {
        "models.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
    }
    VALID += [
        Valid(
            _CREATE_DATABASE.format(
                pick='if no_database:\n        url = re.sub(r"/[^/]+$", "", url)'
            ),
            files=_MODELS,
        )
    ]
    INVALID += [
        Invalid(
            _CREATE_DATABASE.format(pick='if no_database:\n        print("server only")'),
            at="create_engine(url)",
            files=_MODELS,
        )
    ]

    # A Streamlit script whose "Connect" button builds engines for the URLs typed in
    # and keeps them in `st.session_state` for later reruns: one per press, kept (and
    # replaced by the next press), not one per rerun. Without the button, every rerun
    # builds them again.
    _CONNECT_TO_DB = """
from sqlalchemy import MetaData, create_engine

def connect_to_db(uri):
    engine = create_engine(uri)
    MetaData().reflect(bind=engine)
    return engine
"""
    _STREAMLIT_CONNECT = """
import streamlit as st

from main import connect_to_db

src_uri = st.text_input("Source database URL")
tgt_uri = st.text_input("Target database URL")
{connect}
    st.session_state["src_engine"] = connect_to_db(src_uri)
    st.session_state["tgt_engine"] = connect_to_db(tgt_uri)
"""
    VALID += [
        Valid(
            _CONNECT_TO_DB,
            files={
                "app.py": _STREAMLIT_CONNECT.format(connect='if st.button("Connect to Databases"):')
            },
        )
    ]
    INVALID += [
        Invalid(
            _CONNECT_TO_DB,
            at="create_engine(uri)",
            files={"app.py": _STREAMLIT_CONNECT.format(connect="if src_uri and tgt_uri:")},
        )
    ]

    # A start-up check that retries: a round comes again only when the last one failed
    # (its `try` returns on success), a few times at most. A poller that goes round
    # whatever happened makes one engine per round.
    _RETRY = """
import time

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

def verify_database(db_uri, max_retries=5):
    for attempt in range(max_retries):
        try:
            engine = create_engine(db_uri)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
{end}
        except SQLAlchemyError:
            time.sleep(2**attempt)
    return False

def init_app(app):
    if not verify_database(app.config["SQLALCHEMY_DATABASE_URI"]):
        raise RuntimeError("no database")
"""
    VALID += [Valid(_RETRY.format(end="                return True"))]
    INVALID += [
        Invalid(_RETRY.format(end="            print('checked')"), at="create_engine(db_uri)")
    ]

    # A manager that makes its engine once and again only to recover from a failure:
    # `reconnect()` is called in a handler, after a lost connection, not per query.
    _RECONNECTING = """
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

class DatabaseManager:
    def __init__(self, uri):
        self.uri = uri
        self.connected = False

    def connect(self):
        if not self.connected:
            self.engine = create_engine(self.uri)
            self.connected = True
            self.session = sessionmaker(bind=self.engine)()

    def reconnect(self):
        self.connected = False
        self.connect()

    def query(self, *entities):
        try:
            return self.session.query(*entities)
        except OperationalError:
            self.reconnect()
            return self.session.query(*entities)

dbmanager = DatabaseManager("sqlite:///players.db")
dbmanager.connect()

def on_login(players):
    for player in players:
        {per_player}
"""
    VALID += [Valid(_RECONNECTING.format(per_player="dbmanager.query(player)"))]
    INVALID += [
        Invalid(_RECONNECTING.format(per_player="dbmanager.reconnect()"), at="create_engine(")
    ]

    # A handler that is the code's other branch, not a recovery: it runs for every
    # ticker the lookup does not find.
    _MISSING_TICKERS = """
import pandas as pd
from sqlalchemy import create_engine

def quotes_engine():
    return create_engine("postgresql://stocks@db/quotes")

def save_quotes(ticker):
    engine = quotes_engine()
    pd.DataFrame({{"ticker": [ticker]}}).to_sql("quotes", engine, if_exists="append")

def add_missing(tickers, known):
    for ticker in tickers:
        try:
            known[ticker]
        except {caught}:
            save_quotes(ticker)
"""
    INVALID += [Invalid(_MISSING_TICKERS.format(caught="KeyError"), at="create_engine(")]
    VALID += [Valid(_MISSING_TICKERS.format(caught="ConnectionError"))]

    # One engine per event loop, kept with its session factory in a dict keyed by the
    # loop: made once per loop, however many requests ask for it.
    VALID += [
        Valid(
            """
import asyncio

from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

app = FastAPI()
_engines = {}

def get_engine():
    key = id(asyncio.get_running_loop())
    if key not in _engines:
        engine = create_async_engine("postgresql+asyncpg://db/app")
        _engines[key] = (engine, async_sessionmaker(bind=engine))
    return _engines[key]

async def get_db():
    _, factory = get_engine()
    async with factory() as session:
        yield session

@app.get("/")
async def index(db=Depends(get_db)):
    return 1
"""
        )
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for life in analysis.engines:
            message = self._problem(analysis, life)
            if message is not None:
                yield Finding(life.call, message, life)

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        fix = module_level_engine_fix(source, span)
        # Sharing one engine across calls changes when it is created and disposed
        # (and what its event listeners see): never applied without --unsafe-fixes.
        return None if fix is None else replace(fix, applicability=Applicability.UNSAFE)

    def _problem(self, analysis: Analysis, life: Lifetime) -> str | None:
        contexts = analysis.contexts
        scope = life.scope
        created = code_of(life.call.func) + "()"
        if scope.is_module:
            if contexts.in_main_guard(life.call):
                return None
            if contexts.reruns_as_a_script():
                return (
                    f"`{created}` runs on every rerun of this Streamlit script (Streamlit "
                    f"runs it again from the top on each interaction); create the engine in "
                    f"a function decorated with `@st.cache_resource` and call that."
                )
            return self._loop_problem(analysis, life, created)
        function = scope
        while isinstance(function.node, cst.Lambda) and function.parent is not None:
            function = function.parent
        if contexts.runs_once(function) or self._kept_once(analysis, life):
            return None
        if under_a_flag_it_sets(analysis.model, life.call):
            return None  # `if not Engine._initialized:` ... `Engine._initialized = True`
        if contexts.at_startup(life.call):
            return None  # an ASGI app's lifespan branch: once, at start-up
        if _cached_on_the_instance(analysis, life):
            # `if self._engine is None: self._engine = create_engine(...)`: one engine
            # per instance, a problem only where instances are made per operation.
            per_instance = contexts.instance_repetition(function, life.attribute)
            if per_instance is None or function.class_info is None:
                return None
            return (
                f"`{created}` makes an engine for every `{function.class_info.name}`, which "
                f"`{function.name}` keeps on the instance, and {per_instance.made_by}; create "
                f"the engine once (at module level, or in a cached factory) and reuse it."
            )
        repetition = contexts.repetition(function, life.call)
        if repetition is not None and repetition.kind == "instance" and life.attribute:
            repetition = contexts.repetition_keeping(function, life.attribute)
        if (
            repetition is not None
            and repetition.kind == "calls"
            and _database_from_parameters(analysis, life)
        ):
            # `init_db_engine(admin_uri)`, then `init_db_engine(app_uri)`: each call
            # connects to the database it is given.
            repetition = None
        if (
            repetition is not None
            and repetition.result_dropped
            and analysis.tracker.handed_out_unused(life)
        ):
            # `create_db_engine(config)` as a statement in a loop over the configured
            # databases, to validate each: an engine nothing uses opens no connection.
            repetition = None
        if repetition is not None and repetition.kind == "event" and self._kept(analysis, life):
            # A "Connect" button: each press builds the engine for the settings typed
            # in and keeps it for what follows, replacing the last one.
            repetition = None
        if (
            repetition is not None
            and repetition.kind == "event"
            and Escape.RETURNED in life.escapes
            and _database_from_parameters(analysis, life)
        ):
            # `engine_for(url)` behind "Open file..." and "Connect": each event hands
            # the caller an engine for the database the user just chose, to keep.
            repetition = None
        if repetition is not None:
            if repetition.per_request:
                return (
                    f"`{created}` runs on every request because `{repetition.function}` "
                    f"{repetition.why}; create the engine once at module level and reuse it."
                )
            disposed = (
                bool(life.releases)
                and repetition.one_after_another
                and analysis.tracker.early_return(life) is None
            )
            if not disposed:
                return (
                    f"`{created}` runs {repetition.how} because `{repetition.function}` "
                    f"{repetition.why}; create the engine once (at module level, or in a "
                    f"cached factory) and reuse it."
                )
        loop = self._loop_problem(analysis, life, created)
        if loop is not None:
            return loop
        if life.escapes == {Escape.RETURNED} and not contexts.is_entry_point(function):
            # `return create_engine(url)` in a factory whose every caller uses what it
            # gets and leaves it behind: the same pool per call, made one call away.
            dropping = contexts.caller_dropping_the_result(function)
            if dropping is not None:
                dropper, repeated = dropping
                return (
                    f"`{created}` makes a new engine and pool on every call of "
                    f"`{function.name}`, and `{dropper}`, which {repeated.why}, uses it and "
                    f"drops it without `dispose()`; create the engine once (at module "
                    f"level, or in a cached factory) and reuse it."
                )
        if life.escapes or contexts.is_entry_point(function):
            return None
        if analysis.tracker.kept_by_dependents(life):
            if (
                is_test_file(analysis.resolver.path)
                and contexts.runs_per_test(function)
                and not _in_memory_sqlite(analysis, life.call)
            ):
                # `setUp` keeping a session bound to it: the suite keeps each test case,
                # and with it one more engine and pool per test.
                return (
                    f"`{created}` makes a new engine and pool for every test, as "
                    f"`{function.name}` runs before each, and what it keeps holds the "
                    f"engine without `dispose()`; create the engine once (in "
                    f"`setUpClass`, or a session-scoped fixture) and reuse it."
                )
            return None  # kept by the instance's connection or a global session factory
        if analysis.tracker.handed_out_through_dependents(
            life
        ) and not contexts.callers_release_the_result(function):
            # Lives with the session it makes and returns, as a returned engine would;
            # unless a caller closes that, leaving the engine and its pool behind.
            return None
        if contexts.run_once_per_process(function):
            return None  # an application's one-shot step: one engine per run
        if life.releases:
            if analysis.tracker.early_return(life) is None:
                return None
            return (
                f"`{created}` makes a new engine and pool on every call of `{function.name}`, "
                f"and a `return` before its `dispose()` drops it undisposed; create the "
                f"engine once and reuse it, or dispose it in a `finally` block."
            )
        if is_test_file(analysis.resolver.path):
            if not contexts.runs_per_test(function):
                # A test, a session-wide fixture or a helper they call: once per run of
                # the suite, unlike `setUp` or a per-test fixture, run for every test.
                return None
            if _in_memory_sqlite(analysis, life.call):
                # `create_engine("sqlite://")` in `setUp`: each test's own fresh, empty
                # database, which one shared engine could not give.
                return None
        elif not contexts.called_from_several_places(function, life.call):
            # Made, used and dropped by a function nothing shows running more than
            # once (a start-up check, an admin or test-setup helper): one engine.
            return None
        # Made, used and dropped: a new pool per call, left to the garbage collector.
        return (
            f"`{created}` makes a new engine and pool on every call of `{function.name}` and "
            f"drops it without `dispose()`; create the engine once and reuse it, or call "
            f"`dispose()` when done."
        )

    @staticmethod
    def _kept(analysis: Analysis, life: Lifetime) -> bool:
        """Kept beyond the call: on the instance or in a global, or by what is made
        from it there."""
        if life.escapes & {Escape.STORED, Escape.ON_INSTANCE}:
            return True
        return analysis.tracker.kept_by_dependents(life)

    @staticmethod
    def _kept_once(analysis: Analysis, life: Lifetime) -> bool:
        """Stored where later calls find it: a global or cache slot set under a test
        (`if _engine is None: _engine = create_engine(...)`), or a slot keyed per
        argument (`ENGINES[url] = ...`). A store on every call (`Base.metadata.bind =
        engine`) replaces the engine each time and keeps nothing for reuse."""
        if not life.escapes & _SINGLETON_ESCAPES:
            # `Session = sessionmaker(bind=engine)`, then `_SESSION_MAKER = Session` after
            # an early `return _SESSION_MAKER()`: the factory keeps the engine, once.
            return any(
                any(_set_under_a_test(analysis, store) for store in dependent.stores)
                for dependent in analysis.tracker.stored_dependents(life)
            )
        if any(_set_under_a_test(analysis, store) for store in life.stores or [life.call]):
            return True
        return not life.stores  # stored by other means (a container): kept

    def _loop_problem(self, analysis: Analysis, life: Lifetime, created: str) -> str | None:
        loop = analysis.contexts.enclosing_loop(life.call)
        if loop is None:
            return None
        # At module level a plain name is rebound on every iteration: the engine of the
        # previous one is dropped, not kept.
        rebound = life.scope.is_module and life.variable and isinstance(loop, (cst.For, cst.While))
        kept = life.escapes - ({Escape.STORED} if rebound else set())
        # `Session = sessionmaker(bind=engine)` in the same loop: rebound, and dropped,
        # with the engine on the next iteration.
        if (
            rebound
            and kept == {Escape.OWNED}
            and analysis.tracker.owned_only_by_rebound_names(life, loop)
        ):
            kept = set()
        if kept:
            return None
        loop_body_disposes = any(
            loop in set(analysis.model.ancestors(release)) for release in life.releases
        )
        if loop_body_disposes:
            return None
        if _retries_until_success(analysis, loop, life.call):
            return None  # a round comes again only when the last one failed
        url = life.call.args[0].value if life.call.args else None
        if (
            url is not None
            and analysis.contexts.varies_with_loop(url, loop)
            # A script's, or code that disposes of the engine it ends with (`finally:
            # engine.dispose()` after trying each database in turn).
            and (
                life.scope.is_module
                or analysis.contexts.is_entry_point(life.scope)
                or bool(life.releases)
            )
            # ... once: not inside a loop that comes round to the same servers again
            # (`while not stop.is_set(): for source in sources:`).
            and not _repeated_by_an_outer_loop(analysis, loop, life.scope, url)
        ):
            # A script that runs once and connects to a different database on each
            # iteration (`for ip in servers:`): no one engine could serve them all.
            return None
        return (
            f"`{created}` creates a new engine and pool on every loop iteration; create it "
            f"once before the loop, or call `dispose()` at the end of each iteration."
        )


def _set_under_a_test(analysis: Analysis, store: cst.CSTNode) -> bool:
    """A store that runs only when a test says so (`if _engine is None:`), or into a
    slot keyed per argument (`ENGINES[url] = ...`)."""
    for ancestor in analysis.model.ancestors(store):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.Module)):
            break
        if isinstance(ancestor, (cst.If, cst.IfExp, cst.Subscript, cst.Try)):
            return True
    statement = analysis.model.statement_of(store)
    if not isinstance(statement, cst.Assign):
        return False
    if any(isinstance(t.target, cst.Subscript) for t in statement.targets):
        return True
    return _after_a_guard_returning(analysis, statement)


def _after_a_guard_returning(analysis: Analysis, statement: cst.Assign) -> bool:
    """`if _engine is not None and _path == path: return _engine` earlier in the
    function body, then `_engine = create_engine(...)`: the store runs only when the
    kept one does not serve, as under `if _engine is None:`."""
    names = {t.target.value for t in statement.targets if isinstance(t.target, cst.Name)}
    function = next(
        (a for a in analysis.model.ancestors(statement) if isinstance(a, cst.FunctionDef)), None
    )
    if not names or function is None or not isinstance(function.body, cst.IndentedBlock):
        return False
    ancestors = set(analysis.model.ancestors(statement))
    for earlier in function.body.body:
        if earlier in ancestors:
            return False  # the line that stores it (or holds the store): guards come first
        if isinstance(earlier, cst.If) and any(
            _root_name(returned) in names for returned in _returned_values(earlier.body)
        ):
            return True
    return False


def _root_name(expr: cst.BaseExpression) -> str | None:
    """`_engine`, `_SESSION_MAKER()`, `_cache.engine`: the name the value comes from."""
    while isinstance(expr, (cst.Call, cst.Attribute)):
        expr = expr.func if isinstance(expr, cst.Call) else expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _returned_values(block: cst.BaseSuite) -> Iterator[cst.BaseExpression]:
    """What the `return` statements directly in `block` give."""
    if isinstance(block, cst.SimpleStatementSuite):  # `if cached: return cached`
        parts: list[cst.BaseSmallStatement] = list(block.body)
    else:
        parts = [
            part
            for line in block.body
            if isinstance(line, cst.SimpleStatementLine)
            for part in line.body
        ]
    for part in parts:
        if isinstance(part, cst.Return) and part.value is not None:
            yield part.value


def _cached_on_the_instance(analysis: Analysis, life: Lifetime) -> bool:
    """`if self._engine is None: self._engine = create_engine(...)` in a method: kept
    on the instance and made only when it has none yet."""
    attribute = life.attribute
    if life.escapes != {Escape.ON_INSTANCE} or attribute is None:
        return False
    for ancestor in analysis.model.ancestors(life.call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            return False
        if isinstance(ancestor, (cst.If, cst.IfExp)) and _reads_own_attribute(
            ancestor.test, attribute
        ):
            return True
    return False


def _reads_own_attribute(test: cst.BaseExpression, attribute: str) -> bool:
    """`self._engine is None`, `not self._engine`, `not hasattr(self, "_engine")`."""
    for node in (test, *nodes_of(test, cst.Attribute), *nodes_of(test, cst.SimpleString)):
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value == "self"
            and node.attr.value == attribute
        ):
            return True
        if isinstance(node, cst.SimpleString) and node.evaluated_value == attribute:
            return True
    return False


def _in_memory_sqlite(analysis: Analysis, call: cst.Call) -> bool:
    """`create_engine("sqlite://")`, `create_engine("sqlite:///:memory:")`, or a name
    bound only to such a URL (`dburl = "sqlite://"`): an engine whose database lives
    in its own connection's memory, empty when made."""
    url = call.args[0].value if call.args and call.args[0].keyword is None else None
    if url is None:
        return False
    texts = constant_values(url, analysis, scope_of(analysis, call))
    return bool(texts) and all(_names_memory(text) for text in texts or ())


def _names_memory(url: str) -> bool:
    scheme, _, rest = url.partition("://")
    return scheme.split("+")[0] == "sqlite" and rest in ("", "/", "/:memory:")


def _retries_until_success(analysis: Analysis, loop: cst.CSTNode, call: cst.Call) -> bool:
    """`for attempt in range(retries): try: engine = create_engine(url); ...; return
    True` `except ...: sleep(delay)`: the engine is made in the body of a `try` of the
    loop whose every normal end leaves the loop (a `return` or `break`), so a round
    comes again only after the last one raised: a retry, a bounded few times."""
    child: cst.CSTNode = call
    for ancestor in analysis.model.ancestors(call):
        if ancestor is loop:
            return False
        if isinstance(ancestor, cst.Try) and ancestor.handlers:
            parent = analysis.model.parent(ancestor)
            return (
                child is ancestor.body  # not in a handler or the `finally`
                and isinstance(parent, cst.IndentedBlock)
                and analysis.model.parent(parent) is loop
                and _leaves(ancestor.body)
            )
        child = ancestor
    return False


def _leaves(block: cst.BaseSuite) -> bool:
    """Whether every normal end of `block` leaves the loop around it: its last
    statement returns, breaks or raises, or is a `with` or an `if` (with an `else`) all
    of whose bodies do."""
    if not isinstance(block, cst.IndentedBlock) or not block.body:
        return False
    last = block.body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Break, cst.Raise)) for s in last.body)
    if isinstance(last, cst.With):
        return _leaves(last.body)
    if isinstance(last, cst.If):
        orelse = last.orelse
        if orelse is None:
            return False
        other = orelse.body if isinstance(orelse, cst.Else) else None
        return _leaves(last.body) and (_leaves(other) if other is not None else _leaves_if(orelse))
    return False


def _leaves_if(branch: cst.If | cst.Else) -> bool:
    if isinstance(branch, cst.Else):
        return _leaves(branch.body)
    return _leaves(branch.body) and branch.orelse is not None and _leaves_if(branch.orelse)


def _database_from_parameters(analysis: Analysis, life: Lifetime) -> bool:
    """Which database the engine connects to follows a parameter of the function that
    makes it: its URL is (or is built from) one, here or in the locals it is built from
    (`url = URL(..., database=database_name)`, `url, args = pg_config(dsn)`), or an
    `if` around it tests one (`if which_base == "mssql":` picks the URL of the base
    asked for)."""
    url = life.call.args[0].value if life.call.args else None
    if url is not None and _from_parameters(life.scope, url):
        return True
    if _under_a_pick(analysis, life.scope, life.call):
        return True
    # `if without_database: url = url.replace(name, "")`: the URL is made another
    # database's under a test of a parameter.
    return isinstance(url, cst.Name) and any(
        _under_a_pick(analysis, life.scope, assignment.node)
        for assignment in life.scope.assignments.get(url.value, ())
    )


def _under_a_pick(analysis: Analysis, scope: Scope, node: cst.CSTNode) -> bool:
    """Whether an `if` around `node` (in `scope`) picks by a parameter."""
    child: cst.CSTNode = node
    for ancestor in analysis.model.ancestors(node):
        if ancestor is scope.node:
            break
        if (
            isinstance(ancestor, cst.If)
            and child is not ancestor.test
            and _picks_by_a_parameter(scope, ancestor.test)
        ):
            return True
        child = ancestor
    return False


def _picks_by_a_parameter(scope: Scope, test: cst.BaseExpression) -> bool:
    """`which_base == "mssql"`, `kind in ("pg", "postgres")`: a test of a parameter
    against a literal value; or a flag's (`if no_database:`, a parameter whose default
    is `True` or `False`). (Not `engine is None`: a test of whether one was given.)"""
    flag = test.expression if isinstance(test, cst.UnaryOperation) else test
    if isinstance(flag, cst.Name) and flag.value in scope.params:
        default = scope.params[flag.value].default
        if isinstance(default, cst.Name) and default.value in ("True", "False"):
            return True
    for comparison in nodes_of(test, cst.Comparison):
        for target in comparison.comparisons:
            if (
                isinstance(target.operator, (cst.Equal, cst.NotEqual, cst.In, cst.NotIn))
                and _is_literal(target.comparator)
                and _from_parameters(scope, comparison.left)
            ):
                return True
    return False


def _is_literal(expression: cst.BaseExpression) -> bool:
    if isinstance(expression, (cst.Tuple, cst.List, cst.Set)):
        return all(_is_literal(e.value) for e in expression.elements)
    return isinstance(expression, (cst.SimpleString, cst.ConcatenatedString, cst.Integer))


def _from_parameters(scope: Scope, expression: cst.CSTNode) -> bool:
    """Whether `expression` reads a parameter of `scope`, or a local built from one."""
    params = set(scope.params)
    seen: set[str] = set()
    pending = [expression]
    while pending and len(seen) < 20:
        for name in nodes_of(pending.pop(), cst.Name):
            if name.value in params:
                return True
            if name.value in seen:
                continue
            seen.add(name.value)
            for assignment in scope.assignments.get(name.value, ()):
                # (`url, args = pg_config(url)`: the value unpacked)
                value = assignment.unpacked[0] if assignment.unpacked else assignment.value
                if value is not None:
                    pending.append(value)
    return False
