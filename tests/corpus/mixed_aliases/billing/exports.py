"""CSV exports for accounting, using the async engine."""
import csv
import io
from typing import List

import sqlalchemy
from sqlalchemy.ext import asyncio as sa_asyncio

from .db import AsyncSessionFactory, async_engine, invoices


async def export_open_invoices() -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    async with async_engine.connect() as conn:
        result = await conn.stream(sqlalchemy.select(invoices).where(invoices.c.status == "open"))
        async for row in result:
            writer.writerow(row)
    return buf.getvalue()


async def export_customer(customer_id: int) -> List[dict]:
    session = sa_asyncio.AsyncSession(async_engine)  # expect: SQA102
    result = await session.execute(
        sqlalchemy.select(invoices).where(invoices.c.customer_id == customer_id)
    )
    return [dict(r._mapping) for r in result]


async def export_paid_since(since) -> int:
    session = AsyncSessionFactory()
    try:
        result = await session.execute(
            sqlalchemy.select(sqlalchemy.func.count()).where(invoices.c.paid_at >= since)
        )
        return result.scalar_one()
    finally:
        await session.close()


async def export_regions(regions: List[str]) -> dict:
    out = {}
    for region in regions:
        url = f"postgresql+asyncpg://billing@{region}-db/billing"
        regional = sa_asyncio.create_async_engine(url)  # expect: SQA103
        async with regional.connect() as conn:
            out[region] = (await conn.execute(sqlalchemy.text("SELECT count(*) FROM invoices"))).scalar_one()
    return out
