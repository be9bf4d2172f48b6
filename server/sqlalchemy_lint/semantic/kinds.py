"""What an expression can be, as far as SQLAlchemy resources go, and which
library names produce each kind.

Names are fully qualified (`sqlalchemy.orm.Session`): the analysis resolves
imports and aliases before it looks anything up here, so a user's own class
called `Session` or `sqlite3.connect` never matches.
"""

from __future__ import annotations

import enum


class Kind(enum.Enum):
    ENGINE = "engine"
    ASYNC_ENGINE = "async engine"
    CONNECTION = "connection"
    ASYNC_CONNECTION = "async connection"
    RAW_CONNECTION = "DBAPI connection"
    SESSION = "session"
    ASYNC_SESSION = "async session"
    SESSION_FACTORY = "session factory"
    ASYNC_SESSION_FACTORY = "async session factory"
    SCOPED_SESSION = "scoped session registry"
    FLASK_SQLALCHEMY = "Flask-SQLAlchemy extension"
    WEB_APP = "web application or router"
    # An engine's `pool`: its `connect()` checks a DBAPI connection out, as the
    # engine's `raw_connection()` does.
    POOL = "connection pool"

    @property
    def is_connection(self) -> bool:
        return self in (Kind.CONNECTION, Kind.ASYNC_CONNECTION, Kind.RAW_CONNECTION)

    @property
    def is_session(self) -> bool:
        return self in (Kind.SESSION, Kind.ASYNC_SESSION)

    @property
    def is_resource(self) -> bool:
        """Something that holds a database connection until it is closed."""
        return self.is_connection or self.is_session

    @property
    def is_engine(self) -> bool:
        return self in (Kind.ENGINE, Kind.ASYNC_ENGINE)

    @property
    def is_async(self) -> bool:
        return self in (
            Kind.ASYNC_ENGINE,
            Kind.ASYNC_CONNECTION,
            Kind.ASYNC_SESSION,
            Kind.ASYNC_SESSION_FACTORY,
        )


_SYNC_COUNTERPARTS = {
    Kind.ASYNC_ENGINE: Kind.ENGINE,
    Kind.ASYNC_CONNECTION: Kind.CONNECTION,
    Kind.ASYNC_SESSION: Kind.SESSION,
    Kind.ASYNC_SESSION_FACTORY: Kind.SESSION_FACTORY,
}


def agreed_kind(kinds: set[Kind | None]) -> Kind | None:
    """The kind several possible values agree on: their one kind, or, for a kind and
    its async counterpart (a fixture or helper that makes either, by a setting), the
    sync one, whose messages and fixes suit both closely enough. None otherwise."""
    if None in kinds or not kinds:
        return None
    synced = {_SYNC_COUNTERPARTS.get(k, k) for k in kinds if k is not None}
    if len(synced) != 1:
        return None
    if len(kinds) == 1:
        return next(iter(kinds))
    return next(iter(synced))


