"""SQA110 against a real SQLite database: the code the rule reports raises
`PendingRollbackError` once a flush fails (a duplicate key), the same code with the
rollback the message asks for does not, and code the rule accepts does not either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import PendingRollbackError

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.missing_rollback import MissingRollback

MODELS = """
import logging

from sqlalchemy import Column, Integer, String, create_engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

log = logging.getLogger("runtime")


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String, unique=True)


engine = create_engine(URL)
Base.metadata.create_all(engine)
SessionLocal = sessionmaker(bind=engine)
"""

# name -> (code, the statement that runs it). Each inserts a duplicate email.
REPORTED = {
    "per-row commit in a loop": (
        """
def run(session: Session):
    for email in ["a@x", "a@x", "b@x"]:
        try:
            session.add(User(email=email))
            session.commit()
        except IntegrityError:  # HANDLER
            log.warning("duplicate %s", email)
""",
        "with SessionLocal() as s:\n    run(s)",
    ),
    "flush, swallowed, then a query": (
        """
def run(session: Session):
    session.add(User(email="a@x"))
    session.commit()
    try:
        session.add(User(email="a@x"))
        session.flush()
    except Exception:  # HANDLER
        pass
    return session.scalars(select(User)).all()
""",
        "with SessionLocal() as s:\n    run(s)",
    ),
    "autoflush in a query after add()": (
        """
def run(session: Session):
    session.add(User(email="a@x"))
    session.commit()
    try:
        session.add(User(email="a@x"))
        found = session.scalars(select(User)).all()
    except (ValueError, IntegrityError):  # HANDLER
        found = []
    session.commit()
    return found
""",
        "with SessionLocal() as s:\n    run(s)",
    ),
    "a helper that commits, in a loop": (
        """
def save(session, email):
    session.add(User(email=email))
    session.commit()

def run(session: Session):
    for email in ["a@x", "a@x", "b@x"]:
        try:
            save(session, email)
        except IntegrityError:  # HANDLER
            log.warning("could not save %s", email)
""",
        "with SessionLocal() as s:\n    run(s)",
    ),
    "a session made here, an object added and refused": (
        """
def run(caller_session: Session):
    session = SessionLocal()
    for email in ["a@x", "a@x", "b@x"]:
        try:
            session.add(User(email=email))
            session.commit()
        except IntegrityError:  # HANDLER
            log.warning("duplicate %s", email)
    session.close()
""",
        "with SessionLocal() as s:\n    run(s)",
    ),
    "module-level session, handler returns": (
        """
session = SessionLocal()

def save(email):
    try:
        session.add(User(email=email))
        session.commit()
    except SQLAlchemyError:  # HANDLER
        return False
    return True

def run():
    save("a@x")
    save("a@x")
    return session.scalars(select(User)).all()
""",
        "run()",
    ),
    "a method of the model commits the module-level session, its caller swallows": (
        """
session = SessionLocal()

class Signup:
    def __init__(self, email):
        self.user = User(email=email)

    def save(self):
        session.add(self.user)
        session.commit()

def add(email):
    try:
        Signup(email).save()
    except Exception:  # HANDLER
        print("could not add", email)

def run():
    add("a@x")
    add("a@x")
    return session.scalars(select(User)).all()
""",
        "run()",
    ),
}

ACCEPTED = {
    "the try inside a savepoint block, left before the next row": """
def run(session: Session):
    skipped = []
    for email in ["a@x", "a@x", "b@x"]:
        with session.begin_nested():
            try:
                session.add(User(email=email))
                session.flush()
            except IntegrityError:
                skipped.append(email)
                continue
        session.flush()
    session.commit()
    assert skipped == ["a@x"]
    assert len(session.scalars(select(User)).all()) == 2
""",
    "the try inside a transaction block, left before the next row": """
def run(session: Session):
    for email in ["a@x", "a@x", "b@x"]:
        with session.begin():
            try:
                session.add(User(email=email))
                session.flush()
            except IntegrityError:
                log.warning("duplicate %s", email)
    assert len(session.scalars(select(User)).all()) == 2
""",
    "the handler replaces the broken session": """
class Store:
    def __init__(self, session):
        self.session = session

    def save(self, email):
        try:
            self.session.add(User(email=email))
            self.session.commit()
        except IntegrityError:
            self.session = SessionLocal()
            self.session.add(User(email=email + ".2"))
            self.session.commit()

def run(session: Session):
    store = Store(session)
    for email in ["a@x", "a@x"]:
        store.save(email)
    store.session.close()
""",
    "a service object lent the session for one call, then dropped": """
class UserService:
    def __init__(self, db: Session):
        self.db = db

    def register(self, email):
        try:
            self.db.add(User(email=email))
            self.db.commit()
            return True
        except IntegrityError:
            log.warning("duplicate %s", email)
            return False

def seed(session: Session):
    session.add(User(email="a@x"))
    session.commit()

def run(session: Session):
    seed(session)
    service = UserService(session)
    assert service.register("a@x") is False
""",
    "savepoint per row": """
def run(session: Session):
    for email in ["a@x", "a@x", "b@x"]:
        try:
            with session.begin_nested():
                session.add(User(email=email))
        except IntegrityError:
            pass
    session.commit()
