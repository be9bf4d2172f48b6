from __future__ import annotations

from collections.abc import Iterable

from ..diagnostics import Fix, Span
from ..semantic import Analysis
from ..semantic.detachment import expired_reads
from ..semantic.orm import async_lazy_reads
from ._loader_fix import LazyRelationshipFinding, loader_option_fix
from ._refresh_fix import ExpiredFinding, refresh_fix
from .base import Finding, Invalid, Rule, Valid

# A crud helper the routes call with their `Depends(get_db)` session.
_CRUD_HELPER = """
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Poem

async def create_poem(db: AsyncSession, title: str):
    poem = Poem(title=title)
    db.add(poem)
    await db.commit()
    return poem.title
"""


_GETTER_CALLER = """
from sqlalchemy import select

from app.db import get_session_maker
from app.models import Connector

async def due_connectors():
    async with get_session_maker()() as session:
        due = (await session.scalars(select(Connector))).all()
        for connector in due:
            connector.checked = True
        await session.commit()
        return [c.id for c in due]
"""


# A route whose session a provider makes from the maker that getter returns.
_GETTER_ROUTE = """
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_async_session
from app.models import Connector

async def approve(connector_id: int, session: AsyncSession = Depends(get_async_session)):
    connector = await session.get(Connector, connector_id)
    connector.checked = True
    await session.commit()
    return connector.id
"""


def _getter_project(*, keeps_loaded: bool) -> dict[str, str]:
    """A getter that makes the one session maker on first use and returns it."""
    option = ", expire_on_commit=False" if keeps_loaded else ""
    return {
        "app/__init__.py": "",
        "app/db.py": (
            "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
            "_engine = None\n"
            "_maker = None\n"
            "def get_session_maker():\n"
            "    global _engine, _maker\n"
            "    if _maker is None:\n"
            "        _engine = create_async_engine('sqlite+aiosqlite://')\n"
            f"        _maker = async_sessionmaker(_engine{option})\n"
            "    return _maker\n"
            "async def get_async_session():\n"
            "    session_factory = get_session_maker()\n"
            "    async with session_factory() as session:\n"
            "        yield session\n"
        ),
        "app/models.py": "Connector = None\n",
    }


def _crud_project(keeps_loaded: bool) -> dict[str, str]:
    """The rest of `_CRUD_HELPER`'s project: a route per call, and a factory that keeps
    objects loaded or not (beside another factory nothing uses, which does not)."""
    keeps = ", expire_on_commit=False" if keeps_loaded else ""
    return {
        "app/__init__.py": "",
        "app/models.py": "class Poem:\n    pass\n",
        "app/db.py": "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "from sqlalchemy.orm import sessionmaker\n\n"
        "engine = create_async_engine('sqlite+aiosqlite://')\n"
        f"SessionLocal = sessionmaker(engine, class_=AsyncSession{keeps})\n"
        "Unused = async_sessionmaker(engine)\n\n"
        "async def get_db():\n"
        "    async with SessionLocal() as session:\n"
        "        yield session\n",
        "app/routes.py": "from fastapi import Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from main import create_poem\n"
        "from app.db import get_db\n\n"
        "async def add(title: str, db: AsyncSession = Depends(get_db)):\n"
        "    return await create_poem(db, title)\n",
    }


# Hands its caller what the commit expired.
_CREATE_USER = """
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .db import engine
from .models import User

SessionLocal = async_sessionmaker(engine)

async def create_user(session: AsyncSession, name):
    user = User(name=name)
    session.add(user)
    await session.commit()
    return user
"""


_SESSION_HELPER_USE = """
from utils.database import get_async_session
from utils.models import Room

async def rename_room(room_id: int, name: str):
    async with get_async_session() as session:
        room = await session.get(Room, room_id)
        room.name = name
        await session.commit()
        return f"renamed to {room.name}"
"""


