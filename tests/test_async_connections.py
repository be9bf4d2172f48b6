"""`async_engine.connect()` without `await` returns an AsyncConnection that holds no
connection until it is awaited, started or entered. Such a connection that is never
started cannot leak; one started later can, but its fix must not be the usual
`async with` (entering it starts it, and a second start raises)."""

from __future__ import annotations

import asyncio
import importlib.util
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import exc, select

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.semantic import ProjectIndex

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
"""

QUERY = "(await conn.execute(select(1))).scalar()"
CASES = {
    # (function body, reported?)
    "never-started": ("conn = engine.connect()\nconn.begin\nreturn 1", False),
    "bare": ("engine.connect()\nreturn 1", False),
    "awaited": (f"conn = await engine.connect()\nreturn {QUERY}", True),
    "started-later": (f"conn = engine.connect()\nawait conn.start()\nreturn {QUERY}", True),
    "awaited-later": (f"conn = engine.connect()\nawait conn\nreturn {QUERY}", True),
    "entered-later": (f"conn = engine.connect()\nasync with conn:\n    return {QUERY}", False),
    # Captured by a closure: followed as any resource, and a closure takes it over.
    "started-in-a-closure": (
        f"conn = engine.connect()\nasync def go():\n    await conn\n    return {QUERY}\n"
        "return await go()",
        False,
    ),
}


def _module(body: str) -> str:
    return HEADER + "\n\nasync def run():\n" + textwrap.indent(body, "    ") + "\n"


@pytest.mark.parametrize("name", list(CASES))
def test_only_a_started_connection_is_reported(name: str, tmp_path: Path) -> None:
    body, reported = CASES[name]
    result = check_source(_module(body), tmp_path / "jobs.py", project=ProjectIndex())
    codes = [d.code for d in result.diagnostics]
    assert codes == (["SQA101"] if reported else []), codes


@pytest.mark.parametrize("name", ["started-later", "awaited-later"])
def test_a_connection_started_later_gets_no_fix(name: str, tmp_path: Path) -> None:
    body, _ = CASES[name]
    result = check_source(_module(body), tmp_path / "jobs.py", project=ProjectIndex())
    (diagnostic,) = result.diagnostics
    assert diagnostic.fix is None


def test_an_awaited_connection_gets_the_async_with_fix(tmp_path: Path) -> None:
    body, _ = CASES["awaited"]
    result = check_source(_module(body), tmp_path / "jobs.py", project=ProjectIndex())
    (diagnostic,) = result.diagnostics
    assert diagnostic.fix is not None


@pytest.mark.skipif(
    importlib.util.find_spec("aiosqlite") is None, reason="needs aiosqlite and greenlet"
)
def test_why_no_fix_entering_a_started_connection_raises() -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    async def started_later_then_entered() -> None:
        engine = create_async_engine("sqlite+aiosqlite://")
        try:
            async with engine.connect() as conn:  # what the usual fix would write
                await conn.start()
                await conn.execute(select(1))
        finally:
            await engine.dispose()

    with pytest.raises(exc.InvalidRequestError, match="already started"):
        asyncio.run(started_later_then_entered())
