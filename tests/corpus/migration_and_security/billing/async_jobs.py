"""Background jobs on the async engine (already 2.0 style, with a few slips)."""
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

async_engine = create_async_engine("postgresql+asyncpg://billing@db-primary.internal/billing")
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)


async def close_stale_sessions():
    async with async_engine.begin() as conn:
        await conn.execute("DELETE FROM web_sessions WHERE expires_at < now()")  # expect: SQA202


async def close_stale_sessions_migrated():
    async with async_engine.begin() as conn:
        await conn.execute(text("DELETE FROM web_sessions WHERE expires_at < now()"))


async def tag_invoices(session: AsyncSession, tag, ids):
    id_list = ",".join(str(i) for i in ids)
    await session.execute(text(f"UPDATE invoices SET tag = :tag WHERE id IN ({id_list})"), {"tag": tag})  # expect: SQA301


async def count_open():
    async with AsyncSessionLocal() as session:
        return (await session.execute(text("SELECT count(*) FROM invoices WHERE paid = false"))).scalar()