def _session_helper_module(keeps_loaded: bool) -> dict[str, str]:
    """A project whose sessions come from a helper, `get_async_session()`, returning
    a session of its module's factory."""
    keeps = ", expire_on_commit=False" if keeps_loaded else ""
    return {
        "utils/__init__.py": "",
        "utils/models.py": "class Room:\n    pass\n",
        "utils/database.py": "from sqlalchemy.ext.asyncio import AsyncSession, "
        "async_sessionmaker, create_async_engine\n\n"
        "engine = create_async_engine('sqlite+aiosqlite://')\n"
        f"async_session_maker = async_sessionmaker(engine{keeps}, class_=AsyncSession)\n\n"
        "def get_async_session() -> AsyncSession:\n"
        "    return async_session_maker()\n",
    }


class AsyncLazyLoad(Rule):
    """Under asyncio, an ORM object read after `await session.commit()` expired it,
    or a lazy relationship read without a loader: `MissingGreenlet`.

    ## What it does
    In an `async def`, follows the objects an `AsyncSession` holds — objects given to
    `add()`/`add_all()`, results of `await session.get()`, `(await
    session.scalars(select(Model))).first()`/`.all()`, `(await
    session.execute(select(Model))).scalar_one()`, `await session.merge()` — and
    reports the first attribute read of such an object after `await
    session.commit()` expired it (for a list, of an element in a loop or
    comprehension over it; a result kept in a variable counts too), or the `return`
    that hands it to the caller (a FastAPI
    endpoint's response model reads it next), while the session is still open. The
    session is an `AsyncSession` parameter (also a FastAPI `Depends()`), or an `async
    with` block of an `async_sessionmaker` or `AsyncSession`. The `return` is not
    reported when the project calls the function and every call throws the result
    away (`await create_user(session, name)` as a statement of its own).

    Not reported: sessions made with `expire_on_commit=False` (on the session, on
    its `async_sessionmaker` in any module of the project, also when a helper of the
    project returns its session, `return async_session_maker()`, or on the factory behind a
    `Depends()` provider, also one a class keeps and a method of it calls,
    `get_db().get_session()` returning `self.session_maker()`; a session parameter
    without a provider takes its callers' provider when every call of the function
    in the project passes a `Depends()`
    session (a crud helper called by the routes), and is otherwise followed only
    when some async session factory of the project keeps the default expiry; a
    pytest fixture is not followed); objects refreshed with `await
    session.refresh(obj)` after the commit, given to a function, or loaded again;
    values read before the commit, or in another branch of the `if` the commit is in;
    reads through `obj.awaitable_attrs`; reads after the session closed (SQA107's
    `DetachedInstanceError`).

    It also reports the first read of a relationship that loads lazily (declared
    without an eager `lazy=` strategy, in any module of the project) on an object an
    `AsyncSession` loaded (`await session.get(Model, ...)`, `(await
    session.scalars(select(Model))).all()` and the like, for a list in a loop or
    comprehension over it) with no loader option for it on the statement (or in
    `get(..., options=[...])`): the lazy load is IO too.

    ## Why is this bad?
    `commit()` expires every object the session holds (`expire_on_commit=True` is
    the default), so that the next read loads the committed state. Under asyncio
    that load is database IO that SQLAlchemy cannot run implicitly inside an
    attribute access: the read raises `MissingGreenlet` ("greenlet_spawn has not
    been called; can't call await_only() here"). The classic case is an endpoint
    that creates an object, commits, and returns it: the response serializer fails.

    ## Example
    ```python
    @router.post("/users")
    async def create_user(data: UserIn, session: AsyncSession = Depends(get_session)):
        user = User(**data.model_dump())
        session.add(user)
        await session.commit()
        return user
    ```

    ## Use instead
    ```python
    @router.post("/users")
    async def create_user(data: UserIn, session: AsyncSession = Depends(get_session)):
        user = User(**data.model_dump())
        session.add(user)
        await session.commit()
        await session.refresh(user)
        return user
    ```
    Or make the factory with `async_sessionmaker(engine, expire_on_commit=False)`, as
    SQLAlchemy's asyncio documentation recommends.

    ## Fix safety
    For a lazy relationship, the fix adds `.options(selectinload(Model.rel))` to the
    statement that loaded the object (unsafe: it changes the queries issued). For one
    expired object whose attribute is read, it adds `await session.refresh(obj)`
    right after the commit (unsafe: one more query, which is the IO the read needed).
    No fix turns expiry off (objects would show values the database has since
    changed) or moves reads before the commit: those are design choices.

    ## References
    - [Asyncio: Preventing Implicit IO when Using AsyncSession](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#preventing-implicit-io-when-using-asyncsession)
    - [Error: MissingGreenlet](https://docs.sqlalchemy.org/en/20/errors.html#error-xd2s)
    """

    code = "SQA108"
    name = "async-lazy-load"

    VALID = [
        # The provider's session comes from a method that calls the factory its class
        # keeps (`self.session_maker = async_sessionmaker(..., expire_on_commit=False)`).
        Valid(
            """
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import Gateway

async def delete_gateways(name, session: AsyncSession = Depends(get_session)):
    gateway = await session.get(Gateway, name)
    await session.delete(gateway)
    await session.commit()
    return gateway.name
""",
            files={
                "app/__init__.py": "",
                "app/db.py": (
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    "class Database:\n"
                    "    def __init__(self, url):\n"
                    "        self.engine = create_async_engine(url)\n"
                    "        self.session_maker = async_sessionmaker(\n"
                    "            bind=self.engine, expire_on_commit=False\n"
                    "        )\n"
                    "    def get_session(self):\n"
                    "        return self.session_maker()\n"
                    "_db = Database('sqlite+aiosqlite://')\n"
                    "def get_db():\n"
                    "    return _db\n"
                    "async def get_session():\n"
                    "    async with get_db().get_session() as session:\n"
                    "        yield session\n"
                ),
                "app/models.py": "Gateway = None\n",
            },
        ),
        Valid(
            """
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User

async def verify(user_id, session: AsyncSession):
    user = await session.get(User, user_id)
    user.verified = True
    await session.commit()
    return user.email  # the app's only factory keeps objects loaded
""",
            files={
                "app/__init__.py": "",
                "app/routes.py": (
                    "from app.extensions import AsyncSession  # the app's factory\n"
                    "from main import verify\n"
                    "async def route(user_id):\n"
                    "    session = AsyncSession()\n"
                    "    try:\n"
                    "        return await verify(user_id, session)\n"
                    "    finally:\n"
                    "        await session.close()\n"
                ),
                "app/extensions.py": (
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    "engine = create_async_engine('sqlite+aiosqlite://')\n"
                    "AsyncSession = async_sessionmaker(engine, expire_on_commit=False)\n"
                ),
                "app/models.py": "User = None\n",
            },
        ),
        Valid(
            """
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, relationship, selectinload

from .db import engine
from .models import User

SessionLocal = async_sessionmaker(engine)
KeepLoaded = async_sessionmaker(engine, expire_on_commit=False)

class Base(DeclarativeBase):
    pass

class Author(Base):
    __tablename__ = "authors"
    books = relationship("Book")
    reviews = relationship("Review", lazy="selectin")

async def refreshed(session: AsyncSession, name):
    user = User(name=name)
    session.add(user)
    await session.commit()
    await session.refresh(user)
    return user

async def read_before(name):
    async with SessionLocal() as session:
        user = User(name=name)
        session.add(user)
        await session.flush()
        user_id = user.id
        await session.commit()
    return user_id

async def kept_loaded(name):
    async with KeepLoaded() as session:
        user = User(name=name)
        session.add(user)
        await session.commit()
        return user.name

async def awaitable(session: AsyncSession, user_id):
    user = await session.get(User, user_id)
    await session.commit()
    return await user.awaitable_attrs.name

async def reloaded(session: AsyncSession, user_id):
    user = await session.get(User, user_id)
    user.active = False
    await session.commit()
    user = await session.get(User, user_id)
    return user.name

async def commit_then_leave(session: AsyncSession, user_id):
    user = await session.get(User, user_id)
    if user.active:
        user.active = False
        await session.commit()
        return "deactivated"
    return user.name

async def eager(session: AsyncSession):
    statement = select(Author).options(selectinload(Author.books))
    authors = (await session.scalars(statement)).all()
    return {a.id: [b.title for b in a.books] for a in authors}

async def eager_by_declaration(session: AsyncSession, author_id):
    author = await session.get(Author, author_id)
    return [r.stars for r in author.reviews]

class Recorder:
    def __init__(self, engine):
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def record(self, name):
        async with self.sessions() as session:
            user = User(name=name)
            session.add(user)
            await session.commit()
            return user.name
"""
        ),
        Valid(
            """
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import User

async def create_user(name: str, session: AsyncSession = Depends(get_session)):
    user = User(name=name)
    session.add(user)
    await session.commit()
    return user
""",
            files={
                "app/__init__.py": "",
                "app/models.py": "class User:\n    pass\n",
                "app/db.py": "from sqlalchemy.ext.asyncio import async_sessionmaker, "
                "create_async_engine\n\n"
                "engine = create_async_engine('sqlite+aiosqlite://')\n"
                "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n\n"
                "async def get_session():\n"
                "    async with SessionLocal() as session:\n"
                "        yield session\n",
            },
        ),
    ]
    VALID += [
        # The provider hands out a session it got elsewhere (`tenant.db_session`): the
        # project's only factory keeps objects loaded.
        Valid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from models import Rule

app = FastAPI()
Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False)

