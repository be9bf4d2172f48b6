"""Async notification outbox used by the API and the mail sender."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from sqlalchemy import delete
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Notification

logger = logging.getLogger(__name__)


class NotificationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, user_id: int, template: str, dedupe_key: str, payload: dict) -> Notification | None:
        note = Notification(
            user_id=user_id,
            template=template,
            dedupe_key=dedupe_key,
            payload=json.dumps(payload),
        )
        self.session.add(note)
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            logger.info("notification %s for user %s already queued", dedupe_key, user_id)
            return None
        await self.session.refresh(note)
        return note

    async def mark_delivered(self, ids: list[int]) -> int:
        delivered = 0
        for nid in ids:
            note = await self.session.get(Notification, nid)
            if note is None:
                continue
            note.delivered_at = datetime.now(timezone.utc)
            try:
                await self.session.flush()
            except DBAPIError:  # expect: SQA110
                logger.warning("could not mark notification %s delivered", nid)
                continue
            delivered += 1
        await self.session.commit()
        return delivered

    async def purge_older_than(self, cutoff: datetime) -> None:
        try:
            await self.session.execute(delete(Notification).where(Notification.created_at < cutoff))
        except OperationalError:
            logger.warning("purge of old notifications timed out")
        await self.session.commit()
