"""The fixes run: leaky code leaks against a real database, the fixed code does not,
and both compute the same thing.

Each example is executed twice against a file-based SQLite database whose
engine uses a `QueuePool`, so that checked-out connections can be counted: once
as written, once after its fix is applied. The count is taken when the
function's frame exits (a profile hook sees the `return` event while the frame's
locals are still alive), so reference counting cannot hide a leak by closing an
unreferenced connection on the way out.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import Pool, QueuePool

from sqlalchemy_lint.diagnostics import Applicability
from sqlalchemy_lint.fixes import apply_edits, module_level_engine_fix, with_block_fix
from sqlalchemy_lint.fixes.edits import span_from_offsets
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.semantic import ProjectIndex

ITEMS = [(1, "apple"), (2, "banana"), (3, "cherry")]


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'items.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(
            text("INSERT INTO items (id, name) VALUES (:id, :name)"),
            [{"id": i, "name": n} for i, n in ITEMS],
        )
    engine.dispose()
    return url


@pytest.fixture(autouse=True)
def no_garbage_collection() -> Iterator[None]:
    """Cycles between a connection and its pool record would otherwise be
    collected at random moments, returning leaked connections to the pool."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@dataclass
class Outcome:
    value: Any  # the return value, or the exception raised
    open_at_exit: int  # connections checked out when the function's frame exited


def queue_pool(pool: Pool) -> QueuePool:
    assert isinstance(pool, QueuePool)  # the pool that counts its checkouts
    return pool


def run_measured(
    pool: QueuePool, function: Callable[..., Any], *args: Any, measured: CodeType | None = None
) -> Outcome:
    """Call `function`; count what is checked out when `measured` (by default
    the function itself) exits for the last time."""
    code = function.__code__ if measured is None else measured
    seen: list[int] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        # Generators and coroutines "return" at each suspension; the last one counts.
        if event == "return" and frame.f_code is code:
            seen.append(pool.checkedout())

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        value = function(*args)
        if asyncio.iscoroutine(value):
            value = asyncio.run(value)
    except Exception as error:
        value = error
    finally:
        sys.setprofile(previous)
    assert seen, f"{function.__name__} never returned"
    return Outcome(value, seen[-1])


