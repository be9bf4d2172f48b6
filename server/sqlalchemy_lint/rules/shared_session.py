from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path

import libcst as cst

from ..semantic import Analysis, Kind, Scope
from ..semantic.kinds import WEB_FRAMEWORK_MODULES
from ..semantic.model import ModuleModel, binding_scope, global_readers
from ..semantic.project import is_test_file
from ..semantic.repetition import BOT_MODULES, Repetition
from ..semantic.values import ModuleKey
from ._messages import code_of, default_name, noun
from ._sql_text import scope_of
from .base import Finding, Invalid, Rule, Valid

# Modules whose presence means the code runs many requests, messages or tasks in one
# process.
_SERVING_MODULES = (
    *WEB_FRAMEWORK_MODULES,
    "celery",
    "dramatiq",
    "rq",
    "faststream",  # a message broker's subscribers (RabbitMQ, Kafka, NATS, Redis)
    *BOT_MODULES,
    # Servers outside WEB_FRAMEWORK_MODULES: resolvers of a GraphQL schema run per
    # request; aiohttp's and Tornado's servers, not their HTTP clients.
    "graphene",
    "strawberry",
    "ariadne",
    "aiohttp.web",
    "tornado.web",
    "falcon",
    "bottle",
    "pyramid",
    # A gRPC server runs each call of its servicers on a thread of its pool.
    "grpc",
)
# Sequential, no threads: a loop's rounds, events, objects made one after another, a
# script's invocations, and a function its top level calls a few times.
_ONE_AT_A_TIME = ("loop", "event", "instance", "invocation", "calls")
# GUI toolkits: their event handlers run one after another on the window's thread.
_DESKTOP_MODULES = ("tkinter", "PyQt5", "PyQt6", "PySide2", "PySide6", "wx", "kivy")
_THREADING_MODULES = ("threading", "concurrent.futures", "multiprocessing")
# Threads the module starts: a `Thread` subclass, or a function handed to one of these.
_THREAD_CLASSES = frozenset({"threading.Thread", "threading.Timer"})
_THREAD_POOLS = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "multiprocessing.pool.ThreadPool",
        "multiprocessing.dummy.Pool",
    }
)
_POOL_METHODS = frozenset(
    {"submit", "map", "apply", "apply_async", "imap", "imap_unordered", "starmap"}
)
# How many imports away a serving module may be from the module whose global it uses.
_IMPORT_HOPS = 3
_SHARED_KINDS = frozenset(
    {Kind.SESSION, Kind.ASYNC_SESSION, Kind.CONNECTION, Kind.ASYNC_CONNECTION}
)
# ... and a `scoped_session` registry, whose sessions must be removed per request.
_MODULE_WIDE_KINDS = _SHARED_KINDS | {Kind.SCOPED_SESSION}


# A script that opens a session at its top level and closes it there.
_SCRIPT_SESSION = """
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

app = FastAPI()
SessionLocal = sessionmaker(bind=create_engine("sqlite://"))
client = TestClient(app)

# The script's own top level reads the first user, then closes the session.
db = SessionLocal()
user = db.execute(select(1)).first()
db.close()
print(client.get("/health").status_code, user)
"""


# A class that keeps a session per instance, and a module making one instance of it
# for everything it serves (`{framework}`: what it is).
_DATABASE_CLASS = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

class Database:
    def __init__(self, url):
        self.engine = create_engine(url)
        self.session = Session(bind=self.engine)

    def count(self):
        return self.session.execute(text("select count(*) from items")).scalar()
"""
_ONE_INSTANCE = "{framework}\n\nfrom main import Database\n\ndb = Database('sqlite://')\n"
# A session made on first use and kept in a module global (`{serving}`: what runs it).
_LAZY_SESSION = """
{serving}
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

Session = sessionmaker(bind=create_engine("sqlite://"))
_session = None

def get_session():
    global _session
    if _session is None:
        _session = Session()
    return _session

def count():
    return get_session().execute(text("select count(*) from items")).scalar()
