import os

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from etl.common import metadata


@pytest.fixture(scope="session")
def engine():
    eng = create_engine(os.environ.get("TEST_WAREHOUSE_URL", "postgresql+psycopg2://etl@localhost/dw_test"))
    metadata.create_all(eng)
    yield eng
    metadata.drop_all(eng)
    eng.dispose()


@pytest.fixture
def conn(engine):
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def session(engine):
    s = Session(engine)
    yield s
    s.rollback()
    s.close()
