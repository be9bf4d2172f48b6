from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .db import AsyncSessionLocal
from .models import Checkpoint, Event, Source


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, source_id: int, rows: Sequence[Dict[str, Any]]) -> int:
        if not rows:
            return 0
        stmt = (
            pg_insert(Event)
            .values([{"source_id": source_id, "external_id": str(r["id"]), "payload": r} for r in rows])
            .on_conflict_do_nothing(index_elements=["source_id", "external_id"])
        )
        result = await self.session.execute(stmt)
        return result.rowcount or 0

    async def count_for_source(self, source_id: int) -> int:
        return await self.session.scalar(
            select(func.count(Event.id)).where(Event.source_id == source_id)
        ) or 0

    async def latest(self, limit: int = 50) -> List[Event]:
        result = await self.session.scalars(select(Event).order_by(Event.id.desc()).limit(limit))
        return list(result)

    async def close(self) -> None:
        await self.session.close()


class SourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enabled(self) -> List[Source]:
        result = await self.session.scalars(select(Source).where(Source.enabled.is_(True)))
        return list(result)

    async def get(self, source_id: int) -> Optional[Source]:
        return await self.session.get(Source, source_id)

    async def checkpoint(self, source_id: int) -> Optional[str]:
        cp = await self.session.get(Checkpoint, source_id)
        return cp.position if cp else None


def open_event_repository() -> EventRepository:
    """Repository with a private session; callers must await repo.close()."""
    return EventRepository(AsyncSessionLocal())
