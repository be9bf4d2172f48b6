from __future__ import annotations

from collections.abc import Iterable

from ..diagnostics import Fix, Span
from ..semantic import Analysis
from ..semantic.detachment import detached_reads
from ..semantic.orm import detached_lazy_reads
from ._loader_fix import LazyRelationshipFinding, loader_option_fix
from ._refresh_fix import ExpiredFinding, refresh_fix
from .base import Finding, Invalid, Rule, Valid

_FINISH_GAME = """
from app.database import get_session
from app.models import Game

def finish(game_id):
    with get_session() as session:
        game = session.get(Game, game_id)
        game.state = "done"
        session.commit()
    return game.state
"""


def _game_project(keeps_loaded: bool) -> dict[str, str]:
    keeps = ", expire_on_commit=False" if keeps_loaded else ""
    return {
        "app/__init__.py": "",
        "app/models.py": "class Game:\n    pass\n",
        "app/database.py": "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n\n"
        f"SessionLocal = sessionmaker(bind=create_engine('sqlite://'){keeps})\n\n"
        "def get_session():\n"
        "    return SessionLocal()\n",
    }


# `Maker` is unpacked from what a project function returns.
_USER_NAME = """
from app.db import Maker
from app.models import User

def user_name(user_id):
    with Maker.begin() as session:
        user = session.get(User, user_id)
    return user.name
"""


def _unpacked_maker_project(keeps_loaded: bool) -> dict[str, str]:
    keeps = ", expire_on_commit=False" if keeps_loaded else ""
    return {
        "app/__init__.py": "",
        "app/models.py": "class User:\n    pass\n",
        "app/db.py": "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n\n"
        "def init_db(uri):\n"
        "    engine = create_engine(uri)\n"
        f"    maker = sessionmaker(engine{keeps})\n"
        "    return engine, maker\n\n"
        "engine, Maker = init_db('sqlite://')\n",
    }


# A repository handed its session factory by a dependency-injection container.
_INJECTED_REPOSITORY = """
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import User

class UserRepository:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def update(self, user: User) -> User:
        async with self._sessionmaker() as session:
            user = await session.merge(user)
            await session.commit()
        return user
"""


# Returns what `begin()` committed, expired, when its block ends.
_RENAME = """
from sqlalchemy.orm import sessionmaker

from .db import engine
from .models import User

SessionLocal = sessionmaker(bind=engine)

def rename(user_id, name):
    with SessionLocal.begin() as session:
        user = session.get(User, user_id)
        user.name = name
        return user
"""