# Calls whose result is a new object of the kind (module-level functions and classes).
CONSTRUCTORS: dict[str, Kind] = {
    "sqlalchemy.create_engine": Kind.ENGINE,
    "sqlalchemy.engine.create_engine": Kind.ENGINE,
    "sqlalchemy.engine.create.create_engine": Kind.ENGINE,
    "sqlalchemy.engine_from_config": Kind.ENGINE,
    "sqlalchemy.engine.engine_from_config": Kind.ENGINE,
    "sqlalchemy.engine.create.engine_from_config": Kind.ENGINE,
    "sqlalchemy.ext.asyncio.create_async_engine": Kind.ASYNC_ENGINE,
    "sqlalchemy.ext.asyncio.engine.create_async_engine": Kind.ASYNC_ENGINE,
    "sqlalchemy.ext.asyncio.async_engine_from_config": Kind.ASYNC_ENGINE,
    "sqlalchemy.ext.asyncio.engine.async_engine_from_config": Kind.ASYNC_ENGINE,
    "sqlalchemy.orm.Session": Kind.SESSION,
    "sqlalchemy.orm.session.Session": Kind.SESSION,
    "sqlalchemy.ext.asyncio.AsyncSession": Kind.ASYNC_SESSION,
    "sqlalchemy.ext.asyncio.session.AsyncSession": Kind.ASYNC_SESSION,
    "sqlalchemy.orm.sessionmaker": Kind.SESSION_FACTORY,
    "sqlalchemy.orm.session.sessionmaker": Kind.SESSION_FACTORY,
    "sqlalchemy.ext.asyncio.async_sessionmaker": Kind.ASYNC_SESSION_FACTORY,
    "sqlalchemy.ext.asyncio.session.async_sessionmaker": Kind.ASYNC_SESSION_FACTORY,
    "sqlalchemy.orm.scoped_session": Kind.SCOPED_SESSION,
    "sqlalchemy.orm.scoping.scoped_session": Kind.SCOPED_SESSION,
    "sqlalchemy.ext.asyncio.async_scoped_session": Kind.SCOPED_SESSION,
    "sqlalchemy.ext.asyncio.scoping.async_scoped_session": Kind.SCOPED_SESSION,
    "flask_sqlalchemy.SQLAlchemy": Kind.FLASK_SQLALCHEMY,
    "flask_sqlalchemy.extension.SQLAlchemy": Kind.FLASK_SQLALCHEMY,
    # SQLModel re-exports SQLAlchemy's engine functions and subclasses its sessions.
    "sqlmodel.create_engine": Kind.ENGINE,
    "sqlmodel.engine.create.create_engine": Kind.ENGINE,
    "sqlmodel.Session": Kind.SESSION,
    "sqlmodel.orm.session.Session": Kind.SESSION,
    "sqlmodel.ext.asyncio.session.AsyncSession": Kind.ASYNC_SESSION,
    "flask.Flask": Kind.WEB_APP,
    "flask.Blueprint": Kind.WEB_APP,
    "quart.Quart": Kind.WEB_APP,
    "quart.Blueprint": Kind.WEB_APP,
    "fastapi.FastAPI": Kind.WEB_APP,
    "fastapi.APIRouter": Kind.WEB_APP,
    "starlette.applications.Starlette": Kind.WEB_APP,
    "starlette.routing.Router": Kind.WEB_APP,
    "sanic.Sanic": Kind.WEB_APP,
    "sanic.Blueprint": Kind.WEB_APP,
}

# Type annotations that declare a kind (`engine: Engine`).
ANNOTATIONS: dict[str, Kind] = {
    "sqlalchemy.Engine": Kind.ENGINE,
    "sqlalchemy.engine.Engine": Kind.ENGINE,
    "sqlalchemy.engine.base.Engine": Kind.ENGINE,
    "sqlalchemy.ext.asyncio.AsyncEngine": Kind.ASYNC_ENGINE,
    "sqlalchemy.ext.asyncio.engine.AsyncEngine": Kind.ASYNC_ENGINE,
    "sqlalchemy.Connection": Kind.CONNECTION,
    "sqlalchemy.engine.Connection": Kind.CONNECTION,
    "sqlalchemy.engine.base.Connection": Kind.CONNECTION,
    "sqlalchemy.ext.asyncio.AsyncConnection": Kind.ASYNC_CONNECTION,
    "sqlalchemy.ext.asyncio.engine.AsyncConnection": Kind.ASYNC_CONNECTION,
    "sqlalchemy.orm.Session": Kind.SESSION,
    "sqlalchemy.orm.session.Session": Kind.SESSION,
    "sqlalchemy.ext.asyncio.AsyncSession": Kind.ASYNC_SESSION,
    "sqlalchemy.ext.asyncio.session.AsyncSession": Kind.ASYNC_SESSION,
    "sqlalchemy.orm.sessionmaker": Kind.SESSION_FACTORY,
    "sqlalchemy.orm.session.sessionmaker": Kind.SESSION_FACTORY,
    "sqlalchemy.ext.asyncio.async_sessionmaker": Kind.ASYNC_SESSION_FACTORY,
    "sqlalchemy.orm.scoped_session": Kind.SCOPED_SESSION,
    "sqlalchemy.orm.scoping.scoped_session": Kind.SCOPED_SESSION,
    "sqlalchemy.ext.asyncio.session.async_sessionmaker": Kind.ASYNC_SESSION_FACTORY,
    "sqlalchemy.ext.asyncio.async_scoped_session": Kind.SCOPED_SESSION,
    "sqlmodel.Session": Kind.SESSION,
    "sqlmodel.orm.session.Session": Kind.SESSION,
    "sqlmodel.ext.asyncio.session.AsyncSession": Kind.ASYNC_SESSION,
    "flask_sqlalchemy.SQLAlchemy": Kind.FLASK_SQLALCHEMY,
    "fastapi.FastAPI": Kind.WEB_APP,
    "fastapi.APIRouter": Kind.WEB_APP,
    "flask.Flask": Kind.WEB_APP,
    "flask.Blueprint": Kind.WEB_APP,
}

