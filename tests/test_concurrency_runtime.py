"""SQA109 against a real SQLite database (aiosqlite): coroutines the rule reports
fail with SQLAlchemy's concurrency error, and the form it suggests (a session per
coroutine) runs."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exc

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.concurrent_session_use import ConcurrentSessionUse

COMMON = """
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine(URL)
SessionLocal = async_sessionmaker(engine)

async def load(session, i):
    return (await session.execute(text(f"SELECT {i}"))).scalar()
"""

SHARED = {
    "gather over a comprehension": """
async def run(session: AsyncSession):
    return await asyncio.gather(*(load(session, i) for i in range(5)))
""",
    "gather of two calls": """
async def run(session: AsyncSession):
    return await asyncio.gather(load(session, 1), load(session, 2))
""",
}

OWN = """
async def own(i):
    async with SessionLocal() as session:
        return await load(session, i)

async def run(session: AsyncSession):
    return await asyncio.gather(*(own(i) for i in range(5)))
"""


def _namespace(source: str, tmp_path: Path) -> dict[str, Any]:
    namespace: dict[str, Any] = {"URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"}
    exec(compile(source, "<example>", "exec"), namespace)
    return namespace


async def _call(namespace: dict[str, Any]) -> Any:
    try:
        async with namespace["SessionLocal"]() as session:
            try:
                return await namespace["run"](session)
            finally:
                await asyncio.sleep(0.2)  # let the other coroutines settle before closing
    finally:
        await namespace["engine"].dispose()


@pytest.mark.parametrize("case", list(SHARED))
def test_shared_session_fails_at_run_time_and_is_reported(case: str, tmp_path: Path) -> None:
    source = COMMON + SHARED[case]
    assert [d.code for d in check_source(source, rules=[ConcurrentSessionUse]).diagnostics] == [
        "SQA109"
    ]
    with pytest.raises((exc.InvalidRequestError, exc.IllegalStateChangeError)):
        asyncio.run(_call(_namespace(source, tmp_path)))


def test_a_session_per_coroutine_runs_and_is_not_reported(tmp_path: Path) -> None:
    source = COMMON + OWN
    assert check_source(source, rules=[ConcurrentSessionUse]).diagnostics == []
    assert asyncio.run(_call(_namespace(source, tmp_path))) == [0, 1, 2, 3, 4]


THREADS_COMMON = """
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from sqlalchemy import Column, Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id = Column(Integer, primary_key=True)
    name = Column(String)


engine = create_engine(URL)
Base.metadata.create_all(engine)
SessionLocal = sessionmaker(bind=engine)
"""

THREADS_SHARED = """
def save(session, n):
    session.add(Item(name=str(n)))
    session.flush()
    return session.scalar(select(Item.id).where(Item.name == str(n)))

def run(session: Session, count):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(partial(save, session), range(count)))  # SHARED
    session.commit()
"""

THREADS_OWN = """
def save(factory, n):
    with factory() as session:
        session.add(Item(name=str(n)))
        session.commit()

def run(session: Session, count):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(partial(save, SessionLocal), range(count)))
"""


def _thread_errors(tmp_path: Path, code: str, trials: int) -> list[str]:
    errors = []
    for trial in range(trials):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir(parents=True)
        namespace: dict[str, Any] = {"URL": f"sqlite:///{folder / 'app.db'}"}
        exec(compile(THREADS_COMMON + code, "<app>", "exec"), namespace)
        with namespace["Session"](namespace["engine"]) as session:
            try:
                namespace["run"](session, 200)
            except Exception as exc:  # the shared session's state breaks
                errors.append(f"{type(exc).__name__}: {exc}")
        namespace["engine"].dispose()
    return errors


def test_a_session_mapped_over_a_thread_pool_breaks_and_own_sessions_do_not(
    tmp_path: Path,
) -> None:
    reported = check_source(
        "URL = 'sqlite://'\n" + THREADS_COMMON + THREADS_SHARED, rules=[ConcurrentSessionUse]
    )
    lines = (THREADS_COMMON + THREADS_SHARED).splitlines()
    shared_line = next(i for i, line in enumerate(lines, 1) if "# SHARED" in line)
    assert [d.span.start.line - 1 for d in reported.diagnostics] == [shared_line]
    # A race: it shows within a few runs of 200 items on 8 threads (every run, here).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy warns of add() during a flush
        assert _thread_errors(tmp_path / "shared", THREADS_SHARED, trials=5)
    own = check_source(
        "URL = 'sqlite://'\n" + THREADS_COMMON + THREADS_OWN, rules=[ConcurrentSessionUse]
    )
    assert own.diagnostics == []
    assert _thread_errors(tmp_path / "own", THREADS_OWN, trials=2) == []
