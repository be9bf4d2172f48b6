from __future__ import annotations

from collections.abc import Iterable

from ..semantic import Analysis
from ..semantic.recovery import broken_sessions, failures_escaping_to_the_crawl
from .base import Finding, Invalid, Rule, Valid

# An object that keeps the session it is given, and a method whose handler follows.
_REPOSITORY_CREATE = """
import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

class UnknownDataBaseError(Exception):
    pass

class Repository:
    def __init__(self, session: Session):
        self.session = session

    def create(self, obj):
        try:
            self.session.add(obj)
            self.session.commit()
        except Exception as e:
            if isinstance(e, SQLAlchemyError):
                logging.error("database error: %s", e)
                raise e
            {otherwise}
        self.session.refresh(obj)
        return obj
"""

_KEEPING_OBJECT = """
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

class Api:
    def __init__(self, session: Session):
        self.session = session  # kept for the object's life

    def patch(self, row):
        try:
            self.session.add(row)
            self.session.commit()
        except IntegrityError:"""


# A sync job that inserts with statements on a session of its own, committing each.
_REFUSED_INSERT = """
from sqlalchemy import insert, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import sessionmaker

from models import Target, engine

def sync(names):
    session = sessionmaker(bind=engine)()
    for name in names:
        try:
            {write}
            session.commit()
        except {caught}:
            print("skipping", name)
    found = session.scalars(select(Target)).all()
    session.close()
    return found
"""


# A service object a view makes per request around the request's session: the view
# calls one method, whose handler returns a failure, and then {after}.
_LENT_FOR_ONE_CALL = """
import logging

from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from app.db import get_db
from app.models import Extraction

app = FastAPI()

class RoutingService:
    def __init__(self, db: Session):
        self.db = db

    def route(self, extraction_id):
        try:
            extraction = self.db.get(Extraction, extraction_id)
            extraction.status = "in_review"
            self.db.commit()
            return {{"routed": True}}
        except Exception as e:
            logging.error("routing failed: %s", e)
            return {{"routed": False}}

@app.post("/extractions/{{extraction_id}}/route")
def route_extraction(extraction_id: int, db: Session = Depends(get_db)):
    service = RoutingService(db)
    result = service.route(extraction_id)
{after_code}    return result
"""
_LENT_FILES = {
    "app/__init__.py": "",
    "app/db.py": "def get_db():\n    yield None\n",
    "app/models.py": "class Extraction:\n    status = None\n",
}


# The models' module keeps one scoped registry and commits on it in model methods.
_PHOTO_MODELS = {
    "models.py": """
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker

engine = create_engine("sqlite:///photos.db")
db_session = scoped_session(sessionmaker(bind=engine))
Base = declarative_base()
Base.query = db_session.query_property()

class Photo(Base):
    __tablename__ = "photos"
    id = Column(Integer, primary_key=True)
    status = Column(String)

    def approve(self):
        self.status = "approved"
        db_session.commit()
""",
}

# A caller of the model's method that swallows what it raises, {where}.
_APPROVING = """
import logging
{imports}
from models import Photo

log = logging.getLogger(__name__)
{app}
{decorator}
{asynchronous}def on_approve({parameters}):
    try:
        photo = Photo.query.get({photo_id})
        photo.approve()
    except Exception as e:
        log.error("approving failed: %s", e)
    return "done"
{registration}"""


# A Scrapy item pipeline that keeps one session for the crawl; {save} is how it writes
# an item.
_PIPELINE = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from .models import Quote

class QuotesPipeline:
    def open_spider(self, spider):
        self.Session = sessionmaker(bind=create_engine(spider.settings.get("DB_URL")))
        self.session = self.Session()

    def close_spider(self, spider):
        self.session.close()

    def process_item(self, item, spider):
{save}
        return item
