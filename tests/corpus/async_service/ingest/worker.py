"""Polling worker.

For every enabled source the worker connects to the upstream database, pulls
rows newer than the stored checkpoint and writes them into the events table.
"""
import asyncio
import logging
from typing import Any, Dict, List, Optional

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from .db import AsyncSessionLocal, engine
from .models import Checkpoint, Event, Source
from .repositories import SourceRepository
from .settings import settings

log = logging.getLogger(__name__)


async def load_enabled_sources() -> List[Source]:
    async with AsyncSessionLocal() as session:
        return await SourceRepository(session).enabled()


async def load_checkpoint(source_id: int) -> Optional[str]:
    async with AsyncSessionLocal() as session:
        cp = await session.get(Checkpoint, source_id)
        return cp.position if cp else None


async def _fetch_new_rows(conn: AsyncConnection, source: Source, after: Optional[str]) -> List[Dict[str, Any]]:
    result = await conn.execute(
        text(source.query),
        {"after": after or "", "limit": settings.batch_size},
    )
    return [dict(r) for r in result.mappings()]


async def store_events(source_id: int, rows: List[Dict[str, Any]]) -> None:
    session = AsyncSession(engine)  # expect: SQA102
    session.add_all(
        [Event(source_id=source_id, external_id=str(r["id"]), payload=r) for r in rows]
    )
    await session.commit()


async def update_checkpoint(source_id: int, position: str) -> None:
    session = AsyncSessionLocal()  # expect: SQA104
    try:
        cp = await session.get(Checkpoint, source_id)
        if cp is None:
            session.add(Checkpoint(source_id=source_id, position=position))
        else:
            cp.position = position
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise
    await session.close()


async def poll_sources_forever(stop: asyncio.Event) -> None:
    """Legacy poller, still used by the --legacy flag."""
    while not stop.is_set():
        for source in await load_enabled_sources():
            remote = create_async_engine(source.dsn, pool_size=1, max_overflow=0)  # expect: SQA103
            after = await load_checkpoint(source.id)
            async with remote.connect() as conn:
                rows = await _fetch_new_rows(conn, source, after)
            if rows:
                await store_events(source.id, rows)
                await update_checkpoint(source.id, str(rows[-1]["id"]))
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.poll_interval)
        except asyncio.TimeoutError:
            pass


async def poll_once(source: Source) -> int:
    """Poll a single source; the engine lives only for this call."""
    remote = create_async_engine(source.dsn, poolclass=NullPool)
    try:
        after = await load_checkpoint(source.id)
        async with remote.connect() as conn:
            rows = await _fetch_new_rows(conn, source, after)
    finally:
        await remote.dispose()
    if not rows:
        return 0
    async with AsyncSessionLocal() as session:
        async with session.begin():
            session.add_all(
                [Event(source_id=source.id, external_id=str(r["id"]), payload=r) for r in rows]
            )
    await update_checkpoint(source.id, str(rows[-1]["id"]))
    return len(rows)


async def run(stop: asyncio.Event) -> None:
    while not stop.is_set():
        sources = await load_enabled_sources()
        for source in sources:
            try:
                n = await poll_once(source)
                log.info("source %s: %d new events", source.name, n)
            except SQLAlchemyError:
                log.exception("polling %s failed", source.name)
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.poll_interval)
        except asyncio.TimeoutError:
            pass


async def backfill(sources: List[Source]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for source in sources:
        remote = create_async_engine(source.dsn, poolclass=NullPool)
        try:
            async with remote.connect() as conn:
                result = await conn.execute(text("SELECT count(*) FROM events_outbox"))
                counts[source.name] = result.scalar_one()
        finally:
            await remote.dispose()
    return counts
