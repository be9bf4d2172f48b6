import os

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

WORKER_DATABASE_URL = os.environ.get(
    "WORKER_DATABASE_URL", "postgresql+asyncpg://worker:worker@localhost:5432/billing"
)

engine = create_async_engine(WORKER_DATABASE_URL, pool_size=10, max_overflow=5)

SessionFactory = async_sessionmaker(engine)

# Batch jobs report on what they wrote after committing; keep the state.
BatchSession = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