"""


class SharedSession(Rule):
    """Session or connection created once at import time in code that serves requests.

    ## What it does
    Finds a `Session`, `AsyncSession` or `Connection` created at module level or
    as a class attribute (`session = SessionLocal()`, `conn = engine.connect()`)
    in a module that serves requests, messages or tasks: one that imports Flask,
    Quart, FastAPI, Starlette, Django, Sanic, Litestar, Celery, Dramatiq, RQ,
    FastStream or a bot
    framework (aiogram, discord.py, python-telegram-bot, pyTelegramBotAPI, Pyrogram,
    vkbottle, TwitchIO), a GraphQL schema library (Graphene, Strawberry, Ariadne), or another
    server (aiohttp's `web`, Tornado's `web`, Falcon, Bottle, Pyramid, gRPC, whose
    server runs each call on a thread of its pool), or is imported
    by a module that does (also through a package's `from .db import *`; such an
    importer outweighs a loop of the module's own functions), directly or up to three
    imports away (a gRPC server imports its servicers, which import the services that
    use the session; a module whose functions use the session counts as used by
    whoever imports the module; a test's imports are not followed further),
    defines request handlers, runs
    threads (it defines a `threading.Thread` subclass, or hands a function to
    `Thread(target=...)` or to a `ThreadPoolExecutor`'s `submit()` / `map()`), or
    whose functions are called again and again from elsewhere in the project (a bot's
    or a server's handlers). A session or connection a function makes on first use
    and keeps in a module global (`global _session`, assigned under `if _session is
    None:`) is the same one module-wide object, made late: it is reported where
    requests run at once. So is one a class makes in `__init__` and keeps on `self`
    when a module that serves requests makes one instance of the class at its top
    level (`db = Database(url)` in a Flask app's module): every request uses that
    instance's session. Engines, `sessionmaker()` factories and `scoped_session` /
    `async_scoped_session` registries are meant to be module-level and are not
    reported; neither is code under `if __name__ == "__main__":`, a `with`
    block at module level, or a connection or session that only the module's own
    top-level statements use (a migration script: no function reads it, and no
    other module imports it). When the module's functions are only called one
    after another by a loop (a bot's polling loop), nothing runs at once, and the
    message says what goes wrong there instead: one failed statement or a dropped
    connection breaks every later call. The same goes for a desktop app's event
    handlers (a Tk widget's `command=`, a Qt signal's `connect()`), which run one
    after another on the window's thread. There, a session that every function
    reading it closes (or rolls back) in a `finally` around its uses, or in a handler
    of every exception (`except: session.rollback(); raise`), and that no
    other module imports, is not reported: a failed call leaves nothing behind.
    Nor is a session or connection of a console program's menu loop (one that asks
    the user with `input()` on each round), or of a loop in a function a script runs
    once (from its `__main__` guard, in an application that installs nothing), that
    nothing on the way catches exceptions in (no `try` with handlers around the uses,
    nor around the calls that lead to them): a failed statement ends the program, and no call comes
    after. A service's loop (a bot polling for messages) is reported either way.

    A module's `scoped_session` registry in code that serves requests at once is
    reported when nothing in the project ever ends its sessions (no `remove()` or
    `close()` on it or on a session taken from it, outside a function that nothing runs:
    undecorated and named nowhere else, as a teardown hook never registered; no
    `close_all_sessions()`, no zope.sqlalchemy transaction that closes them (a
    `ZopeTransactionExtension`, or `register()` of the registry), and no other module
    that mentions it also mentions `remove`, `close` or a teardown hook; a package's
    `__init__.py` that imports it by name hands it to the modules that import it from
    the package): each worker thread's session then outlives the request that used it,
    with its transaction, into the next one.

    ## Why is this bad?
    A `Session` or `Connection` is not safe to use from several threads or tasks
    at once, and a web server runs requests concurrently. A module-level session
    is shared by every request: one request's failed flush or rollback breaks
    the others, objects and transactions leak from one user's request into the
    next, and the connection it holds is never returned to the pool. An async
    session shared across tasks fails with errors such as `This session is
    provisioning a new connection; concurrent operations are not permitted`.

    ## Example
    ```python
    app = FastAPI()
    session = SessionLocal()

    @app.get("/users/{user_id}")
    def get_user(user_id: int):
        return session.get(User, user_id)
    ```

    ## Use instead
    ```python
    app = FastAPI()

    def get_session():
        with SessionLocal() as session:
            yield session

    @app.get("/users/{user_id}")
    def get_user(user_id: int, session: Session = Depends(get_session)):
        return session.get(User, user_id)
    ```

    Or keep a `scoped_session(SessionLocal)` registry at module level and call
    `remove()` when each request ends.

    ## Fix safety
    No fix is offered: where a request begins and ends depends on the framework.

    ## References
    - [Session basics: is the Session thread-safe?](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#is-the-session-thread-safe-is-asyncsession-safe-to-share-in-concurrent-tasks)
    - [Contextual/Thread-local Sessions](https://docs.sqlalchemy.org/en/20/orm/contextual.html)
    """

    code = "SQA105"
    name = "shared-session"

    VALID = [
        # A Falcon middleware's method removes the registry's session after each
        # request; Falcon calls it by its name.
        Valid(
            """
import falcon
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql://notes@db/notes")
session = scoped_session(sessionmaker(bind=engine))

class SQLAlchemySessionManager:
    def process_resource(self, req, resp, resource, params):
        resource.session = session()

    def process_response(self, req, resp, resource, req_succeeded):
        session.remove()

app = falcon.App(middleware=[SQLAlchemySessionManager()])
"""
        ),
        # A connection made at import time inside an expression is kept by nothing:
        # no call reuses it (leaving it open is SQA101's to say).
        Valid(
            """
from dash import Dash, Input, Output
import pandas as pd
from sqlalchemy import create_engine, text

app = Dash(__name__)
engine = create_engine("sqlite://")
frame = pd.read_sql_query(text("SELECT 1 AS x"), con=engine.connect())

def refresh():
    with engine.connect() as conn:
        return pd.read_sql_query(text("SELECT 1 AS x"), con=conn)

@app.callback(Output("chart", "figure"), Input("button", "n_clicks"))
def update(clicks):
    return {"data": [{"y": refresh()["x"]}]}
"""
        ),
        # The loop repeats `reset()`, which never touches the session; the gateway that
        # does runs once per game.
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

session = sessionmaker(bind=create_engine("sqlite:///scores.db"))()

def reset(state):
    state.clear()

def save(score):
    session.add(score)
    session.commit()

def main(state, score):
    while True:
        reset(state)
        if state:
            break
    save(score)
"""
        ),
        # A session nothing reads (no statement, no function, no other module) takes
        # no connection and is shared with no one.
        Valid(
            """
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

app = Flask(__name__)
session = Session(create_engine("sqlite://"))  # left over from an experiment
"""
        ),
        Valid(
            """
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

app = Flask(__name__)
engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
db_session = scoped_session(SessionLocal)

@app.route("/")
def index():
    with SessionLocal() as session:
        return str(session.get_bind())

with engine.connect() as conn:
    conn.exec_driver_sql("SELECT 1")

if __name__ == "__main__":
    session = Session(engine)
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")
session = Session(engine)  # a one-off script: nothing serves requests here
"""
        ),
        Valid(
            """
import threading
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")
session = Session(engine)
lock = threading.Lock()  # a lock alone starts no thread
"""
        ),
        Valid(
            """
import sys

from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)  # a migration script that borrows the app's settings
app.config["SQLALCHEMY_DATABASE_URI"] = sys.argv[1]

def check_support(conn):
    assert conn.dialect.name in ("sqlite", "postgresql")

engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
conn = engine.connect()  # only the script's own statements use it
check_support(conn)
conn.execute(text("UPDATE users SET active = 1"))
conn.close()
"""
        ),
        # A package's module of the same name, whose function (named like both) its
        # app imports: that app imports nothing from this script.
        Valid(
            _SCRIPT_SESSION,
            files={
                "app/__init__.py": "",
                "app/main.py": "def main():\n    db = None\n    return db\n",
                "app/server.py": "from .main import main\n\ndb = main()\n",
            },
        ),
        Valid(
            _SCRIPT_SESSION,
            files={
                # mentions of the module's name and of `db` that import nothing from it
                "other.py": "# run main first\ndef main():\n    db = None\n    return db\n"
            },
        ),
    ]
    # A session made as a parameter's default, when the `def` runs: one for every
    # call that passes none (the views), kept for the process.
    _DEFAULT_SESSION = """
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

app = Flask(__name__)
SESSION = sessionmaker(bind=create_engine("sqlite:///sensors.db"))

def get_pi_names(session=SESSION()):
    return [row.name for row in session.execute(text("SELECT name FROM pis"))]

@app.route("/pis")
def pis():
    return {{"names": get_pi_names({passed})}}
"""
    VALID += [Valid(_DEFAULT_SESSION.format(passed="session=SESSION()"))]
    VALID += [
        # The same class where a command-line tool makes its one instance.
        Valid(
            _DATABASE_CLASS, files={"tool.py": _ONE_INSTANCE.format(framework="import argparse")}
        ),
        # The same getter in a command-line tool: one run, one session.
        Valid(_LAZY_SESSION.format(serving="import argparse\n")),
        # A desktop app's handlers run one after another, and each closes the shared
        # session in a `finally`: a failed call leaves no transaction for the next.
        Valid(
            """
from tkinter import Tk, ttk
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

session = sessionmaker(bind=create_engine("sqlite:///app.db"))()

class Window:
    def __init__(self, root):
        ttk.Button(root, text="Count", command=self.count)

    def count(self):
        try:
            with session.begin():
                return session.execute(text("select count(*) from items")).scalar()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

Window(Tk())
"""
        ),
    ]
    VALID += [
        # A registry whose sessions the views take and close in a `finally`, in
        # another module: each request ends its own.
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql://messaging@db/messaging")
LocalSession = scoped_session(sessionmaker(bind=engine))
""",
            files={
                "views.py": (
                    "from flask import Flask\n"
                    "from main import LocalSession\n\n"
                    "app = Flask(__name__)\n\n"
                    "@app.post('/messages')\n"
                    "def ingest():\n"
                    "    session = LocalSession()\n"
                    "    try:\n"
                    "        session.commit()\n"
                    "    finally:\n"
                    "        session.close()\n"
                )
            },
        ),
        # The same registry, removed when each request's app context ends.
        Valid(
            """
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

app = Flask(__name__)
engine = create_engine("postgresql://flights@db/flights", pool_size=10)
db = scoped_session(sessionmaker(bind=engine))

@app.teardown_appcontext
def shutdown_session(exception=None):
    db.remove()

@app.route("/")
def index():
    return str(db.execute(text("SELECT * FROM flights")).fetchall())
"""
        ),
    ]
    VALID += [
        # A console menu loop calls the module's functions one after another, and
        # nothing on the way catches what they raise: a failed statement ends the
        # program, so no call comes after it.
        Valid(
            """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

session = sessionmaker(bind=create_engine("sqlite:///crm.db"))()

def list_leads(name):
    return session.execute(text("select * from leads where owner = :n"), {"n": name}).all()

def main():
    while True:
        choice = input("> ")
        if choice == "q":
            break
        print(list_leads(input("name: ")))

main()
"""
        ),
    ]
    INVALID = [
        Invalid(_DEFAULT_SESSION.format(passed=""), at="SESSION()):"),
        # A Flask app's `scoped_session` registry whose sessions nothing removes: each
        # worker thread's session keeps the transaction a view began.
        Invalid(
            """
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

app = Flask(__name__)
engine = create_engine("postgresql://flights@db/flights", pool_size=10)
db = scoped_session(sessionmaker(bind=engine))

@app.route("/")
def index():
    return str(db.execute(text("SELECT * FROM flights")).fetchall())
""",
            at="scoped_session(",
        ),
        # The function that would remove them is never registered as a teardown hook,
        # nor called: it removes nothing.
        Invalid(
            """
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

app = Flask(__name__)
engine = create_engine("sqlite:///photos.db")
db_session = scoped_session(sessionmaker(bind=engine))

def shutdown_session(exception=None):
    db_session.remove()

@app.route("/photos")
def photos():
    return str(db_session.execute(text("SELECT * FROM photos")).fetchall())
""",
            at="scoped_session(",
        ),
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite:///flask.db")
Session = sessionmaker(bind=engine)
session = Session()
""",
            at="Session()",
            files={
                "app.py": (
                    "from flask import Flask\nfrom main import session\n\n"
                    "app = Flask(__name__)\n\n"
                    "@app.get('/users/<int:user_id>')\n"
                    "def user(user_id):\n"
                    "    return str(session.get(dict, user_id))\n"
                )
            },
        ),
        # A desktop app handles its events one after another on the window's thread:
        # the message says what goes wrong there (a failed statement breaks the rest).
        Invalid(
            """
from tkinter import Tk, ttk
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

session = sessionmaker(bind=create_engine("sqlite:///app.db"))()

class Window:
    def __init__(self, root):
        ttk.Button(root, text="Count", command=self.count)

    def count(self):
        return session.execute(text("select count(*) from items")).scalar()

Window(Tk())
""",
            at="sessionmaker(",
        ),
        # One instance for the whole app, made by the app's module at import time.
        Invalid(
            _DATABASE_CLASS,
            at="Session(bind=self.engine)",
            files={"web.py": _ONE_INSTANCE.format(framework="from flask import Flask")},
        ),
        # Made on first use, kept in a global for every later request.
        Invalid(
            _LAZY_SESSION.format(serving="from flask import Flask\n\napp = Flask(__name__)\n"),
            at="Session()",
        ),
        Invalid(
            # Only Tornado's handlers read it, through `import ... as`; they name their
            # framework by its submodule (`import tornado.web`).
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

archive_dbs = sessionmaker(bind=create_engine("sqlite:///archives.db"))
archive_db = archive_dbs()
""",
            at="archive_dbs()",
            files={
                "handlers.py": (
                    "import tornado.web\n\nimport main as archive\n\n\n"
                    "class Search(tornado.web.RequestHandler):\n"
                    "    def get(self):\n"
                    "        self.write(str(archive.archive_db.get(dict, 1)))\n"
                )
            },
        ),
        Invalid(
            _SCRIPT_SESSION,
            at="SessionLocal()",
            files={
                # another module imports the session: its functions share it
                "other.py": "from main import db\n\ndef users():\n    return db.get(1)\n"
            },
        ),
        Invalid(
            """
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

app = FastAPI()
engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
session = SessionLocal()

@app.get("/users")
def users():
    return session.execute("SELECT 1").all()
""",
            at="SessionLocal()",
        ),
        Invalid(
            """
from flask import Blueprint
from sqlalchemy import Engine

from .database import engine

bp = Blueprint("reports", __name__)

class ReportRepository:
    conn = engine.connect()
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
import threading
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

SessionFactory = sessionmaker(bind=create_engine("sqlite://"))

class OutboxPoller(threading.Thread):
    session = SessionFactory()

    def run(self):
        self.session.execute(OUTBOX_QUERY)
""",
            at="SessionFactory()",
        ),
        Invalid(
            """
from concurrent.futures import ThreadPoolExecutor
from sqlalchemy import create_engine

engine = create_engine("sqlite://")
conn = engine.connect()

def refresh(view):
    conn.exec_driver_sql("SELECT refresh_view(%s)", (view,))

def refresh_all(views):
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(refresh, views))
""",
            at="engine.connect()",
        ),
    ]

    # A package's registry its `__init__.py` re-exports by name to a Flask app's views,
    # which never remove its sessions.
    INVALID += [
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("sqlite:///forum.db")
session = scoped_session(sessionmaker(engine))
""",
            at="scoped_session(",
            files={
                "__init__.py": "",
                "database/__init__.py": "from main import engine, session\n",
                "views.py": (
                    "from flask import Flask\n\nfrom database import session\n\n"
                    "app = Flask(__name__)\n\n@app.route('/')\ndef index():\n"
                    "    return str(session.execute('select 1').scalar())\n"
                ),
            },
        )
    ]
    # ... not when zope.sqlalchemy closes each session at the end of its transaction
    # (Pyramid's `pyramid_tm` ends one per request).
    VALID += [
        Valid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker
from zope.sqlalchemy import register

engine = create_engine("sqlite:///forum.db")
session = scoped_session(sessionmaker(engine))
register(session)
""",
            files=INVALID[-1].files,
        )
    ]
    # A batch script whose top level calls a helper twice and takes its thread's
    # session from the package's `scoped_session` registry once, at its end: nothing
    # runs at once.
    VALID += [
        Valid(
            """
import zuds

def load(path):
    with open(path) as f:
        return f.read()

first = load("a.csv")
second = load("b.csv")
job = zuds.DBSession().query(zuds.Job).first()
job.status = "ready"
zuds.DBSession().commit()
""",
            files={
                "zuds/__init__.py": "from .core import DBSession, Job\n",
                "zuds/core.py": (
                    "from sqlalchemy.orm import scoped_session, sessionmaker\n\n"
                    "DBSession = scoped_session(sessionmaker())\n\nclass Job:\n    pass\n"
                ),
            },
        )
    ]

    # A gRPC server runs each call of its servicers on a thread of its pool.
    _GRPC_SERVICE = """
from concurrent import futures

import grpc
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine("sqlite:///locations.db")
{session}

class LocationServicer:
    def Create(self, request, context):
{body}
        return request

def serve():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_insecure_port("[::]:5005")
    server.start()
    server.wait_for_termination()
"""
    _INSERT_LOCATION = (
        'session.execute(text("INSERT INTO location (person) VALUES (:p)"), {{"p": request.p}})\n'
        "session.commit()"
    )
    INVALID += [
        Invalid(
            _GRPC_SERVICE.format(
                session="session = Session(engine)",
                body=textwrap.indent(_INSERT_LOCATION, " " * 8),
            ),
            at="Session(engine)",
        )
    ]
    VALID += [
        Valid(
            _GRPC_SERVICE.format(
                session="",
                body="        with Session(engine) as session:\n"
                + textwrap.indent(_INSERT_LOCATION, " " * 12),
            )
        )
    ]

    # The server may be imports away from the session: the server imports its
    # servicers, which import the services, which import the session (or the module
    # whose functions use it).
    _SESSION_MODULE = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine("sqlite:///locations.db")
session = Session(engine)

def locations():
    return session.execute(text("SELECT * FROM location")).all()
"""
    _SERVED_THROUGH = {
        "services.py": (
            "from main import session\n\nclass LocationService:\n"
            "    def count(self):\n        return len(session.execute(QUERY).all())\n"
        ),
        "servicer.py": (
            "from services import LocationService\n\nclass LocationServicer:\n"
            "    def Count(self, request, context):\n        return LocationService().count()\n"
        ),
        "server.py": (
            "from concurrent import futures\n\nimport grpc\n\n"
            "from servicer import LocationServicer\n\n"
            "server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))\n"
        ),
    }
    _VIEWS_THROUGH = {
        "calls.py": "import main\n\ndef generate_plan():\n    return main.locations()\n",
        "views.py": (
            "from django.http import JsonResponse\nfrom rest_framework.views import APIView\n\n"
            "import calls\n\n"
            "class StoredProcedureAPI(APIView):\n"
            "    def get_model_obj(self, param):\n        return calls.generate_plan()\n"
        ),
    }
    INVALID += [
        Invalid(_SESSION_MODULE, at="Session(engine)", files=_SERVED_THROUGH),
        Invalid(_SESSION_MODULE, at="Session(engine)", files=_VIEWS_THROUGH),
    ]
    VALID += [
        # The same chain ending in a command-line tool: one call at a time.
        Valid(
            _SESSION_MODULE,
            files={
                **_SERVED_THROUGH,
                "server.py": "import argparse\n\nfrom servicer import LocationServicer\n",
            },
        ),
        # A test imports the views: what the test's imports import is not followed.
        Valid(
            _SESSION_MODULE,
            files={
                "calls.py": _VIEWS_THROUGH["calls.py"],
                "tests/test_calls.py": (
                    "import calls\n\ndef test_plan():\n    calls.generate_plan()\n"
                ),
                "tests/test_views.py": (
                    "from django.test import Client\n\nimport tests.test_calls\n"
                ),
            },
        ),
    ]

    # A module's session that the one helper using it rolls back whenever anything
    # fails there (`except: session.rollback(); raise`): a failed call leaves no failed
    # transaction for the next one. Rolled back only for some errors, it may.
    _SESSION_SCOPE = """
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine("sqlite:///digest.db")
session = Session(engine)

@contextmanager
def session_scope():
    try:
        yield session
        session.commit()
    except {caught}:
        session.rollback()
        raise

def expire(urls):
    for url in urls:
        try:
            with session_scope() as s:
                s.execute(text("DELETE FROM images WHERE url = :u"), {{"u": url}})
        except Exception:
            print("failed", url)
"""
    VALID += [Valid(_SESSION_SCOPE.format(caught="Exception"))]
    INVALID += [Invalid(_SESSION_SCOPE.format(caught="ValueError"), at="Session(engine)")]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        model = analysis.model
        calls = [
            call
            for call in model.calls
            if model.enclosing_scope.get(call) is model.module_scope
            and not isinstance(model.parent(call), cst.WithItem)
        ]
        resolver = analysis.resolver
        module_wide = [
            (call, kind)
            for call in calls
            if (kind := resolver.call_kind(call, model.module_scope)) in _MODULE_WIDE_KINDS
            and not analysis.contexts.in_main_guard(call)
            and not analysis.contexts.only_the_script_uses(call)
            and not analysis.contexts.never_used(call)
        ]
        lazily_kept = [
            (call, kind, name)
            for call in model.calls
            if (name := analysis.contexts.lazily_kept_global(call)) is not None
            and (kind := resolver.call_kind(call, model.enclosing_scope[call])) in _SHARED_KINDS
        ]
        on_instances = [
            (call, kind, served)
            for call in model.calls
            if _in_init_on_self(model, call)
            and (kind := resolver.call_kind(call, model.enclosing_scope[call])) in _SHARED_KINDS
            and (served := _kept_by_a_served_instance(analysis, call)) is not None
        ]
        for call, kind, (cls, module) in on_instances:
            yield Finding(
                call,
                f"{noun(kind)} `{code_of(call)}` is created once per `{cls}`, and `{module}` "
                f"makes one `{cls}` at import time for every request or task: "
                + _shared_by_requests(call, kind),
            )
        defaults = [
            (call, kind, taken)
            for call in model.calls
            if isinstance(model.parent(call), cst.Param)
            and (kind := resolver.call_kind(call, model.module_scope)) in _SHARED_KINDS
            # (asked last: it looks for the function's callers across the project)
            and (taken := analysis.contexts.default_taken(call)) is not None
        ]
        if not module_wide and not lazily_kept and not defaults:
            return
        serving = _serves_requests(analysis)
        # Kept for every call after the first (a default made when the `def` runs,
        # given to every call that passes none; a global filled on first use): a
        # module global by another name. Only where requests run at once (a loop's
        # sequential calls share it as a module-level one does, left to that case).
        kept_for_every_call = [
            (
                call,
                function,
                f"{noun(kind)} `{code_of(call)}` is created once, when `def {function}` runs "
                f"at import time, as the default of `{param}`, and shared by every call "
                f"that passes none, across requests or tasks: those that run at once share "
                f"its transaction, and one failed statement breaks every one after it; "
                f"default `{param}` to `None` and open one per call (`with "
                f"{code_of(call)} as {param}:`) when none is passed.",
            )
            for call, kind, (function, param) in defaults
        ] + [
            (
                call,
                name,
                f"{noun(kind)} `{code_of(call)}` is created on first use and kept in the "
                f"module global `{name}` for every request or task after it: "
                + _shared_by_requests(call, kind),
            )
            for call, kind, name in lazily_kept
        ]
        for call, imported_as, message in kept_for_every_call:
            if serving is True or _imported_by_a_server(analysis, imported_as):
                yield Finding(call, message)
        for call, kind in module_wide:
            assert kind is not None
            if kind is Kind.SCOPED_SESSION:
                yield from _registry_never_removed(analysis, call, serving)
                continue
            # A database module's session that a web app's module imports for its views
            # (stronger than a loop of this module's own functions one after another).
            serves = serving
            if serves is not True and _imported_by_a_server(analysis, call):
                serves = True
            if serves is None:
                continue
            where = "as a class attribute" if _in_class_body(analysis, call) else "at import time"
            if isinstance(serves, Repetition):
                # One loop calls the module's functions one after another: nothing runs
                # at once, but every call shares the one connection's fate. The function
                # named is one that reads it (and none: nothing repeats with it).
                readers = analysis.contexts.global_readers(call)
                if readers is None:
                    # Not kept in a global (`pd.read_sql(sql, engine.connect())` at
                    # module level): nothing reuses it; leaving it open is SQA101's.
                    continue
                repeated = [analysis.contexts.repetition(scope) for scope in readers]
                serves = next((r for r in repeated if r is not None), None)
                if serves is None:
                    continue
                if kind.is_session and analysis.contexts.reset_after_every_use(call):
                    # Each call closes (or rolls back) it in a `finally`, or whenever
                    # it fails: a failure leaves nothing behind for the next call.
                    continue
                if not any(
                    r.survives_failure for r in repeated if r is not None
                ) and not analysis.contexts.caught_in_readers(call):
                    # What fails ends the loop (no `try` on the way): no call comes after.
                    continue
                message = (
                    f"{noun(kind)} `{code_of(call)}` is created once {where} and reused by "
                    f"every call of `{serves.function}`, which {serves.why}: one failed "
                    f"statement or a dropped connection breaks every call after it; open "
                    f"one per call with `with {code_of(call)} as {default_name(kind)}:`."
                )
            else:
                message = (
                    f"{noun(kind)} `{code_of(call)}` is created once {where} and shared by "
                    f"every request or task: " + _shared_by_requests(call, kind)
                )
            yield Finding(call, message)


def _shared_by_requests(call: cst.Call, kind: Kind) -> str:
    """What sharing the session or connection `call` makes across requests that run
    at once breaks, and what to open per request instead."""
    instead = f"`with {code_of(call)} as {default_name(kind)}:`"
    if kind.is_session:
        instead += " or a `scoped_session` registry"
    return (
        f"those that run at once share its transaction (it is not thread-safe), and one "
        f"failed statement breaks every one after it; open one per request with {instead}."
    )


def _registry_never_removed(
    analysis: Analysis, call: cst.Call, serving: bool | Repetition | None
) -> Iterator[Finding]:
    """A module's `scoped_session` registry in code that serves requests at once,
    whose sessions nothing ever removes: each thread's session lives on from one
    request to the next."""
    if serving is not True and not _imported_by_a_server(analysis, call):
        return
    if analysis.model.imports_module("streamlit"):
        return  # a Streamlit script makes a new registry on each of its reruns
    if is_test_file(analysis.resolver.path):
        return  # the tests' factories: a test run, not a server's threads
    if _in_class_body(analysis, call) or analysis.contexts.registry_removed(call):
        return
    yield Finding(
        call,
        f"Registry `{code_of(call)}` is created once at import time and its sessions "
        f"are never removed: each thread's session outlives the request that used it, "
        f"keeping its transaction (and, after a read, its connection) into the next "
        f"request; call `remove()` on it when each request ends (Flask's "
        f"`@app.teardown_appcontext`).",
    )


def _imported_by_a_server(analysis: Analysis, bound: cst.Call | str) -> bool:
    """True when a module of the project that serves requests (it imports a web or bot
    framework, and no GUI toolkit) imports the global `bound` names (or the global the
    call `bound` is bound to), or the module when its functions use the global, or
    imports a module that does, up to three imports away (a gRPC server importing its
    servicers, which import the services that use the session module's session)."""
    view = analysis.resolver.view
    contexts = analysis.contexts
    importers = (
        contexts.importers_of(bound) if isinstance(bound, str) else contexts.importers(bound)
    )
    readers = (
        global_readers(analysis.model, bound)
        if isinstance(bound, str)
        else contexts.global_readers(bound)
    )
    key = analysis.resolver.key
    if readers and isinstance(key, Path) and analysis.resolver.path is not None:
        # The module's own functions use it: whoever imports the module calls them.
        importers = [*importers, *contexts.modules_importing(key)]
    seen: set[ModuleKey] = set()
    for _ in range(_IMPORT_HOPS):
        further: list[ModuleKey] = []
        for module in importers:
            if module in seen:
                continue
            seen.add(module)
            summary = view.summary_of(module)
            if summary is None:
                continue
            imported = [q.lstrip(".") for q in summary.imported_modules()]
            if _imports_any(imported, _SERVING_MODULES) and not _imports_any(
                imported, _DESKTOP_MODULES
            ):
                return True
            if isinstance(module, Path) and not is_test_file(module):
                # (a test imports the module for a test run, not for a server's requests)
                further.extend(contexts.modules_importing(module))
        importers = further
    return False


def _in_init_on_self(model: ModuleModel, call: cst.Call) -> bool:
    """`self.<attribute> = call` in a class's `__init__`."""
    scope = model.enclosing_scope.get(call)
    statement = model.statement_of(call)
    return (
        scope is not None
        and scope.class_info is not None
        and isinstance(scope.node, cst.FunctionDef)
        and scope.node.name.value == "__init__"
        and isinstance(statement, cst.Assign)
        and statement.value is call
        and len(statement.targets) == 1
        and _on_self(statement.targets[0].target)
    )


def _kept_by_a_served_instance(analysis: Analysis, call: cst.Call) -> tuple[str, str] | None:
    """For `self.<attribute> = call` in a class's `__init__`: the class, and the name of
    a module that serves requests and makes one instance of the class at its top level
    (`db = SampleDB(url)` in a Flask app's module)."""
    class_info = analysis.model.enclosing_scope[call].class_info
    assert class_info is not None
    cls = class_info.name
    view = analysis.resolver.view
    for module in analysis.contexts.module_level_instances(cls):
        summary = view.summary_of(module)
        if summary is None or (isinstance(module, Path) and is_test_file(module)):
            continue  # a test's instance: a test run, not a server's requests
        imported = [q.lstrip(".") for q in summary.imported_modules()]
        if _imports_any(imported, _SERVING_MODULES) and not _imports_any(
            imported, _DESKTOP_MODULES
        ):
            return cls, getattr(module, "name", str(module))
    return None


def _on_self(target: cst.BaseAssignTargetExpression) -> bool:
    """`self.<attribute>`."""
    return (
        isinstance(target, cst.Attribute)
        and isinstance(target.value, cst.Name)
        and target.value.value == "self"
    )


def _imports_any(imported: list[str], modules: tuple[str, ...]) -> bool:
    return any(q == m or q.startswith(m + ".") for q in imported for m in modules)


def _serves_requests(analysis: Analysis) -> bool | Repetition | None:
    """True when the module serves requests, messages or tasks, which run at once;
    the repetition when its functions are only called again and again one after
    another (by a loop); None when neither."""
    model = analysis.model
    if any(model.imports_module(module) for module in _SERVING_MODULES):
        return True
    if _runs_threads(analysis):
        return True
    functions = list(_functions(model.module_scope))
    if any(analysis.contexts.request_context(scope) for scope in functions):
        return True
    # A helper module whose functions handlers elsewhere in the project call again and
    # again (`select_data()` called per message by a bot's loop in another module).
    # A loop, or a desktop app's event handlers, run one after another on one thread.
    repetitions = [r for r in map(analysis.contexts.repetition, functions) if r is not None]
    # A desktop app that starts no thread runs whatever repeats on its window's thread.
    desktop = any(model.imports_module(module) for module in _DESKTOP_MODULES)
    if not desktop and any(r.kind not in _ONE_AT_A_TIME for r in repetitions):
        return True
    return repetitions[0] if repetitions else None


def _runs_threads(analysis: Analysis) -> bool:
    """The module defines a `threading.Thread` subclass, or hands a function to
    `Thread(target=...)` or to a thread pool's `submit()` / `map()`."""
    model = analysis.model
    if not any(model.imports_module(module) for module in _THREADING_MODULES):
        return False
    resolver = analysis.resolver
    for info in model.classes.values():
        if any(resolver.qualify(base.value) in _THREAD_CLASSES for base in info.node.bases):
            return True
    for call in model.calls:
        qualified = resolver.qualify(call.func)
        if qualified in _THREAD_CLASSES and any(
            arg.keyword is not None and arg.keyword.value in ("target", "function")
            for arg in call.args
        ):
            return True
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in _POOL_METHODS
            and call.args
            and _is_thread_pool(func.value, analysis)
        ):
            return True
    return False


def _is_thread_pool(expr: cst.BaseExpression, analysis: Analysis) -> bool:
    """`ThreadPoolExecutor(...)`, or a name bound to one (`with ThreadPoolExecutor() as pool`)."""
    if isinstance(expr, cst.Call):
        return analysis.resolver.qualify(expr.func) in _THREAD_POOLS
    if not isinstance(expr, cst.Name):
        return False
    bound = binding_scope(expr.value, scope_of(analysis, expr))
    if bound is None:
        return False
    return any(
        isinstance(a.value, cst.Call) and analysis.resolver.qualify(a.value.func) in _THREAD_POOLS
        for a in bound.assignments.get(expr.value, ())
    )


def _functions(scope: Scope) -> Iterator[Scope]:
    for child in scope.children:
        if isinstance(child.node, cst.FunctionDef):
            yield child
        yield from _functions(child)


def _in_class_body(analysis: Analysis, call: cst.Call) -> bool:
    return any(isinstance(a, cst.ClassDef) for a in analysis.model.ancestors(call))
