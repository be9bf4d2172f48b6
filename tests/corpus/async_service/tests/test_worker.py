from unittest import mock

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ingest import worker
from ingest.models import Event, Source


async def test_store_and_count(engine, source_rows):
    async with AsyncSession(engine) as s:
        s.add(Source(id=1, name="crm", dsn="sqlite+aiosqlite://", query="SELECT 1"))
        s.add_all([Event(source_id=1, external_id=str(r["id"]), payload=r) for r in source_rows])
        await s.commit()
        assert await s.scalar(select(func.count(Event.id))) == 3


async def test_session_fixture_isolated(session):
    assert await session.scalar(select(func.count(Event.id))) == 0


async def test_run_stops_immediately():
    stop = mock.Mock()
    stop.is_set.return_value = True
    await worker.run(stop)
