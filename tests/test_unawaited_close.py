"""`session.close()` on an AsyncSession, written as a statement of its own, only makes
a coroutine: nothing runs it, and the session keeps its connection checked out. The
checker does not count it as a close (SQA102, SQA101), and says why. So for the async
factory written as SQLAlchemy 1.4 documented it, `sessionmaker(class_=AsyncSession)`.
"""

from __future__ import annotations

import asyncio
import textwrap
import warnings
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.semantic import ProjectIndex

DATABASE = """
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = sessionmaker(bind=engine, class_=AsyncSession, expire_on_commit=False)
"""


def _findings(body: str, tmp_path: Path) -> list[tuple[int, str, str]]:
    path = tmp_path / "routes.py"
    source = textwrap.dedent(DATABASE) + textwrap.dedent(body)
    result = check_source(source, path, project=ProjectIndex())
    assert result.problem is None
    return [(d.line, d.code, d.message) for d in result.diagnostics]


def test_a_dependency_whose_close_is_not_awaited(tmp_path: Path) -> None:
    findings = _findings(
        """
        def get_db():
            db = SessionLocal()
            try:
                yield db
            finally:
                db.close()
        """,
        tmp_path,
    )
    ((line, code, message),) = findings
    assert (line, code) == (9, "SQA102")
    assert "Async session" in message
    assert "`db.close()` is not awaited" in message
    assert "`async with SessionLocal() as db:`" in message


@pytest.mark.parametrize(
    "close",
    [
        "await db.close()",
        "await asyncio.gather(db.close())",
        "asyncio.get_event_loop().run_until_complete(db.close())",
    ],
)
def test_a_close_that_runs(close: str, tmp_path: Path) -> None:
    body = f"""
    import asyncio


    async def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            {close}
    """
    assert _findings(body, tmp_path) == []


def test_an_async_connection_closed_without_await(tmp_path: Path) -> None:
    findings = _findings(
        """
        async def count():
            conn = await engine.connect()
            await conn.exec_driver_sql("select 1")
            conn.close()
        """,
        tmp_path,
    )
    ((_, code, message),) = findings
    assert code == "SQA101"
    assert "`conn.close()` is not awaited" in message


def test_a_sync_session_s_close_is_a_close(tmp_path: Path) -> None:
    body = """
    from sqlalchemy.orm import Session


    def get_db():
        db = Session(engine.sync_engine)
        try:
            yield db
        finally:
            db.close()
    """
    assert _findings(body, tmp_path) == []


def test_the_close_that_is_not_awaited_leaves_the_connection_checked_out(
    tmp_path: Path,
) -> None:
    async def scenario() -> tuple[int, int]:
        # A database file: its engine pools connections (an in-memory one shares one).
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
        factory = sessionmaker(bind=engine, class_=AsyncSession)
        db = factory()
        await db.execute(text("select 1"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "never awaited"
            db.close()  # as in the dependency above
        left = engine.sync_engine.pool.checkedout()
        await db.close()
        closed = engine.sync_engine.pool.checkedout()
        await engine.dispose()
        return left, closed

    assert asyncio.run(scenario()) == (1, 0)


def test_a_session_a_generator_hands_out_gets_no_with_fix(tmp_path: Path) -> None:
    # `async with anext(gen) as db:` would not even run (no `await`, and what
    # `anext()` gives is no context manager): the generator's cleanup closes the
    # session, so the message says to close the generator, and no fix is offered.
    source = textwrap.dedent(DATABASE) + textwrap.dedent(
        """
        async def get_db():
            async with SessionLocal() as session:
                yield session


        async def job():
            db_generator = get_db()
            db = await anext(db_generator)
            await db.connection()  # (a session that only commits takes no connection)
        """
    )
    result = check_source(source, tmp_path / "jobs.py", project=ProjectIndex(), with_fixes=True)
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "SQA102"
    assert "`await gen.aclose()` in a `finally`" in diagnostic.message
    assert "async with anext" not in diagnostic.message
    assert diagnostic.fix is None
