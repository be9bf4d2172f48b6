"""Checkpoint store used by long-running consumers.

The store keeps one session open for its whole lifetime so that checkpoint
rows stay locked while a consumer processes a batch.
"""
from typing import Dict, Optional

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import AsyncSessionLocal
from .models import Checkpoint


class CheckpointStore:
    def __init__(self) -> None:
        self._session: Optional[AsyncSession] = None

    async def __aenter__(self) -> "CheckpointStore":
        self._session = AsyncSessionLocal()  # expect: SQA104 (closed after a commit that may fail)
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        assert self._session is not None
        if exc_type is None:
            await self._session.commit()
        else:
            await self._session.rollback()
        await self._session.close()
        self._session = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("CheckpointStore used outside 'async with'")
        return self._session

    async def lock(self, source_id: int) -> Optional[str]:
        result = await self.session.execute(
            select(Checkpoint).where(Checkpoint.source_id == source_id).with_for_update()
        )
        cp = result.scalar_one_or_none()
        return cp.position if cp else None

    async def set(self, source_id: int, position: str) -> None:
        cp = await self.session.get(Checkpoint, source_id)
        if cp is None:
            self.session.add(Checkpoint(source_id=source_id, position=position))
        else:
            cp.position = position

    async def snapshot(self) -> Dict[int, str]:
        rows = await self.session.scalars(select(Checkpoint))
        return {cp.source_id: cp.position for cp in rows}


class SessionPool:
    """One session per tenant, all closed together at shutdown."""

    def __init__(self) -> None:
        self._sessions: Dict[str, AsyncSession] = {}

    def get(self, tenant: str) -> AsyncSession:
        if tenant not in self._sessions:
            self._sessions[tenant] = AsyncSessionLocal(info={"tenant": tenant})
        return self._sessions[tenant]

    async def close_all(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()