class DetachedInstanceAccess(Rule):
    """An ORM object read after `commit()` expired it and its session closed:
    `DetachedInstanceError`.

    ## What it does
    Follows the objects a session holds — objects given to `add()`/`add_all()`,
    results of `get()`, `merge()`, `scalars(select(Model))...first()`/`.all()`,
    `execute(select(Model)).scalar_one()`, `query(Model).first()` — for each
    session the code opens and closes itself (a `with` block, or `close()`, also in
    a `finally`), and reports the first attribute read of such an object after the session closed
    (for a list, of an element in a loop or comprehension over it), or the `return`
    that hands it to the caller, when a `commit()` (or the end of a `begin()` block)
    expired it and nothing loaded it again before the close. The `return` is not
    reported when the project calls the function and every call throws the result
    away (`rename(user_id, name)` as a statement of its own): nothing reads it.

    It also reports the first read, after the `with` block of the session that
    loaded an object closed, of a relationship that loads lazily (declared without an
    eager `lazy=` strategy, in any module of the project) and that the statement did
    not load (`.options(selectinload(...))` and the like; also of a legacy
    `session.query(Model)...all()`, with its chained options): a lazy load needs the
    session, commit or not.

    Not reported: sessions made with `expire_on_commit=False` (on the `Session(...)`
    call or on the `sessionmaker` that made it, in any module of the project, also
    when a helper of the project returns its session, `return SessionLocal()`), or
    made by a factory handed in from outside (a parameter, a dependency-injection
    container's) in a project that sets `expire_on_commit` somewhere;
    objects deleted (`session.delete(obj)`: the flush takes them out of the session,
    so the commit does not expire them) or expunged before the commit
    (`session.expunge(obj)`, `expunge_all()`: out of the session, the commit does
    not touch them); objects read again (any attribute) or
    `refresh()`ed after the last commit and
    before the close; values read inside the block; objects loaded after the last
    commit; sessions the code does not close (a parameter, a FastAPI dependency, a
    scoped session): their objects stay attached; rows of `select(Model.column)`,
    which are plain values.

    ## Why is this bad?
    `commit()` expires every object the session holds (`expire_on_commit=True` is
    the default), so that the next read loads the committed state from the database.
    Once the session is closed there is nothing to load it through: the read raises
    `DetachedInstanceError` ("Instance is not bound to a Session; attribute refresh
    operation cannot proceed"), SQLAlchemy's most common ORM error. It typically
    appears in the caller or the web framework's serializer, far from the cause.

    ## Example
    ```python
    def create_user(name):
        with SessionLocal() as session:
            user = User(name=name)
            session.add(user)
            session.commit()
        return user.id
    ```

    ## Use instead
    ```python
    def create_user(name):
        with SessionLocal() as session:
            user = User(name=name)
            session.add(user)
            session.commit()
            return user.id  # loaded again while the session is open
    ```
    Or `session.refresh(user)` after the commit, or make the factory with
    `sessionmaker(engine, expire_on_commit=False)` when objects must outlive their
    session.

    ## Fix safety
    Two unsafe fixes, where they surely help. An object read after `commit()`
    expired it: `session.refresh(obj)` right after the commit, while the session is
    open (one object, an attribute read, an explicit `commit()` in the same function,
    not a lazy relationship): one more SELECT, and the values are the committed ones
    at that point. A lazy relationship read after the block:
    `.options(selectinload(Model.rel))` on the statement that loaded the objects,
    which changes the queries issued. No fix turns off `expire_on_commit` (objects
    would show stale values) or moves reads into the block: those are design choices.

    ## References
    - [Session Basics: committing, and `expire_on_commit`](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#committing)
    - [Error: Parent instance is not bound to a Session; DetachedInstanceError](https://docs.sqlalchemy.org/en/20/errors.html#error-bhk3)
    - [State Management: Quickie Intro to Object States](https://docs.sqlalchemy.org/en/20/orm/session_state_management.html#quickie-intro-to-object-states)
    """

    code = "SQA107"
    name = "detached-instance-access"

    VALID = [
        Valid(
            """
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .db import engine
from .models import User

SessionLocal = sessionmaker(bind=engine)
KeepLoaded = sessionmaker(bind=engine, expire_on_commit=False)

def read_inside(name):
    with SessionLocal() as session:
        user = User(name=name)
        session.add(user)
        session.commit()
        return user.id

def refreshed(name):
    with SessionLocal() as session:
        user = User(name=name)
        session.add(user)
        session.commit()
        session.refresh(user)
    return user.id

def kept_loaded(name):
    with KeepLoaded() as session:
        user = User(name=name)
        session.add(user)
        session.commit()
    return user.name

def no_commit(user_id):
    with SessionLocal() as session:
        user = session.get(User, user_id)
    return user.name

def dependency(session: Session, name):
    user = User(name=name)
    session.add(user)
    session.commit()
    return user.name

def columns_only():
    with SessionLocal() as session:
        names = session.scalars(select(User.name)).all()
        session.commit()
    return [n.upper() for n in names]

def loaded_after_commit(user_id):
    with SessionLocal() as session:
        session.commit()
        user = session.get(User, user_id)
    return user.name

def deleted(user_id):
    # The flush takes a deleted object out of the session: the commit leaves it loaded.
    with SessionLocal() as session:
        user = session.get(User, user_id)
        session.delete(user)
        session.commit()
    return user.name
"""
        ),
        Valid(
            """
from app.db import NoExpire
from app.models import User

def create_user(name):
    with NoExpire() as session:
        user = User(name=name)
        session.add(user)
        session.commit()
    return user.name
""",
            files={
                "app/__init__.py": "",
                "app/models.py": "class User:\n    pass\n",
                "app/db.py": "from sqlalchemy import create_engine\n"
                "from sqlalchemy.orm import sessionmaker\n\n"
                "engine = create_engine('sqlite://')\n"
                "NoExpire = sessionmaker(bind=engine, expire_on_commit=False)\n",
            },
        ),
        # Expunged before the commit (the block's, here): the commit expires what is
        # in the session, and `harvest` no longer is; its loaded id stays readable.
        Valid(
            """
from sqlalchemy.orm import sessionmaker

from .db import engine
from .models import Harvest

SessionLocal = sessionmaker(bind=engine)

def create():
    with SessionLocal.begin() as session:
        harvest = Harvest()
        session.add(harvest)
        session.flush()
        session.expunge(harvest)
    return harvest.id
"""
        ),
        # A factory injected by a container that the project configures to keep
        # objects loaded (`expire_on_commit=False` in its wiring).
        Valid(
            _INJECTED_REPOSITORY,
            files={
                "app/__init__.py": "",
                "app/models.py": "class User:\n    pass\n",
                "app/container.py": "from dependency_injector import containers, providers\n"
                "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n"
                "class Container(containers.DeclarativeContainer):\n"
                "    engine = providers.Singleton(object)\n"
                "    sessionmaker = providers.Singleton(\n"
                "        async_sessionmaker, engine, expire_on_commit=False\n"
                "    )\n",
            },
        ),
    ]
    # Handed to callers that throw it away unread: nothing reads it detached.
    _RENAME_ALL = """
def rename_all(names):
    for user_id, name in names.items():
        rename(user_id, name)
"""
    VALID += [Valid(_RENAME + _RENAME_ALL)]

    # A session a helper of the project returns (`return SessionLocal()`): its
    # module's factory keeps objects loaded (see INVALID for the default expiry).
    VALID += [Valid(_FINISH_GAME, files=_game_project(keeps_loaded=True))]
    # The same for a factory unpacked from a project function's returned tuple.
    VALID += [Valid(_USER_NAME, files=_unpacked_maker_project(keeps_loaded=True))]
    VALID += [
        # The context manager yields the session the object keeps and closes nothing:
        # after the block the session is still open, and the lazy load runs.
        Valid(
            """
from contextlib import contextmanager
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class Plate(Base):
    __tablename__ = "plates"
    tubes = relationship("Tube")

class Store:
    def __init__(self, engine):
        self._session = Session(bind=engine)

    @contextmanager
    def _scope(self):
        try:
            yield self._session
            self._session.commit()
        except Exception:
            self._session.rollback()
            raise

    def tubes(self, plate_id):
        with self._scope() as session:
            plate = session.query(Plate).get(plate_id)
        return plate.tubes
"""
        )
    ]
    INVALID = [
        # A context manager of the project that closes the session it yields: past
        # the block the plate is detached, and a legacy query loaded it.
        Invalid(
            """
from contextlib import contextmanager
from sqlalchemy.orm import DeclarativeBase, relationship, sessionmaker

SessionLocal = sessionmaker()

class Base(DeclarativeBase):
    pass

class Plate(Base):
    __tablename__ = "plates"
    tubes = relationship("Tube")

@contextmanager
def session_scope():
    session = SessionLocal()
    try:
        yield session
        session.commit()
    finally:
        session.close()

def tubes(plate_id):
    with session_scope() as session:
        plate = session.query(Plate).filter(Plate.id == plate_id).one()
    return plate.tubes
""",
            at="plate.tubes",
        ),
        # Nothing in the project calls it, or a caller reads what it gets.
        Invalid(_RENAME, at="return user"),
        Invalid(_RENAME + _RENAME_ALL + '    print(rename(1, "root").name)\n', at="return user"),
        # The same repository in a project that never configures `expire_on_commit`:
        # its factory expires what it commits.
        Invalid(
            _INJECTED_REPOSITORY,
            at="return user",
            files={"app/__init__.py": "", "app/models.py": "class User:\n    pass\n"},
        ),
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

from .db import engine
from .models import User

SessionLocal = sessionmaker(bind=engine)

def create_user(name):
    with SessionLocal() as session:
        user = User(name=name)
        session.add(user)
        session.commit()
    return user.id
""",
            at="user.id",
        ),
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import engine
from .models import User

def active_names():
    with Session(engine) as session:
        users = session.scalars(select(User).where(User.active)).all()
        session.commit()
    return [u.name for u in users]
""",
            at="u.name",
        ),
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

