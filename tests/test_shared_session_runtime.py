"""SQA105 on a desktop app's shared session, against a real SQLite database. Its
handlers run one after another, so what the rule warns of there is that one failed
statement breaks every later call: true of a handler that leaves the failure behind
(the next call raises `PendingRollbackError`), false of one that closes the session
in a `finally` (the next call starts afresh), which the rule does not report."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, PendingRollbackError

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.shared_session import SharedSession

APP = """
from tkinter import ttk
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker


class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "tickets"
    id = Column(Integer, primary_key=True)
    code = Column(String, unique=True)


engine = create_engine(URL)
Base.metadata.create_all(engine)
session = sessionmaker(bind=engine)()


class Window:
    def __init__(self, root):
        ttk.Button(root, text="Register", command=self.register)

    def register(self, code):
"""

LEAVES_IT = """\
        session.add(Ticket(code=code))
        session.commit()
"""

CLOSES_IT = """\
        try:
            session.add(Ticket(code=code))
            session.commit()
        finally:
            session.close()
"""


@pytest.mark.parametrize(("body", "reported"), [(LEAVES_IT, True), (CLOSES_IT, False)])
def test_a_failed_call_breaks_the_next_only_when_nothing_resets_the_session(
    body: str, reported: bool, tmp_path: Path
) -> None:
    source = APP + body
    found = check_source(source, rules=[SharedSession]).diagnostics
    assert [d.code for d in found] == (["SQA105"] if reported else [])
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'tickets.db'}"}
    exec(compile(source.replace("from tkinter import ttk\n", ""), "<app>", "exec"), namespace)
    window = object.__new__(namespace["Window"])  # no display here: skip the widgets
    window.register("A1")
    with pytest.raises(IntegrityError):
        window.register("A1")  # a duplicate: the flush fails
    if reported:
        with pytest.raises(PendingRollbackError):
            window.register("B2")  # every later call fails too
    else:
        window.register("B2")
    namespace["engine"].dispose()


REGISTRY_APP = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker
from flask import Flask

app = Flask(__name__)
engine = create_engine(URL)
db = scoped_session(sessionmaker(bind=engine))

@app.route("/")
def index():
    return str(db.execute(text("SELECT 1")).scalar())
"""

TEARDOWN = """
@app.teardown_appcontext
def shutdown_session(exception=None):
    db.remove()
"""


@pytest.mark.parametrize(("teardown", "reported"), [("", True), (TEARDOWN, False)])
def test_a_registry_never_removed_keeps_a_connection_per_thread(
    teardown: str, reported: bool, tmp_path: Path
) -> None:
    """A Flask app's `scoped_session` registry: each worker thread that served a read
    keeps its session's transaction, and its connection, after the request, unless a
    teardown removes the session; SQA105 reports the registry nothing removes."""
    source = REGISTRY_APP + teardown
    found = check_source(source, rules=[SharedSession]).diagnostics
    assert [d.code for d in found] == (["SQA105"] if reported else [])
    # (`Flask(__name__)` finds the app's folder from the module it is made in.)
    namespace: dict[str, Any] = {
        "URL": f"sqlite:///{tmp_path / 'flights.db'}",
        "__name__": "__main__",
    }
    exec(compile(source, "<app>", "exec"), namespace)
    client = namespace["app"].test_client()

    # A server's worker threads live on between requests: these wait until the pool
    # is counted (a thread that ended would take its thread-local session with it).
    served = threading.Barrier(4)
    counted = threading.Event()

    def worker() -> None:
        assert client.get("/").data == b"1"
        served.wait()
        counted.wait()

    workers = [threading.Thread(target=worker) for _ in range(3)]
    for thread in workers:
        thread.start()
    served.wait()
    engine = namespace["engine"]
    checked_out = engine.pool.checkedout()
    counted.set()
    for thread in workers:
        thread.join()
    assert checked_out == (3 if reported else 0)
    engine.dispose()


DEFAULT_APP = """
from flask import Flask
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker


class Base(DeclarativeBase):
    pass


class Reading(Base):
    __tablename__ = "readings"
    id = Column(Integer, primary_key=True)
    sensor = Column(String, unique=True)


engine = create_engine(URL)
Base.metadata.create_all(engine)
SESSION = sessionmaker(bind=engine)
app = Flask(__name__)

{function}

@app.route("/readings/<sensor>", methods=["POST"])
def add(sensor):
    return str(store(sensor))
"""

DEFAULT_SESSION = """
def store(sensor, session=SESSION()):
    session.add(Reading(sensor=sensor))
    session.commit()
    return sensor
"""

SESSION_PER_CALL = """
def store(sensor, session=None):
    with session or SESSION() as session:
        session.add(Reading(sensor=sensor))
        session.commit()
    return sensor
"""


@pytest.mark.parametrize(
    ("function", "reported"), [(DEFAULT_SESSION, True), (SESSION_PER_CALL, False)]
)
def test_a_session_made_as_a_default_is_one_for_every_request(
    function: str, reported: bool, tmp_path: Path
) -> None:
    """The default is made once, when the `def` runs: every request that passes none
    shares it, and the one that fails leaves it broken for the requests after it."""
    source = DEFAULT_APP.format(function=function)
    found = check_source(source, rules=[SharedSession]).diagnostics
    assert [d.code for d in found] == (["SQA105"] if reported else [])
    namespace: dict[str, Any] = {
        "URL": f"sqlite:///{tmp_path / 'sensors.db'}",
        "__name__": "__main__",
    }
    exec(compile(source, "<app>", "exec"), namespace)
    namespace["app"].config["PROPAGATE_EXCEPTIONS"] = True
    client = namespace["app"].test_client()
    assert client.post("/readings/t1").status_code == 200
    with pytest.raises(IntegrityError):
        client.post("/readings/t1")  # a duplicate: the flush fails
    if reported:
        with pytest.raises(PendingRollbackError):
            client.post("/readings/t2")  # a later request, on the same broken session
    else:
        assert client.post("/readings/t2").status_code == 200
    namespace["engine"].dispose()
