import pytest
import pytest_asyncio
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.database import Base

test_engine = create_async_engine(
    URL.create(
        "postgresql+asyncpg",
        username="tickets_test",
        password="tickets_test",  # expect: SQA302
        host="localhost",
        database="tickets_test",
    )
)
TestSession = async_sessionmaker(test_engine, expire_on_commit=False)


@pytest_asyncio.fixture
async def session():
    async with test_engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with TestSession() as session:
        yield session


@pytest.fixture
def anyio_backend():
    return "asyncio"