""",
    "re-raised, the caller rolls back": """
def save(session, email):
    try:
        session.add(User(email=email))
        session.commit()
    except IntegrityError:
        raise

def run(session: Session):
    for email in ["a@x", "a@x"]:
        try:
            save(session, email)
        except IntegrityError:
            session.rollback()
    return session.scalars(select(User)).all()
""",
    "a statement refused, with nothing pending to flush": """
from sqlalchemy import insert

def run(caller_session: Session):
    session = SessionLocal()
    for email in ["a@x", "a@x", "b@x"]:
        try:
            session.execute(insert(User).values(email=email))
            session.commit()
        except IntegrityError:
            log.warning("duplicate %s", email)
    emails = [user.email for user in session.scalars(select(User))]
    session.close()
    assert emails == ["a@x", "b@x"]
""",
    "rolled back by the object that keeps the session": """
class Dao:
    def __init__(self, db: Session):
        self.db = db

    def rollback(self):
        self.db.rollback()

def run(session: Session):
    dao = Dao(session)
    for email in ["a@x", "a@x", "b@x"]:
        try:
            dao.db.add(User(email=email))
            dao.db.commit()
        except IntegrityError:
            dao.rollback()
    return dao.db.scalars(select(User)).all()
""",
}


def _module(tmp_path: Path, code: str) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    namespace: dict[str, Any] = {"URL": url, "__name__": "runtime_app"}
    exec(compile(MODELS + code, "<app>", "exec"), namespace)
    return namespace


def _reported_lines(code: str) -> list[int]:
    source = "URL = 'sqlite://'\n" + MODELS + code
    result = check_source(source, rules=[MissingRollback])
    return [d.span.start.line - 1 for d in result.diagnostics]  # the URL line added above


def _handler_line(code: str) -> int:
    lines = (MODELS + code).splitlines()
    return next(i for i, line in enumerate(lines, 1) if "# HANDLER" in line)


@pytest.mark.parametrize("name", REPORTED)
def test_reported_code_fails_with_pending_rollback_and_the_fix_does_not(
    name: str, tmp_path: Path
) -> None:
    code, run = REPORTED[name]
    assert _reported_lines(code) == [_handler_line(code)]
    (tmp_path / "broken").mkdir()
    with pytest.raises(PendingRollbackError):
        exec(run, _module(tmp_path / "broken", code))
    # What the message asks for: `session.rollback()` first in the handler.
    fixed = "\n".join(
        line + ("\n" + " " * (len(line) - len(line.lstrip()) + 4) + "session.rollback()")
        if "# HANDLER" in line
        else line
        for line in code.splitlines()
    )
    assert _reported_lines(fixed) == []
    (tmp_path / "fixed").mkdir()
    exec(run, _module(tmp_path / "fixed", fixed))


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_code_runs_without_pending_rollback(name: str, tmp_path: Path) -> None:
    code = ACCEPTED[name]
    assert _reported_lines(code) == []
    exec("with SessionLocal() as s:\n    run(s)", _module(tmp_path, code))


# A Scrapy item pipeline that keeps one session for the crawl.
PIPELINE = """
class UsersPipeline:
    def open_spider(self, spider):
        self.session = SessionLocal()

    def close_spider(self, spider):
        self.session.close()

    def process_item(self, item, spider):
{save}
        return item
"""
UNGUARDED_SAVE = """\
        self.session.add(User(email=item))
        self.session.commit()"""
# What the message asks for.
RECOVERING_SAVE = """\
        try:
            self.session.add(User(email=item))
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise"""


def _crawl(namespace: dict[str, Any], items: list[str]) -> list[str]:
    """Run the pipeline as Scrapy does: an item whose `process_item` raises is logged
    and dropped, and the crawl goes on. The names of the errors, in order."""
    pipeline = namespace["UsersPipeline"]()
    pipeline.open_spider(None)
    errors = []
    for item in items:
        try:
            pipeline.process_item(item, None)
        except Exception as error:
            errors.append(type(error).__name__)
    pipeline.close_spider(None)
    return errors


def test_a_pipeline_commit_that_fails_breaks_every_later_item_and_the_fix_does_not(
    tmp_path: Path,
) -> None:
    items = ["a@x", "a@x", "b@x", "c@x"]
    reported = PIPELINE.format(save=UNGUARDED_SAVE)
    commit_line = next(
        i for i, line in enumerate((MODELS + reported).splitlines(), 1) if "commit()" in line
    )
    assert _reported_lines(reported) == [commit_line]
    (tmp_path / "broken").mkdir()
    broken = _module(tmp_path / "broken", reported)
    assert _crawl(broken, items) == [
        "IntegrityError",
        "PendingRollbackError",
        "PendingRollbackError",
    ]

    fixed = PIPELINE.format(save=RECOVERING_SAVE)
    assert _reported_lines(fixed) == []
    (tmp_path / "fixed").mkdir()
    namespace = _module(tmp_path / "fixed", fixed)
    assert _crawl(namespace, items) == ["IntegrityError"]
    with namespace["SessionLocal"]() as session:
        saved = session.scalars(namespace["select"](namespace["User"].email)).all()
    assert sorted(saved) == ["a@x", "b@x", "c@x"]
