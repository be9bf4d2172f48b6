from __future__ import annotations

from collections.abc import Iterable

from ..diagnostics import Fix, Span
from ..semantic import Analysis, Verdict
from ._messages import code_of, noun, safe_form
from .base import Finding, Invalid, Rule, Valid
from .resource_fix import with_block_fix_for

_DATABASE_MODULE = """
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
"""


class SessionNotClosed(Rule):
    """ORM session is never closed.

    ## What it does
    Finds ORM sessions created by `Session(...)`, `AsyncSession(...)`, a
    `sessionmaker` / `async_sessionmaker` factory (including one imported from
    another module of the project, such as `from .database import SessionLocal`)
    or `factory.begin()`, that are never released: not used as a context manager,
    not closed, and not handed to anyone else.

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
    ]
    INVALID = [
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
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for life in analysis.resources:
            if not life.kind.is_session or life.verdict is not Verdict.LEAKED:
                continue
            message = (
                f"{noun(life.kind)} from `{code_of(life.call)}` is never closed; use "
                f"`{safe_form(life)}` so its connection returns to the pool."
            )
            yield Finding(life.call, message, life)

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        return with_block_fix_for(source, span, finding.lifetime)
