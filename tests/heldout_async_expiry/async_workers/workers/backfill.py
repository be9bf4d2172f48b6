"""One-off maintenance script: python -m workers.backfill"""

import asyncio
import logging

from sqlalchemy import func, select

from .db import SessionFactory
from .models import Account, EmailMessage

log = logging.getLogger(__name__)


async def normalise_recipients(batch_size: int = 500) -> int:
    async with SessionFactory() as s:
        messages = (
            await s.scalars(
                select(EmailMessage)
                .where(EmailMessage.recipient != func.lower(EmailMessage.recipient))
                .limit(batch_size)
            )
        ).all()
        for m in messages:
            m.recipient = m.recipient.strip().lower()
        await s.commit()
        for m in messages[:3]:
            log.info("sample normalised recipient: %s", m.recipient)  # bonus: SQA108
        return len(messages)


async def queue_statement_emails(account_ids: list[int]) -> int:
    queued = 0
    async with SessionFactory() as reader, SessionFactory() as writer:
        for account_id in account_ids:
            account = await reader.get(Account, account_id)
            if account is None or not account.billing_email:
                continue
            writer.add(
                EmailMessage(
                    recipient=account.billing_email,
                    subject="Your monthly statement",
                    body=f"Hello {account.name}, your statement is attached.",
                    status="pending",
                )
            )
            await writer.commit()
            log.info("queued statement for %s", account.name)
            queued += 1
    return queued


async def count_unsent() -> int:
    async with SessionFactory() as s:
        return await s.scalar(
            select(func.count(EmailMessage.id)).where(EmailMessage.status == "pending")
        ) or 0


async def main() -> None:
    logging.basicConfig(level=logging.INFO)
    while await normalise_recipients():
        pass
    async with SessionFactory() as s:
        ids = list((await s.scalars(select(Account.id))).all())
    await queue_statement_emails(ids)
    log.info("%d messages waiting", await count_unsent())


if __name__ == "__main__":
    asyncio.run(main())
