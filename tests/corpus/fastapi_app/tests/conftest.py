import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from app.database import Base, get_db
from app.dependencies import get_db_legacy
from app.main import app
from app.models import Item, User


@pytest.fixture(scope="session")
def engine():
    engine = create_engine(
        "sqlite+pysqlite:///:memory:",
        connect_args={"check_same_thread": False},
        poolclass=StaticPool,
    )
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine):
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture
def client(db_session):
    def override_get_db():
        yield db_session

    app.dependency_overrides[get_db] = override_get_db
    app.dependency_overrides[get_db_legacy] = override_get_db
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


@pytest.fixture
def alice(db_session):
    user = User(email="alice@example.com", full_name="Alice")
    user.set_password("correct horse battery")
    db_session.add(user)
    db_session.flush()
    return user


@pytest.fixture
def widgets(db_session):
    items = [Item(sku=f"W-{n:03}", name=f"Widget {n}", price_cents=100 * n) for n in range(1, 6)]
    db_session.add_all(items)
    db_session.flush()
    return items
