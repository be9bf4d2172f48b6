"""Health and diagnostics probes, used by the /health endpoint and the ops CLI."""
import asyncio
import logging
from contextlib import AsyncExitStack
from typing import Dict, Optional

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from .db import engine

log = logging.getLogger(__name__)


async def check_database(timeout: float = 2.0) -> bool:
    try:
        async with engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout)
        return True
    except (SQLAlchemyError, asyncio.TimeoutError):
        log.warning("database health check failed", exc_info=True)
        return False


async def replication_lag() -> Optional[float]:
    conn = await engine.connect()
    try:
        result = await conn.execute(
            text("SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())")
        )
        return result.scalar()
    finally:
        await conn.close()


async def database_size() -> int:
    conn = await engine.connect()  # expect: SQA104
    result = await conn.execute(text("SELECT pg_database_size(current_database())"))
    size = result.scalar_one()
    await conn.close()
    return size


async def open_connections() -> int:
    conn = await engine.connect()  # expect: SQA101
    result = await conn.execute(text("SELECT count(*) FROM pg_stat_activity"))
    return result.scalar_one()


async def compare_clocks(engines: Dict[str, AsyncEngine]) -> Dict[str, float]:
    """Clock skew between the primary and every other engine, in seconds."""
    async with AsyncExitStack() as stack:
        primary = await stack.enter_async_context(engine.connect())
        others = {name: await stack.enter_async_context(e.connect()) for name, e in engines.items()}
        base = (await primary.execute(text("SELECT extract(epoch FROM clock_timestamp())"))).scalar_one()
        skew = {}
        for name, conn in others.items():
            ts = (await conn.execute(text("SELECT extract(epoch FROM clock_timestamp())"))).scalar_one()
            skew[name] = float(ts - base)
    return skew


async def lock_waits(threshold: int = 5) -> int:
    conn = None
    try:
        conn = await engine.connect()
        result = await conn.execute(
            text("SELECT count(*) FROM pg_locks WHERE NOT granted"),
        )
        waiting = result.scalar_one()
        if waiting > threshold:
            log.warning("%d sessions waiting on locks", waiting)
        return waiting
    except DBAPIError:
        log.exception("could not read pg_locks")
        return -1
    finally:
        if conn is not None:
            await conn.close()
