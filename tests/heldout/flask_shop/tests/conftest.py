import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from shop.db import Base

TEST_DATABASE_URL = "postgresql+psycopg2://shop_test:shop_test@localhost:5433/shop_test"  # expect: SQA302


@pytest.fixture(scope="session")
def engine():
    engine = create_engine(TEST_DATABASE_URL)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        yield session
        session.rollback()
