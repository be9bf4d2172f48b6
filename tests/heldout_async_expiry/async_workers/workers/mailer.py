import logging
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import SessionFactory, engine
from .models import EmailMessage

log = logging.getLogger(__name__)

SUPPRESSED: set[str] = set()


class SmtpClient(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


async def send_pending(message_id: int, smtp: SmtpClient) -> None:
    async with SessionFactory() as db:
        msg = (
            await db.execute(
                select(EmailMessage).where(
                    EmailMessage.id == message_id, EmailMessage.status == "pending"
                )
            )
        ).scalar_one_or_none()
        if msg is None:
            return
        subject, body = msg.subject, msg.body
        msg.status = "sending"
        await db.commit()
        await smtp.send(msg.recipient, subject, body)  # expect: SQA108


async def archive_message(message_id: int) -> int:
    async with SessionFactory() as s:
        stub = EmailMessage(id=message_id, status="archived")
        merged = await s.merge(stub)
        await s.commit()
        log.debug("archived message %s (status %s)", message_id, stub.status)
        return merged.id  # expect: SQA108


async def bounce(message_id: int, reason: str) -> None:
    async with AsyncSession(engine) as session:
        msg = await session.get(EmailMessage, message_id)
        if msg is None:
            return
        msg.status = "bounced"
        msg.error = reason
        await session.commit()
        SUPPRESSED.add(msg.recipient.lower())  # expect: SQA108


async def retry_failed(limit: int = 100) -> list[int]:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        failed = (
            await session.scalars(
                select(EmailMessage).where(EmailMessage.status == "failed").limit(limit)
            )
        ).all()
        for msg in failed:
            msg.status = "pending"
            msg.error = None
        await session.commit()
        log.info("requeued %d messages, first %s", len(failed), failed[0].id if failed else None)
        return [msg.id for msg in failed]


async def send_one(message_id: int, smtp: SmtpClient) -> bool:
    async with SessionFactory() as s:
        msg = await s.get(EmailMessage, message_id)
        if msg is None or msg.status != "pending":
            return False
        msg.status = "sending"
        await s.commit()
        await s.refresh(msg)
        await smtp.send(msg.recipient, msg.subject, msg.body)
        msg.status = "sent"
        await s.commit()
        return True