class Tenant:
    def __init__(self, db_session):
        self.db_session = db_session

async def get_db():
    async with Sessions() as session:
        yield session

async def get_tenant(db: AsyncSession = Depends(get_db)):
    return Tenant(db)

async def get_tenant_db(tenant: Tenant = Depends(get_tenant)) -> AsyncSession:
    return tenant.db_session

@app.post("/rules")
async def create_rule(name: str, db: AsyncSession = Depends(get_tenant_db)):
    rule = Rule(name=name)
    db.add(rule)
    await db.commit()
    return {"id": rule.id, "name": rule.name}
""",
            files={
                "models.py": """
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Rule(Base):
    __tablename__ = "rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String)
"""
            },
        ),
        # A crud helper every route calls with its `Depends(get_db)` session, whose
        # factory keeps objects loaded (another factory, unused, would not).
        Valid(
            _CRUD_HELPER,
            files=_crud_project(keeps_loaded=True),
        ),
    ]
    VALID += [
        # A getter keeps and returns the one maker, made with expire_on_commit=False.
        Valid(_GETTER_CALLER, files=_getter_project(keeps_loaded=True)),
        # ... and a `Depends()` provider makes the routes' sessions with it.
        Valid(_GETTER_ROUTE, files=_getter_project(keeps_loaded=True)),
    ]

    # Handed to a caller that throws it away unread (a message handler's save).
    VALID += [
        Valid(
            _CREATE_USER
            + """
