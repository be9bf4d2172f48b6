"""SQA109 against a real SQLite database (aiosqlite): coroutines the rule reports
fail with SQLAlchemy's concurrency error, and the form it suggests (a session per
coroutine) runs."""

from __future__ import annotations

import asyncio
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