def load(source: str, **names: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {"text": text, **names}
    exec(compile(source, "<example>", "exec"), namespace)
    return namespace


def fixed_source(source: str, call: str, *, is_async: bool = False, noun: str) -> str:
    start = source.index(call)
    span = span_from_offsets(source, start, start + len(call))
    fix = with_block_fix(source, span, is_async=is_async, noun=noun)
    assert fix is not None, "no fix offered"
    assert fix.applicability is Applicability.SAFE
    return apply_edits(source, fix.edits)


def same(a: object, b: object) -> bool:
    if isinstance(a, BaseException) and isinstance(b, BaseException):
        return type(a) is type(b) and a.args == b.args
    return a == b


@dataclass(frozen=True)
class SyncExample:
    id: str
    source: str  # defines `run(engine_or_factory)`
    call: str
    noun: str = "connection"
    uses_session_factory: bool = False
    expected: object = None


SYNC_EXAMPLES = [
    SyncExample(
        "connection-with-lazy-result",
        """
def run(engine):
    conn = engine.connect()
    result = conn.execute(text("SELECT name FROM items ORDER BY id"))
    names = [row.name for row in result]
    return names
""",
        "engine.connect()",
        expected=["apple", "banana", "cherry"],
    ),
    SyncExample(
        "session-from-sessionmaker",
        """
def run(SessionLocal):
    session = SessionLocal()
    count = session.execute(text("SELECT count(*) FROM items")).scalar_one()
    return count
""",
        "SessionLocal()",
        noun="session",
        uses_session_factory=True,
        expected=3,
    ),
    SyncExample(
        "chained-execute",
        """
def run(engine):
    return engine.connect().execute(text("SELECT id FROM items ORDER BY id")).scalars().all()
""",
        "engine.connect()",
        expected=[1, 2, 3],
    ),
    SyncExample(
        "chained-lazy-result-read-later",
        """
def run(engine):
    result = engine.connect().execute(text("SELECT name FROM items ORDER BY id"))
    first = result.first()
    return first.name
""",
        "engine.connect()",
        expected="apple",
    ),
    SyncExample(
        "read-via-helper-consumer",
        """
def read_rows(query, connection):
    return [tuple(row) for row in connection.execute(query)]

def run(engine):
    rows = read_rows(text("SELECT id, name FROM items ORDER BY id"), engine.connect())
    return rows
""",
        "engine.connect()",
        expected=ITEMS,
    ),
    SyncExample(
        "explicit-close-skipped-by-an-exception",
        """
def run(engine):
    conn = engine.connect()
    count = conn.execute(text("SELECT count(*) FROM items")).scalar_one()
    if count < 10:
        raise ValueError("too few items", count)
    conn.close()
    return count
""",
        "engine.connect()",
        expected=ValueError("too few items", 3),
    ),
    SyncExample(
        "try-finally-after-a-failing-statement",
        """
def run(engine):
    conn = engine.connect()
    conn.execute(text("SELECT missing_column FROM items"))
    try:
        return conn.execute(text("SELECT 1")).scalar_one()
    finally:
        conn.close()
""",
        "engine.connect()",
    ),
]


@pytest.mark.parametrize("example", SYNC_EXAMPLES, ids=lambda example: example.id)
def test_fixed_code_releases_what_the_original_leaks(example: SyncExample, database: str) -> None:
    def argument() -> tuple[QueuePool, Engine | sessionmaker[Session]]:
        engine = create_engine(database, poolclass=QueuePool)
        factory = sessionmaker(engine) if example.uses_session_factory else engine
        return queue_pool(engine.pool), factory

    pool, original_argument = argument()
    original = run_measured(pool, load(example.source)["run"], original_argument)
    assert original.open_at_exit > 0, "the original example does not leak"

    fixed_code = fixed_source(example.source, example.call, noun=example.noun)
    pool, fixed_argument = argument()
    fixed = run_measured(pool, load(fixed_code)["run"], fixed_argument)
    assert fixed.open_at_exit == 0, fixed_code
    assert pool.checkedout() == 0

    assert same(original.value, fixed.value)
    if example.expected is not None:
        assert same(fixed.value, example.expected)
    elif example.id == "try-finally-after-a-failing-statement":
        assert type(fixed.value).__name__ == "OperationalError"


GENERATOR_DEPENDENCY = """
def get_db():
    db = SessionLocal()
    yield db
    db.close()
"""


def test_generator_dependency_closes_when_the_request_fails(database: str) -> None:
    """Like FastAPI, throw the request's exception into the dependency."""

    def request(namespace: dict[str, Any]) -> Outcome:
        get_db = namespace["get_db"]
        dependency = get_db()

        def serve() -> object:
            db = next(dependency)
            db.execute(text("SELECT 1"))
            try:
                dependency.throw(RuntimeError("handler failed"))
            except RuntimeError as error:
                return error
            raise AssertionError("the dependency swallowed the error")

        pool = namespace["SessionLocal"].kw["bind"].pool
        return run_measured(pool, serve, measured=get_db.__code__)

    def session_factory() -> sessionmaker[Session]:
        return sessionmaker(bind=create_engine(database, poolclass=QueuePool))

    original = request(load(GENERATOR_DEPENDENCY, SessionLocal=session_factory()))
    assert original.open_at_exit > 0
    fixed_code = fixed_source(GENERATOR_DEPENDENCY, "SessionLocal()", noun="session")
    fixed = request(load(fixed_code, SessionLocal=session_factory()))
    assert fixed.open_at_exit == 0
    assert same(original.value, fixed.value)


ENGINE_PER_CALL = """
from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool

URL = DATABASE_URL


def run():
    engine = create_engine(URL, poolclass=QueuePool)
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM items")).scalar_one()
"""


def test_module_level_engine_is_created_once(database: str) -> None:
    created: list[Engine] = []

    def counting_create_engine(*args: Any, **kwargs: Any) -> Engine:
        engine = create_engine(*args, **kwargs)
        created.append(engine)
        return engine

    def load_counting(source: str) -> dict[str, Any]:
        namespace = load(source, DATABASE_URL=database)
        namespace["create_engine"] = counting_create_engine  # after its import ran
        return namespace

    original = load_counting(ENGINE_PER_CALL)
    assert [original["run"](), original["run"]()] == [3, 3]
    assert len(created) == 2

    start = ENGINE_PER_CALL.index("create_engine(URL")
    call = "create_engine(URL, poolclass=QueuePool)"
    fix = module_level_engine_fix(
        ENGINE_PER_CALL, span_from_offsets(ENGINE_PER_CALL, start, start + len(call))
    )
    assert fix is not None
    assert fix.applicability is Applicability.SAFE
    fixed_code = apply_edits(ENGINE_PER_CALL, fix.edits)
    created.clear()
    # Executing the module creates the engine (through the real create_engine,
    # since the import rebinds it): count calls made by `run` only.
    fixed = load_counting(fixed_code)
    assert [fixed["run"](), fixed["run"]()] == [3, 3]
    assert created == []
    assert fixed["engine"].pool.checkedout() == 0


# --- async, through aiosqlite ---------------------------------------------------

HAS_AIOSQLITE = (
    importlib.util.find_spec("aiosqlite") is not None
    and importlib.util.find_spec("greenlet") is not None
)
needs_aiosqlite = pytest.mark.skipif(not HAS_AIOSQLITE, reason="needs aiosqlite and greenlet")


@dataclass(frozen=True)
class AsyncExample:
    id: str
    source: str
    call: str
    noun: str
    expected: object


ASYNC_EXAMPLES = [
    AsyncExample(
        "async-connection",
        """
async def run(engine):
    conn = await engine.connect()
    result = await conn.execute(text("SELECT name FROM items ORDER BY id"))
    names = result.scalars().all()
    return names
""",
        "engine.connect()",
        "connection",
        ["apple", "banana", "cherry"],
    ),
    AsyncExample(
        "async-session-closed-too-late",
        """
async def run(engine):
    session = AsyncSession(engine)
    count = (await session.execute(text("SELECT count(*) FROM items"))).scalar_one()
    if count:
        raise LookupError(count)
    await session.close()
""",
        "AsyncSession(engine)",
        "session",
        LookupError(3),
    ),
]


@needs_aiosqlite
# The original examples leak on purpose; SQLAlchemy warns when it reclaims them.
@pytest.mark.filterwarnings("ignore:The garbage collector is trying to clean up")
@pytest.mark.parametrize("example", ASYNC_EXAMPLES, ids=lambda example: example.id)
def test_async_fixed_code_releases_what_the_original_leaks(
    example: AsyncExample, database: str
) -> None:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
    from sqlalchemy.pool import AsyncAdaptedQueuePool

    async_url = database.replace("sqlite:", "sqlite+aiosqlite:", 1)

    def engine() -> AsyncEngine:
        return create_async_engine(async_url, poolclass=AsyncAdaptedQueuePool)

    original_engine = engine()
    original = run_measured(
        queue_pool(original_engine.sync_engine.pool),
        load(example.source, AsyncSession=AsyncSession)["run"],
        original_engine,
    )
    assert original.open_at_exit > 0

    fixed_code = fixed_source(example.source, example.call, is_async=True, noun=example.noun)
    fixed_engine = engine()
    fixed = run_measured(
        queue_pool(fixed_engine.sync_engine.pool),
        load(fixed_code, AsyncSession=AsyncSession)["run"],
        fixed_engine,
    )
    assert fixed.open_at_exit == 0, fixed_code
    assert same(original.value, fixed.value)
    assert same(fixed.value, example.expected)


@needs_aiosqlite
@pytest.mark.filterwarnings("ignore:The garbage collector is trying to clean up")
@pytest.mark.parametrize("name", ["engine", "async_engine"])
def test_an_untyped_engine_whose_connect_is_awaited_gets_async_with(
    name: str, database: str, tmp_path: Path
) -> None:
    # The whole path, from the analysis deciding the kind to the fix: only an
    # AsyncEngine's connect() can be awaited, so the fix must be `async with`
    # (a plain `with` on an AsyncConnection raises at run time).
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import AsyncAdaptedQueuePool

    source = f"""from sqlalchemy import text


async def run({name}):
    conn = await {name}.connect()
    result = await conn.execute(text("SELECT name FROM items ORDER BY id"))
    return result.scalars().all()
"""
    fixed = fix_source(source, tmp_path / "jobs.py", project=ProjectIndex())
    assert fixed.applied == 1 and f"async with {name}.connect() as conn:" in fixed.source
    engine = create_async_engine(
        database.replace("sqlite:", "sqlite+aiosqlite:", 1), poolclass=AsyncAdaptedQueuePool
    )
    outcome = run_measured(queue_pool(engine.sync_engine.pool), load(fixed.source)["run"], engine)
    assert outcome.open_at_exit == 0, fixed.source
    assert outcome.value == ["apple", "banana", "cherry"]
