import os

from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import scoped_session, sessionmaker

DATABASE_URL = os.environ.get("JOBS_DATABASE_URL", "sqlite:///jobs.db")
ASYNC_DATABASE_URL = os.environ.get("JOBS_ASYNC_DATABASE_URL", "sqlite+aiosqlite:///jobs.db")
LEGACY_DATABASE_URL = os.environ.get("LEGACY_DATABASE_URL", "sqlite:///legacy.db")

engine = create_engine(DATABASE_URL, pool_pre_ping=True)
legacy_engine = create_engine(LEGACY_DATABASE_URL)

SessionLocal = sessionmaker(bind=engine)
LegacySession = sessionmaker(bind=legacy_engine)

async_engine = create_async_engine(ASYNC_DATABASE_URL)
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)

# thread-local registry used by the old cron scripts
DBSession = scoped_session(sessionmaker(bind=engine))