"""
_PIPELINE_FILES = {"models.py": "class Quote:\n    def __init__(self, **kw):\n        pass\n"}


class MissingRollback(Rule):
    """An `except` that swallows a failed flush and then uses the session again
    without `rollback()`: the next use raises `PendingRollbackError`.

    ## What it does
    Finds `except` clauses that catch what a session's flush raises (a bare `except:`,
    `Exception`, `BaseException`, or any class of `sqlalchemy.exc`, alone or in a tuple)
    around a flush in their `try` body — `session.commit()`, `session.flush()`, or a
    query (`execute()`, `scalars()`, `get()`, `query()`, ...) after `add()`, `delete()`
    or `merge()` in the same `try`, which autoflushes, or a call of a project function
    that commits or flushes the session it is given outside any `try` of its own, or one
    (a model's method, `photo.approve()`, on an object from `Photo.query.get(id)`,
    `session.get(Photo, id)` and the like) that commits a session its own module keeps
    at its top level: a session, broken for every later use, or a scoped registry when
    the caller runs again and again outside requests (a bot's handler, a task, a loop),
    broken for the thread's next call — when the handler neither rolls the session back
    (`rollback()`, `close()`, a scoped registry's `remove()`) nor re-raises, and the
    session is used again: later in the function, in the next iteration of a loop around
    the `try`, or, for a session created once at module level or kept by an object
    (`self.session`), by every later caller or method (the handler returns or falls
    through; not for a test method of a test class that sets nothing up once for the
    class: unittest and pytest make a new object for each test, whose teardown may close
    the broken session), and, for a scoped session (`db.session`, a module's
    `scoped_session`) in a function that runs again and again outside requests (a worker
    thread's loop), by the next call, which the registry gives the same broken session
    until `remove()`. The session is known by what it is: an annotation, a factory call,
    a scoped registry, Flask-SQLAlchemy's `db.session`, or, for one an object keeps
    (`self.session`), by its use: `commit()` or `flush()` in a `try` whose handler names
    SQLAlchemy's errors (`except (DataError, IntegrityError):`).

    Also finds, in a Scrapy item pipeline (a class with `process_item(self, item,
    spider)`), a `commit()` or `flush()` outside any `try` (and any branch switched off,
    `if ... and False:`) in a method that runs per item, on a session that outlives the
    item: one the pipeline opens for the crawl in `open_spider` or `__init__`
    (`self.session`), or one a module keeps for the process. Its failure escapes to
    Scrapy, which logs it, drops the item and calls `process_item` with the next item,
    on the same broken session. Not when the pipeline rolls that session back anywhere
    (`process_item` wrapping its helpers in `try: ... except Exception:
    self.session.rollback(); raise`), nor for a session per item (`with self.Session()
    as session:`).

    Not reported: handlers that roll back or close the session (also in a
    `finally:`, or through the object that keeps it: `dao.rollback()` for
    `dao.db`), that hand it to a function, that replace it (`self.conn =
    engine.connect()` before trying again), that re-raise (or call `abort(...)`, as
    Flask, flask-smorest and Werkzeug have it, or `sys.exit()`), or that return with a
    session its caller owns, also one an object was only lent for the call (its
    `__init__` keeps a parameter, and each place that makes the object, a view's
    `service = Service(db)`, calls one method on it and then uses neither the object
    nor the session again); flushes inside `with session.begin():` or `with
    session.begin_nested():` (the block rolls back by itself), also when the `try`
    is inside the block and the session is next used after it; handlers of unrelated
    errors (`ValueError`, `KeyError`); a statement that fails with nothing pending
    (`session.execute(text(...))` alone does not break the session), also when a
    `commit()` follows it in the `try`, the handler catches only what a refused
    statement raises (`IntegrityError`, `DataError`), and the session is made in the
    function, which adds, deletes or merges no object on it (nor does any function it
    is handed to): there is no flush to fail.

    ## Why is this bad?
    When a flush fails, SQLAlchemy rolls the session's transaction back and marks the
    session: every further database operation on it raises `PendingRollbackError`
    ("This Session's transaction has been rolled back due to a previous exception
    during flush") until `rollback()` is called. Swallowing the error therefore does
    not recover from it: the import loop fails on every following row, the request
    fails a few lines later with a confusing error, and a session kept at module
    level stays broken for every later caller, often until the process restarts.

    ## Example
    ```python
    for row in rows:
        try:
            session.add(User(**row))
            session.commit()
        except IntegrityError:
            log.warning("duplicate user %s", row["email"])
    ```

    ## Use instead
    ```python
    for row in rows:
        try:
            session.add(User(**row))
            session.commit()
        except IntegrityError:
            session.rollback()
            log.warning("duplicate user %s", row["email"])
    ```
    Or make each attempt a savepoint: `with session.begin_nested(): session.add(...)`.

    ## Fix safety
    No automatic fix: where the rollback belongs (first in the handler, or a
    savepoint around each attempt) depends on what else the transaction holds.

    ## References
    - [FAQ: "This Session's transaction has been rolled back due to a previous exception during flush"](https://docs.sqlalchemy.org/en/20/faq/sessions.html#this-session-s-transaction-has-been-rolled-back-due-to-a-previous-exception-during-flush-or-similar)
    - [Error: Can't reconnect until invalid transaction is rolled back (PendingRollbackError)](https://docs.sqlalchemy.org/en/20/errors.html#error-8s2b)
    - [Using SAVEPOINT](https://docs.sqlalchemy.org/en/20/orm/session_transaction.html#using-savepoint)
    """

    code = "SQA110"
    name = "missing-rollback"

    VALID = [
        # A Celery task: the worker removes the thread's session after each task.
        Valid(
            """
import logging

from celery import Celery
from celery.signals import task_postrun

from models import Photo, db_session

app = Celery("photos")
log = logging.getLogger(__name__)

@app.task
def approve(photo_id):
    try:
        Photo.query.get(photo_id).approve()
    except Exception as e:
        log.error("approving failed: %s", e)

@task_postrun.connect
def remove_session(*args, **kwargs):
    db_session.remove()
""",
            files=_PHOTO_MODELS,
        ),
        # A Flask view: the extension (or the app's teardown) removes the request's
        # scoped session after the request, broken or not.
        Valid(
            _APPROVING.format(
                imports="\nfrom flask import Flask\n",
                app="\napp = Flask(__name__)\n",
                decorator='@app.route("/photos/<int:photo_id>/approve", methods=["POST"])',
                asynchronous="",
                parameters="photo_id",
                photo_id="photo_id",
                registration="",
            ),
            files=_PHOTO_MODELS,
        ),
        # The view ends with the one call; get_db() closes the session after it.
        Valid(_LENT_FOR_ONE_CALL.format(after="returns", after_code=""), files=_LENT_FILES),
        Valid(
            """
import logging

from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .db import engine
from .models import User

log = logging.getLogger(__name__)
SessionLocal = sessionmaker(bind=engine)

def import_rows(session: Session, rows):
    for row in rows:
        try:
            session.add(User(**row))
            session.commit()
        except IntegrityError:
            session.rollback()
            log.warning("duplicate %s", row)

def refresh_counts(session: Session, method, form):
    if method == "GET":
        try:
            session.execute(select(User)).all()
            session.commit()
        except Exception as error:
            log.warning("refresh failed: %s", error)
        return "listed"  # this path ends here: the commit below is another path's
    session.add(User(name=form["name"]))
    session.commit()

def with_savepoints(session: Session, rows):
    for row in rows:
        try:
            with session.begin_nested():
                session.add(User(**row))
        except IntegrityError:
            log.warning("duplicate %s", row)
    session.commit()

def create(session: Session, user):
    try:
        session.add(user)
        session.commit()
    except IntegrityError:
        return None
    return user

def record_failure(session: Session, job, error):
    # Each arm of the `if` is a path of its own: the failed commit in the first is
    # never followed by the refresh in the second.
    if isinstance(error, TimeoutError):
        try:
            job.state = "timed out"
            session.commit()
        except Exception:
            log.exception("could not record the timeout")
    elif job.retries:
        session.refresh(job)

def reraise(session: Session, user):
    try:
        session.add(user)
        session.commit()
    except Exception:
        log.exception("could not save")
        raise
    return session.scalars(select(User)).all()

def aborts(session: Session, user):
    try:
        session.add(user)
        session.commit()
    except Exception as error:
        abort(500, message=str(error))  # raises: the request ends here
    return session.scalars(select(User)).all()

def unrelated(session: Session, payload):
    try:
        user = User(**payload)
        session.add(user)
        session.commit()
    except ValueError:
        pass
    return session.get(User, 1)

def helper_recovers(session: Session, rows):
    for row in rows:
        try:
            save_or_skip(session, row)
        except Exception:
            log.exception("could not import %s", row)

def save_or_skip(session, row):
    try:
        session.add(row)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise

def statement_only(session: Session, statement):
    try:
        session.execute(statement)
    except IntegrityError:
        pass
    return session.scalars(select(User)).all()

def closed_in_finally(rows):
    session = SessionLocal()
    try:
        session.add_all(rows)
        session.commit()
    except IntegrityError:
        log.warning("some rows exist")
    finally:
        session.close()

def new_session_per_row(rows):
    for row in rows:
        with SessionLocal() as session:
            try:
                session.add(User(**row))
                session.commit()
            except IntegrityError:
                continue  # leaving the block closes the session
            session.refresh(row)
"""
        ),
    ]
    VALID += [
        # Every branch of the handler raises: the `refresh()` never follows a failed
        # commit.
        Valid(
            _REPOSITORY_CREATE.format(
                otherwise="else:\n                raise UnknownDataBaseError from e"
            )
        ),
        Valid(
            _KEEPING_OBJECT
            + """
            self.session.rollback()
            return 400
        return 200
"""
        ),
    ]
    VALID += [
        Valid(
            """
class Cache:
    def __init__(self, store):
        self.store = store  # not known to be a session, and no SQLAlchemy error named

    def save(self, key, value):
        try:
            self.store.set(key, value)
            self.store.commit()
        except Exception:
            return False
        return True
"""
        ),
    ]
    VALID += [
        # Each iteration takes a new session at the top of the `try`: the broken one
        # is never used again.
        Valid(
            """
import logging
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def get_session():
    with Session(engine) as session:
        yield session

def consume(messages, Product):
    for message in messages:
        try:
            session = next(get_session())
            session.add(Product(name=message))
            session.commit()
        except Exception as e:
            logging.error(e)
"""
        ),
    ]
    VALID += [
        # The object that keeps the session rolls it back for the handler.
        Valid(
            """
import logging
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

class Dao:
    def __init__(self, db: Session):
        self.db = db

    def rollback(self):
        self.db.rollback()

def reindex(dao: Dao, update):
    try:
        update(dao)
        dao.db.commit()
    except IntegrityError:
        dao.rollback()
        logging.error("update failed")
    dao.db.commit()
"""
        ),
    ]
    VALID += [
        # The handler drops the failed connection for a new one before trying again.
        Valid(
            """
from sqlalchemy.exc import OperationalError

class Database:
    def __init__(self, engine):
        self._engine = engine
        self.conn = engine.connect()

    def update(self, query, values):
        try:
            self.conn.execute(query, values)
            self.conn.commit()
        except OperationalError:
            self.conn = self._engine.connect()
            self.conn.execute(query, values)
            self.conn.commit()
"""
        ),
    ]
    # A refused INSERT statement leaves nothing to flush: the commit after it only ends
    # what statements did; an object added is flushed by that commit, and may fail it.
    VALID += [
        Valid(
            _REFUSED_INSERT.format(
                write="session.execute(insert(Target).values(name=name))",
                caught="(IntegrityError, DataError)",
            )
        )
    ]

    # Scrapy item pipelines: a failed commit escapes `process_item` to Scrapy, which
    # goes on with the next item; these recover, or use a session per item.
    VALID += [
        Valid(
            _PIPELINE.format(
                save="""        try:
            self.session.add(Quote(**item))
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise"""
            ),
            files=_PIPELINE_FILES,
        ),
        Valid(
            _PIPELINE.format(
                save="""        with self.Session() as session:
            session.add(Quote(**item))
            session.commit()"""
            ),
            files=_PIPELINE_FILES,
        ),
        # The helper commits; `process_item` rolls back when it fails.
        Valid(
            _PIPELINE.format(
                save="""        try:
            self.save(item)
        except Exception:
            self.session.rollback()
            raise

    def save(self, item):
        self.session.add(Quote(**item))
        self.session.commit()"""
            ),
            files=_PIPELINE_FILES,
        ),
        # A write switched off: it never runs.
        Valid(
            _PIPELINE.format(
                save="""        if item.get("week") and False:
            self.session.add(Quote(**item))
            self.session.commit()"""
            ),
            files=_PIPELINE_FILES,
        ),
        # Not a Scrapy pipeline: a job queue's worker method of the same name.
        Valid(
            """
from sqlalchemy.orm import Session

from .db import engine

class Worker:
    def __init__(self):
        self.session = Session(engine)

    def process_item(self, job):
        self.session.add(job)
        self.session.commit()
""",
            files={"db.py": "engine = None\n"},
        ),
    ]

    INVALID = [
        Invalid(
            _PIPELINE.format(
                save="""        self.session.add(Quote(**item))
        self.session.commit()"""
            ),
            at="self.session.commit()",
            files=_PIPELINE_FILES,
        ),
        # A module's session, written by a helper `process_item` dispatches to.
        Invalid(
            """
from .db import session
from .models import Quote

class QuotesPipeline:
    def process_item(self, item, spider):
        return self.save_quote(item)

    def save_quote(self, item):
        session.add(Quote(**item))
        session.commit()
        return item
""",
            at="session.commit()",
            files={
                **_PIPELINE_FILES,
                "db.py": """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

session = sessionmaker(bind=create_engine("sqlite://"))()
""",
            },
        ),
        # A bot's callback: the scoped session of the bot's thread stays broken for
        # every later update.
        Invalid(
            _APPROVING.format(
                imports="\nfrom telegram.ext import CallbackQueryHandler\n",
                app="",
                decorator="",
                asynchronous="async ",
                parameters="update, context",
                photo_id="int(update.callback_query.data)",
                registration="\n\ndef register(application):\n"
                "    application.add_handler(CallbackQueryHandler(on_approve))\n",
            ),
            at="except Exception as e:",
            files=_PHOTO_MODELS,
        ),
        # ... but here only one branch does.
        Invalid(
            _REPOSITORY_CREATE.format(otherwise='logging.error("unknown error: %s", e)'),
            at="except Exception as e:",
        ),
        # ... but the view queries the session again after the failed commit.
        Invalid(
            _LENT_FOR_ONE_CALL.format(
                after="queries it again",
                after_code='    result["pending"] = db.query(Extraction).count()\n',
            ),
            at="except Exception as e:",
            files=_LENT_FILES,
        ),
        Invalid(
            _REFUSED_INSERT.format(write="session.add(Target(name=name))", caught="IntegrityError"),
            at="except IntegrityError:",
        ),
        # ... but not a method of it that only logs.
        Invalid(
            """
import logging
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

class Dao:
    def __init__(self, db: Session):
        self.db = db

    def log(self, message):
        logging.error(message)

def reindex(dao: Dao, update):
    try:
        update(dao)
        dao.db.commit()
    except IntegrityError:
        dao.log("update failed")
    dao.db.commit()
""",
            at="except IntegrityError:",
        ),
        # The same session, kept across iterations, stays broken.
        Invalid(
            """
import logging
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")

def consume(messages, Product):
    with Session(engine) as session:
        for message in messages:
            try:
                session.add(Product(name=message))
                session.commit()
            except Exception as e:
                logging.error(e)
""",
            at="except Exception",
        ),
        Invalid(
            """
from sqlalchemy.exc import DataError, IntegrityError

class ModelView:
    def __init__(self, session, model):
        self.session = session  # unannotated: known by its use below

    def patch(self, query, data):
        try:
            for item in query.all():
                item.name = data["name"]
            self.session.commit()
        except (DataError, IntegrityError):
            return {"message": "bad data"}, 400
        return {}, 200
""",
            at="except (DataError",
        ),
        Invalid(
            _KEEPING_OBJECT
            + """
            return 400  # the next request this object serves finds the session broken
        return 200
""",
            at="except IntegrityError",
        ),
        Invalid(
            """
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

def import_rows(session: Session, rows, User):
    for row in rows:
        try:
            session.add(User(**row))
            session.commit()
        except IntegrityError:
            print("duplicate", row)
""",
            at="except IntegrityError",
        ),
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.orm import Session

def register(session: Session, user, User):
    try:
        session.add(user)
        session.flush()
    except Exception:
        user = None
    return session.scalars(select(User)).all(), user
""",
            at="except Exception",
        ),
        Invalid(
            """
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from .db import engine

session = sessionmaker(bind=engine)()

def save(obj):
    try:
        session.add(obj)
        session.commit()
    except SQLAlchemyError:
        return False
    return True
""",
            at="except SQLAlchemyError",
        ),
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

def attach(session: Session, order, Order):
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
    except SQLAlchemyError:
        pass
    return session.scalar(select(Order.id))
""",
            at="except SQLAlchemyError",
        ),
        Invalid(
            """
import logging

from sqlalchemy.orm import Session

from app.repository import save_user

def import_users(session: Session, rows):
    for row in rows:
        try:
            save_user(session, row)
        except Exception:
            logging.exception("could not import %s", row)
""",
            at="except Exception",
            files={
                "app/__init__.py": "",
                "app/repository.py": "def save_user(session, row):\n"
                "    session.add(row)\n    session.commit()\n",
            },
        ),
    ]

    # A scoped session (`db.session`) keeps its broken session for the thread: a
    # request's is removed after the request, a worker loop's is used again.
    VALID += [
        Valid(
            """
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import IntegrityError

app = Flask(__name__)
db = SQLAlchemy(app)

@app.post("/users")
def create(row):
    try:
        db.session.add(row)
        db.session.commit()
    except IntegrityError:
        return "exists", 409
    return "ok"
"""
        ),
        Valid(
            """
import threading

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm.exc import NoResultFound

db = SQLAlchemy()

def delete(model, key):
    try:
        db.session.delete(model.query.filter_by(key=key).one())
        db.session.commit()  # a failure here is not a NoResultFound: it propagates
    except NoResultFound:
        print("nothing to delete")

class Cleaner(threading.Thread):
    def run(self):
        while True:
            delete(self.model, self.next_key())
"""
        ),
    ]
    INVALID += [
        Invalid(
            """
import threading

from flask.ext.sqlalchemy import SQLAlchemy  # Flask-SQLAlchemy as Flask < 1.0 imports it

db = SQLAlchemy()

def save(row):
    try:
        db.session.add(row)
        db.session.commit()
    except Exception:
        print("not saved")

class Collector(threading.Thread):
    def run(self):
        while True:
            save(self.collect())
""",
            at="except Exception:",
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for broken in broken_sessions(analysis.model, analysis.resolver, analysis.contexts):
            yield Finding(
                broken.handler,
                f"If {broken.failing} fails, its session needs `{broken.name}.rollback()` "
                f"before any further query, and this handler neither rolls it back nor "
                f"re-raises, so {broken.next_use} raises `PendingRollbackError`; call "
                f"`{broken.name}.rollback()` in the handler.",
            )
        for escaped in failures_escaping_to_the_crawl(analysis.model, analysis.resolver):
            name = escaped.name
            yield Finding(
                escaped.call,
                f"If this `{name}.{escaped.method}()` fails, the error escapes "
                f"the item pipeline to Scrapy, which logs it, drops the item and goes on with "
                f"the next one on the same session: `{name}`, {escaped.kept}, then raises "
                f"`PendingRollbackError` on every query until `{name}.rollback()`; roll it "
                f"back when the write fails (`except Exception: {name}.rollback(); raise`).",
            )