async def on_signup(name):
    async with SessionLocal() as session:
        await create_user(session, name)
"""
        ),
    ]
    # A session a helper of the project returns, `return async_session_maker()`: its
    # module's factory keeps objects loaded.
    VALID += [Valid(_SESSION_HELPER_USE, files=_session_helper_module(keeps_loaded=True))]

    # Deleted, then committed: the instance left the session at the flush, loaded;
    # renamed instead, the commit expires it.
    _REMOVE_PLAYER = """
from sqlalchemy.ext.asyncio import async_sessionmaker

from .db import engine
from .models import Player

SessionLocal = async_sessionmaker(engine)

async def remove_player(player_id):
    async with SessionLocal() as db:
        player = await db.get(Player, player_id)
        {change}
        await db.commit()
        return {{"removed": player.name}}
"""
    VALID += [Valid(_REMOVE_PLAYER.format(change="await db.delete(player)"))]
    INVALID = [
        Invalid(_REMOVE_PLAYER.format(change='player.name = "gone"'), at="player.name}"),
        # The same helper, whose factory keeps the default expiry.
        Invalid(
            _SESSION_HELPER_USE, at="room.name}", files=_session_helper_module(keeps_loaded=False)
        ),
        # The same getter, whose maker keeps the default expiry.
        Invalid(_GETTER_CALLER, at="c.id", files=_getter_project(keeps_loaded=False)),
        Invalid(_GETTER_ROUTE, at="connector.id", files=_getter_project(keeps_loaded=False)),
        # The same helper, where the routes' factory keeps the default expiry.
        Invalid(
            _CRUD_HELPER,
            at="poem.title",
            files=_crud_project(keeps_loaded=False),
        ),
        Invalid(_CREATE_USER, at="return user"),
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from .db import engine
from .models import User

SessionLocal = async_sessionmaker(engine)

async def deactivate_all():
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            user.active = False
        await session.commit()
        return [u.name for u in users]
""",
            at="u.name",
        ),
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .db import engine
from .models import Order

