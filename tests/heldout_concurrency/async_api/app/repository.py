import asyncio
from datetime import datetime
from decimal import Decimal

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .db import AuditLog, Order, Product, User


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def list_orders(session: AsyncSession, user_id: int, limit: int = 20) -> list[Order]:
    stmt = select(Order).where(Order.user_id == user_id).order_by(Order.created_at.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


async def count_orders(session: AsyncSession, user_id: int) -> int:
    stmt = select(func.count(Order.id)).where(Order.user_id == user_id)
    return (await session.scalar(stmt)) or 0


async def count_users(session: AsyncSession) -> int:
    return (await session.scalar(select(func.count(User.id)))) or 0


async def sum_revenue(session: AsyncSession, since: datetime) -> Decimal:
    stmt = select(func.coalesce(func.sum(Order.total), 0)).where(Order.created_at >= since)
    return await session.scalar(stmt)


async def get_product(session: AsyncSession, product_id: int) -> Product | None:
    return await session.get(Product, product_id)


async def get_product_isolated(factory: async_sessionmaker[AsyncSession], product_id: int) -> Product | None:
    async with factory() as session:
        return await session.get(Product, product_id)


async def cancel_order(session: AsyncSession, order_id: int) -> None:
    await session.execute(update(Order).where(Order.id == order_id).values(status="cancelled"))


async def record_audit(session: AsyncSession, action: str, ref: str) -> None:
    session.add(AuditLog(action=action, ref=ref))
    await session.flush()


async def record_audit_isolated(factory: async_sessionmaker[AsyncSession], action: str, ref: str) -> None:
    async with factory.begin() as session:
        session.add(AuditLog(action=action, ref=ref))


async def fetch_exchange_rate(client: httpx.AsyncClient, currency: str) -> Decimal:
    resp = await client.get(f"https://rates.example.com/latest/{currency}")
    resp.raise_for_status()
    return Decimal(str(resp.json()["rate"]))


async def get_user_with_stats(session: AsyncSession, user_id: int) -> tuple[User | None, int]:
    user, n_orders = await asyncio.gather(get_user(session, user_id), count_orders(session, user_id))  # expect: SQA109
    return user, n_orders


async def get_user_with_stats_sequential(session: AsyncSession, user_id: int) -> tuple[User | None, int]:
    user = await get_user(session, user_id)
    n_orders = await count_orders(session, user_id)
    return user, n_orders
