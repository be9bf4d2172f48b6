from sqlalchemy import URL, create_engine
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from .settings import settings

engine = create_async_engine(settings.database_url, pool_size=settings.pool_size)
AsyncSessionLocal = async_sessionmaker(engine, expire_on_commit=False)

# Reports run synchronously against the same database.
sync_engine = create_engine(
    URL.create(
        "postgresql+psycopg",
        username=settings.db_user,
        password=settings.db_password,
        host=settings.db_host,
        database="tickets",
    ),
    pool_size=5,
)
SessionLocal = sessionmaker(bind=sync_engine)


class Base(DeclarativeBase):
    pass


async def get_session():
    async with AsyncSessionLocal() as session:
        yield session


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
