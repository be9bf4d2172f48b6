"""HTTP API exposing ingested events and source management."""
from typing import List

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from .db import AsyncSessionLocal, dispose_engine, engine, get_session
from .models import Checkpoint, Event, Source
from .repositories import EventRepository, SourceRepository

router = APIRouter()


@router.get("/sources")
async def list_sources():
    async with AsyncSessionLocal() as s:
        sources = await SourceRepository(s).enabled()
    return [{"id": src.id, "name": src.name, "last_polled_at": src.last_polled_at} for src in sources]


@router.get("/sources/{source_id}/stats")
async def source_stats(source_id: int):
    session = AsyncSessionLocal()  # expect: SQA102
    count = await session.scalar(select(func.count(Event.id)).where(Event.source_id == source_id))
    last = await session.scalar(select(func.max(Event.received_at)).where(Event.source_id == source_id))
    return {"source_id": source_id, "events": count, "last_event_at": last}


@router.post("/sources/{source_id}/test")
async def test_source(source_id: int, session: AsyncSession = Depends(get_session)):
    source = await session.get(Source, source_id)
    if source is None:
        raise HTTPException(status_code=404, detail="unknown source")
    probe = create_async_engine(source.dsn, pool_size=1, max_overflow=0)  # expect: SQA103
    try:
        async with probe.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return {"ok": False, "error": str(exc)}
    finally:
        await probe.dispose()
    return {"ok": True}


@router.get("/events/recent")
async def recent_events(limit: int = 100):
    conn = await engine.connect()  # expect: SQA101
    result = await conn.execute(
        select(Event.id, Event.source_id, Event.external_id, Event.received_at)
        .order_by(Event.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in result.mappings()]


@router.get("/events/{event_id}")
async def get_event(event_id: int, session: AsyncSession = Depends(get_session)):
    event = await session.get(Event, event_id)
    if event is None:
        raise HTTPException(status_code=404, detail="event not found")
    return {"id": event.id, "source_id": event.source_id, "payload": event.payload}


@router.get("/events")
async def latest_events(limit: int = 50) -> List[dict]:
    async with AsyncSessionLocal.begin() as session:
        events = await EventRepository(session).latest(limit)
        return [{"id": e.id, "external_id": e.external_id} for e in events]


@router.post("/checkpoints/{source_id}/reset")
async def reset_checkpoint(source_id: int):
    session = AsyncSessionLocal()  # expect: SQA104
    await session.execute(delete(Checkpoint).where(Checkpoint.source_id == source_id))
    await session.commit()
    await session.close()
    return {"status": "reset"}


@router.get("/pool")
async def pool_status():
    async with engine.connect() as conn:
        backends = await conn.scalar(text("SELECT count(*) FROM pg_stat_activity"))
    return {"pool": engine.pool.status(), "backends": backends}


def create_app() -> FastAPI:
    app = FastAPI(title="ingest")
    app.include_router(router)
    app.add_event_handler("shutdown", dispose_engine)
    return app
