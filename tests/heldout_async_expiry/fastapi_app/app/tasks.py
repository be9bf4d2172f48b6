import logging
from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from .db import AdminSession, engine
from .models import Customer, Order
from .notifications import record_event, send_email

logger = logging.getLogger(__name__)


async def send_welcome_email(customer_id: int) -> None:
    async with AdminSession() as s:
        customer = await s.get(Customer, customer_id)
        if customer is None:
            return
        customer.welcomed_at = datetime.now(timezone.utc)
        await s.commit()
        await send_email(customer.email, "welcome", name=customer.name)


async def close_abandoned_order(order_id: int) -> str:
    async with AsyncSession(engine) as session:
        order = await session.get(Order, order_id)
        if order is None or order.status != "pending":
            return "skipped"
        order.status = "abandoned"
        await session.commit()
        await record_event("order.abandoned", order.customer_id)  # expect: SQA108
        return "closed"


async def snapshot_customer(customer_id: int) -> dict:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        customer = await session.get(Customer, customer_id)
        if customer is None:
            return {}
        customer.last_snapshot_at = datetime.now(timezone.utc)
        await session.commit()
        return {"id": customer.id, "email": customer.email, "name": customer.name}
