"""Audit trail, written from the async login/logout handlers."""
import json
import logging
import os
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from .models import AuditEvent, User

logger = logging.getLogger(__name__)

ASYNC_DATABASE_URL = os.environ.get(
    "API_ASYNC_DATABASE_URL", "sqlite+aiosqlite:///./api_service.db"
)

async_engine = create_async_engine(ASYNC_DATABASE_URL)
async_session = async_sessionmaker(async_engine, expire_on_commit=False)
legacy_async_session = async_sessionmaker(async_engine, class_=AsyncSession)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


async def record_event(actor_id: int | None, action: str, detail: dict) -> AuditEvent:
    event = AuditEvent(actor_id=actor_id, action=action, detail=json.dumps(detail))
    async with async_session() as session:
        session.add(event)
        await session.commit()
    return event


async def record_login(user_id: int) -> None:
    async with legacy_async_session() as session:
        user = await session.get(User, user_id)
        if user is None:
            return
        user.last_seen_at = _utcnow()
        await session.commit()
    logger.info("login recorded for %s", user.email)  # expect: SQA107


async def record_failed_login(email: str) -> AuditEvent:
    event = AuditEvent(actor_id=None, action="login_failed", detail=json.dumps({"email": email}))
    async with legacy_async_session() as session:
        session.add(event)
        await session.commit()
        await session.refresh(event)
    return event


async def record_logout(user_id: int) -> AuditEvent:
    event = AuditEvent(actor_id=user_id, action="logout")
    async with legacy_async_session() as session:
        session.add(event)
        await session.commit()
    return event  # expect: SQA107


async def recent_events(limit: int = 50) -> list[AuditEvent]:
    async with legacy_async_session() as session:
        result = await session.scalars(
            select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(limit)
        )
        return result.all()


async def latest_unseen(actor_id: int) -> AuditEvent | None:
    async with legacy_async_session() as session:
        event = await session.scalar(
            select(AuditEvent)
            .where(AuditEvent.actor_id == actor_id, AuditEvent.seen.is_(False))
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        if event is not None:
            event.seen = True
            await session.commit()
    return event  # expect: SQA107


async def archive_actor(actor_id: int) -> list[int]:
    async with AsyncSession(async_engine, expire_on_commit=False) as session:
        events = (
            await session.execute(select(AuditEvent).where(AuditEvent.actor_id == actor_id))
        ).scalars().all()
        for event in events:
            event.archived = True
        await session.commit()
    return [event.id for event in events]