# Methods that produce a new object from a receiver of a known kind.
# (receiver kind, method) -> result kind.  `AsyncEngine.connect()` is only a
# connection once awaited or entered; the await is handled by the inference.
METHODS: dict[tuple[Kind, str], Kind] = {
    (Kind.ENGINE, "connect"): Kind.CONNECTION,
    (Kind.ENGINE, "raw_connection"): Kind.RAW_CONNECTION,
    (Kind.ENGINE, "execution_options"): Kind.ENGINE,
    (Kind.ASYNC_ENGINE, "connect"): Kind.ASYNC_CONNECTION,
    (Kind.ASYNC_ENGINE, "execution_options"): Kind.ASYNC_ENGINE,
    (Kind.SESSION_FACTORY, "begin"): Kind.SESSION,
    (Kind.ASYNC_SESSION_FACTORY, "begin"): Kind.ASYNC_SESSION,
    (Kind.FLASK_SQLALCHEMY, "get_engine"): Kind.ENGINE,
    # Flask-SQLAlchemy's own factories: a new registry, a new sessionmaker.
    (Kind.FLASK_SQLALCHEMY, "create_scoped_session"): Kind.SCOPED_SESSION,
    (Kind.FLASK_SQLALCHEMY, "create_session"): Kind.SESSION_FACTORY,
    (Kind.POOL, "connect"): Kind.RAW_CONNECTION,
}

# Methods that hand back an object the receiver keeps (the caller must not close it).
BORROWING_METHODS: dict[tuple[Kind, str], Kind] = {
    (Kind.SESSION, "connection"): Kind.CONNECTION,
    (Kind.ASYNC_SESSION, "connection"): Kind.ASYNC_CONNECTION,
    (Kind.SESSION, "get_bind"): Kind.ENGINE,
    (Kind.SCOPED_SESSION, "get_bind"): Kind.ENGINE,
}

# Methods whose result is the object they are called on, owned as it was (a
# connection's `execution_options()`; an engine's shares the engine's pool).
SAME_OBJECT_METHODS = frozenset({"execution_options"})

# Attributes that expose an object of a kind without creating a new resource.
ATTRIBUTES: dict[tuple[Kind, str], Kind] = {
    (Kind.FLASK_SQLALCHEMY, "engine"): Kind.ENGINE,
    (Kind.FLASK_SQLALCHEMY, "session"): Kind.SCOPED_SESSION,
    (Kind.ASYNC_ENGINE, "sync_engine"): Kind.ENGINE,
    (Kind.SESSION, "bind"): Kind.ENGINE,
    (Kind.CONNECTION, "connection"): Kind.RAW_CONNECTION,  # the DBAPI connection it wraps
    (Kind.CONNECTION, "engine"): Kind.ENGINE,
    (Kind.ENGINE, "pool"): Kind.POOL,
}
# Attributes holding a mapping of objects of a kind (`db.engines["users"]`).
MAPPING_ATTRIBUTES: dict[tuple[Kind, str], Kind] = {
    (Kind.FLASK_SQLALCHEMY, "engines"): Kind.ENGINE,
}

# Library functions that hand back an object someone else owns.
BORROWING_CALLS: dict[str, Kind] = {
    "alembic.op.get_bind": Kind.CONNECTION,
    "alembic.context.get_bind": Kind.CONNECTION,
}

