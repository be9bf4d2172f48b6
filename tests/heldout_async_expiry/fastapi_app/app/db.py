import os
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgresql+asyncpg://shop:shop@localhost:5432/shop"
)

engine = create_async_engine(DATABASE_URL, pool_pre_ping=True)

SessionLocal = async_sessionmaker(engine, class_=AsyncSession)

# Admin endpoints and background tasks hand ORM objects around after the
# transaction is over, so they use a factory that keeps loaded state.
AdminSession = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


async def get_admin_session() -> AsyncIterator[AsyncSession]:
    async with AdminSession() as session:
        yield session
