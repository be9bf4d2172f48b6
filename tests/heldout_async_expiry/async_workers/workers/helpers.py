import logging
from datetime import datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Account, EmailMessage, Invoice, Metric, Subscription, Tag

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


async def get_or_create_tag(db: AsyncSession, name: str) -> Tag:
    tag = await db.scalar(select(Tag).where(Tag.name == name))
    if tag is not None:
        return tag
    tag = Tag(name=name)
    db.add(tag)
    await db.commit()
    return tag  # expect: SQA108


async def touch(db: AsyncSession, account: Account) -> int:
    account.updated_at = utcnow()
    db.add(account)
    await db.commit()
    return account.id  # expect: SQA108


async def transfer_credit(db: AsyncSession, src_id: int, dst_id: int, amount_cents: int) -> int:
    src = await db.get(Account, src_id)
    dst = await db.get(Account, dst_id)
    if src is None or dst is None:
        raise LookupError((src_id, dst_id))
    if src.balance_cents < amount_cents:
        raise ValueError("insufficient balance")
    src.balance_cents -= amount_cents
    dst.balance_cents += amount_cents
    await db.commit()
    await db.refresh(src)
    log.info("moved %s cents to %s", amount_cents, dst.name)  # expect: SQA108
    return src.balance_cents


async def renew_subscription(db: AsyncSession, account_id: int) -> str:
    sub = (
        await db.execute(
            select(Subscription).where(
                Subscription.account_id == account_id, Subscription.active.is_(True)
            )
        )
    ).scalars().first()
    if sub is None:
        raise LookupError(account_id)
    sub.renewed_at = utcnow()
    await db.commit()
    return sub.plan  # expect: SQA108


async def change_plan(db: AsyncSession, subscription_id: int, plan: str) -> datetime | None:
    sub = await db.get(Subscription, subscription_id)
    if sub is None:
        raise LookupError(subscription_id)
    if sub.plan != plan:
        sub.plan = plan
        await db.commit()
    return sub.renewed_at  # bonus: SQA108


async def record_metric(db: AsyncSession, name: str, value: float) -> Metric:
    metric = Metric(name=name, value=value, recorded_at=utcnow())
    db.add(metric)
    await db.commit()
    await db.refresh(metric)
    return metric


async def settle_account(db: AsyncSession, account_id: int) -> dict:
    account = await db.get(Account, account_id)
    if account is None:
        raise LookupError(account_id)
    name, currency = account.name, account.currency
    await db.execute(
        update(Invoice)
        .where(Invoice.account_id == account_id, Invoice.status == "open")
        .values(status="settled")
    )
    account.balance_cents = 0
    await db.commit()
    still_open = await db.scalar(
        select(func.count(Invoice.id)).where(
            Invoice.account_id == account_id, Invoice.status == "open"
        )
    )
    return {"account": name, "currency": currency, "still_open": still_open}


async def mark_sent(db: AsyncSession, message_id: int) -> str:
    msg = await db.get(EmailMessage, message_id)
    if msg is None:
        raise LookupError(message_id)
    msg.status = "sent"
    msg.sent_at = utcnow()
    await db.commit()
    return await msg.awaitable_attrs.recipient


async def recipients_for(db: AsyncSession, account_ids: list[int]) -> list[str]:
    emails = (
        await db.scalars(
            select(Account.billing_email).where(
                Account.id.in_(account_ids), Account.billing_email.is_not(None)
            )
        )
    ).all()
    await db.execute(
        update(Account).where(Account.id.in_(account_ids)).values(updated_at=utcnow())
    )
    await db.commit()
    return [e.lower() for e in emails]