SessionLocal = async_sessionmaker(engine)

async def cancel(session: AsyncSession, order_id):
    result = await session.execute(select(Order).where(Order.id == order_id))
    order = result.scalar_one()
    order.status = "cancelled"
    await session.commit()
    return order.status
""",
            at="order.status\n",
        ),
        Invalid(
            """
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, relationship

class Base(DeclarativeBase):
    pass

class Author(Base):
    __tablename__ = "authors"
    books = relationship("Book")

async def titles(session: AsyncSession):
    authors = (await session.scalars(select(Author))).all()
    return {a.id: [b.title for b in a.books] for a in authors}
""",
            at="a.books",
        ),
    ]

    # A commit in one branch of an `if` does not expire what the other branch reads.
    _TRACK_SERVER = """
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from models import Server, Software

engine = create_async_engine("sqlite+aiosqlite:///steam.db")
Session = async_sessionmaker(engine)

async def track(software_id, server_id):
    async with Session() as session:
        software = await session.get(Software, software_id)
        existing = await session.get(Server, server_id)
        if existing is None:
            session.add(Server(id=server_id))
            await session.commit()
{after_commit}
        else:
            print(software.name)
            await session.commit()
"""
    VALID += [Valid(_TRACK_SERVER.format(after_commit=""))]
    INVALID += [
        Invalid(
            _TRACK_SERVER.format(after_commit="            print(software.name)"),
            at="software.name",
        )
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for lazy in async_lazy_reads(analysis.model, analysis.resolver):
            yield LazyRelationshipFinding(
                lazy.node,
                f"`{lazy.model}.{lazy.relationship}` loads lazily, and under asyncio that "
                f"load cannot run implicitly: this read raises `MissingGreenlet`; load it "
                f"with the query (`.options(selectinload({lazy.model}.{lazy.relationship}))`"
                f"), or read it with `await obj.awaitable_attrs.{lazy.relationship}`.",
                model=lazy.model,
                relationship=lazy.relationship,
            )
        for read in expired_reads(
            analysis.model, analysis.resolver, analysis.contexts.program_values
        ):
            if read.returned and analysis.contexts.callers_drop_the_result(read.node):
                continue  # every caller throws it away unread
            what = (
                f"returning `{read.instance}` hands out an object that"
                if read.returned
                else f"`{read.instance}`"
            )
            yield ExpiredFinding(
                read.node,
                f"After `await {read.session}.commit()`, {what} is expired: reading it needs "
                f"a query that asyncio cannot run implicitly, so it raises `MissingGreenlet`; "
                f"`await {read.session}.refresh({read.instance})` after the commit, read the "
                f"values before it, or make the session with `expire_on_commit=False`.",
                instance=read.instance,
                session=read.session,
                refreshable=not read.returned and not read.many,
                awaited=True,
            )

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        if isinstance(finding, LazyRelationshipFinding):
            return loader_option_fix(source, span, finding)
        return refresh_fix(source, span, finding)
