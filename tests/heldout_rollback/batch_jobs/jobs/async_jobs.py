"""asyncio jobs: mailing-list sync, trial expiry, webhooks, daily totals."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import exc, func, select
from sqlalchemy.exc import IntegrityError

from .db import AsyncSessionLocal
from .models import Customer, DailyTotal, Event, Invoice, Subscriber, Subscription, SubscriptionEvent, WebhookDelivery

log = logging.getLogger(__name__)


async def sync_subscribers(rows: Iterable[dict]) -> None:
    async with AsyncSessionLocal() as session:
        for row in rows:
            try:
                session.add(Subscriber(email=row["email"].lower(), list_id=int(row["list_id"])))
                await session.commit()
            except IntegrityError:  # expect: SQA110
                log.debug("already subscribed: %s", row["email"])


async def expire_trials(cutoff: datetime) -> int:
    expired = 0
    async with AsyncSessionLocal() as session:
        subs = (
            await session.scalars(
                select(Subscription).where(Subscription.status == "trial", Subscription.trial_ends_at < cutoff)
            )
        ).all()
        for sub in subs:
            sub.status = "expired"
            session.add(SubscriptionEvent(subscription_id=sub.id, kind="expired"))
            try:
                await session.flush()
            except IntegrityError:
                await session.rollback()
                log.warning("subscription %s was already expired", sub.id)
                continue
            expired += 1
        await session.commit()
    return expired


async def compute_daily_totals(day: date) -> DailyTotal | None:
    async with AsyncSessionLocal() as session:
        try:
            async with session.begin():
                count, amount = (
                    await session.execute(
                        select(func.count(Invoice.id), func.coalesce(func.sum(Invoice.amount), 0)).where(
                            Invoice.month == day.strftime("%Y-%m")
                        )
                    )
                ).one()
                session.add(DailyTotal(day=day, invoices=count, amount=Decimal(amount)))
        except IntegrityError:
            log.info("totals for %s already computed", day)
        return await session.get(DailyTotal, day)


async def process_webhook(payload: dict) -> None:
    async with AsyncSessionLocal() as session:
        delivery = WebhookDelivery(external_id=payload["id"], body=json.dumps(payload))
        try:
            session.add(delivery)
            customer = await session.get(Customer, payload["customer_id"])
        except exc.IntegrityError:  # expect: SQA110
            log.info("webhook %s already received", payload["id"])
            customer = None
        if customer is not None:
            customer.last_event_at = datetime.now(timezone.utc)
        await session.commit()


async def ingest_events(lines: Iterable[str]) -> int:
    n = 0
    async with AsyncSessionLocal() as session:
        for line in lines:
            try:
                data = json.loads(line)
                session.add(Event(external_id=data.get("id"), kind=data["kind"], payload=data))
                await session.flush()
            except (json.JSONDecodeError, KeyError):
                log.warning("skipping malformed event line: %.80s", line)
                continue
            n += 1
        await session.commit()
    return n


async def main() -> None:
    logging.basicConfig(level=logging.INFO)
    await expire_trials(datetime.now(timezone.utc))
    await compute_daily_totals(date.today())


if __name__ == "__main__":
    asyncio.run(main())