# Calls that return their argument unchanged, as far as the analysis goes:
# name -> the position of the argument that is returned.
PASS_THROUGH_CALLS: dict[str, int] = {
    "typing.cast": 1,
    "typing_extensions.cast": 1,
}

# Decorators that make a generator function a context manager factory.
CONTEXT_MANAGER_DECORATORS = frozenset(
    {"contextlib.contextmanager", "contextlib.asynccontextmanager"}
)
# Decorators that make a function compute its result once (per argument set).
CACHE_DECORATORS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "async_lru.alru_cache",
        "pyramid.decorator.reify",
        # Streamlit keeps what these return across the reruns of the script.
        "streamlit.cache_resource",
        "streamlit.experimental_singleton",
        "streamlit.cache",
    }
)
# Decorators that make a function a pytest fixture: pytest calls it once per test.
FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})

# Methods that release a resource when called (or when handed over as a callback).
# `invalidate()` discards the DBAPI connection and frees its place in the pool too.
# Exception classes whose handler catches whatever a body raises (or nearly).
BROAD_EXCEPTIONS = frozenset({"Exception", "BaseException"})
# (`__exit__` / `__aexit__` called by hand close as a `with` block ends.)
CLOSE_METHODS = frozenset({"close", "aclose", "invalidate", "__exit__", "__aexit__"})
REGISTRY_RELEASE_METHODS = frozenset({"remove", "close"})  # a scoped_session registry
DISPOSE_METHODS = frozenset({"dispose"})
# Legacy `Query` methods that run the query on its session (the others build it).
QUERY_RUNNING_METHODS = frozenset(
    {"all", "first", "one", "one_or_none", "scalar", "count", "get", "delete", "update"}
    | {"paginate", "first_or_404", "get_or_404", "one_or_404"}
)

# Calls that take ownership of a resource passed to them.
OWNING_CALLS = frozenset(
    {
        "contextlib.closing",
        "contextlib.aclosing",
    }
)
# (`ExitStack`'s; click's `Context.with_resource()` / asyncclick's `with_async_resource()`
# enter a context manager and exit it when the command's context closes.)
OWNING_METHODS = frozenset(
    {
        "enter_context",
        "enter_async_context",
        "push",
        "push_async_exit",
        "with_resource",
        "with_async_resource",
    }
)
# Container methods that store a value somewhere that outlives the statement.
STORING_METHODS = frozenset(
    {
        "append", "add", "extend", "insert", "put", "put_nowait", "setdefault", "appendleft",
        # A holder's setter: a `ContextVar`'s, a proxy's (`engine.set(engine_obj)`), a
        # future's result.
        "set", "set_result",
    }
)  # fmt: skip

# SQLAlchemy's (and SQLModel's) `select()`.
SELECT_FUNCTIONS = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlmodel.select"})

# Framework modules whose presence makes route-like decorators trustworthy.
WEB_FRAMEWORK_MODULES = ("flask", "quart", "fastapi", "starlette", "sanic", "django", "litestar")

# Dialects SQLAlchemy (or a well-known third-party dialect) connects to: the part of a
# database URL's scheme before `+driver` (SQA302 checks settings holding such URLs).
DATABASE_DIALECTS = frozenset(
    {
        "postgresql",
        "postgres",
        "mysql",
        "mariadb",
        "sqlite",
        "oracle",
        "mssql",
        "cockroachdb",
        "redshift",
        "snowflake",
        "firebird",
        "sybase",
        "db2",
        "ibm_db_sa",
        "clickhouse",
        "trino",
        "presto",
        "hana",
        "teradatasql",
        "vertica",
        "databricks",
        "awsathena",
    }
)

# `URL.create(...)`, whose `password=` argument is checked for literals (SQA302).
URL_CREATE = frozenset(
    {
        "sqlalchemy.URL.create",
        "sqlalchemy.engine.URL.create",
        "sqlalchemy.engine.url.URL.create",
    }
)


# Where outside input enters a program: web frameworks' request objects, the command
# line, the terminal.
INPUT_OBJECTS = frozenset(
    {"flask.request", "quart.request", "bottle.request", "sys.argv", "sys.stdin"}
)