from .db import engine
from .models import Invoice

SessionLocal = sessionmaker(bind=engine)

def settle(invoice_id, log):
    session = SessionLocal()
    try:
        invoice = session.get(Invoice, invoice_id)
        invoice.status = "paid"
        session.commit()
    finally:
        session.close()
    log.info("settled %s", invoice.number)
""",
            at="invoice.number",
        ),
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, relationship, sessionmaker

from .db import engine

SessionLocal = sessionmaker(bind=engine)

class Base(DeclarativeBase):
    pass

class Author(Base):
    __tablename__ = "authors"
    books = relationship("Book")

def shelf():
    with SessionLocal() as session:
        authors = session.scalars(select(Author)).all()
    return {a.name: len(a.books) for a in authors}
""",
            at="a.books",
        ),
    ]
    INVALID += [
        # A session a helper returns, whose factory keeps the default expiry.
        Invalid(_FINISH_GAME, at="game.state\n", files=_game_project(keeps_loaded=False)),
        Invalid(_USER_NAME, at="user.name", files=_unpacked_maker_project(keeps_loaded=False)),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        lazy_nodes: set[object] = set()
        for lazy in detached_lazy_reads(analysis.model, analysis.resolver):
            lazy_nodes.add(lazy.node)
            yield LazyRelationshipFinding(
                lazy.node,
                f"`{lazy.model}.{lazy.relationship}` loads lazily and was not loaded before "
                f"its session closed at the end of its `with` block, so this read raises "
                f"`DetachedInstanceError`; load it with the query "
                f"(`.options(selectinload({lazy.model}.{lazy.relationship}))`) or read it "
                f"inside the block.",
                model=lazy.model,
                relationship=lazy.relationship,
            )
        for read in detached_reads(analysis.model, analysis.resolver):
            if read.returned and analysis.contexts.callers_drop_the_result(read.node):
                continue  # every caller throws it away unread
            if read.returned:
                message = (
                    f"`{read.instance}` is handed to the caller expired by {read.commit} and "
                    f"detached from `{read.session}`, which closes {read.closed}, so the "
                    f"caller's first attribute read raises `DetachedInstanceError`; read what "
                    f"is needed before the session closes, `refresh()` it after the commit, "
                    f"or make the session with `expire_on_commit=False`."
                )
            else:
                message = (
                    f"`{read.instance}` was expired by {read.commit} and detached when "
                    f"`{read.session}` closed {read.closed}, so this read raises "
                    f"`DetachedInstanceError`; read it before the session closes, "
                    f"`refresh()` it after the commit, or make the session with "
                    f"`expire_on_commit=False`."
                )
            yield ExpiredFinding(
                read.node,
                message,
                instance=read.instance,
                session=read.session,
                refreshable=(
                    not read.returned
                    and not read.many
                    and read.by_commit_call
                    and read.node not in lazy_nodes
                ),
            )

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        if isinstance(finding, LazyRelationshipFinding):
            return loader_option_fix(source, span, finding)
        return refresh_fix(source, span, finding)
