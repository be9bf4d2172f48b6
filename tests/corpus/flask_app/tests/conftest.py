import pytest

from inventory import create_app
from inventory.db import Base, db_session, engine, init_db


@pytest.fixture
def app():
    app = create_app("inventory.config.TestConfig")
    with app.app_context():
        init_db()
        yield app
        db_session.remove()
        Base.metadata.drop_all(bind=engine)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def conn():
    connection = engine.connect()
    yield connection
    connection.close()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
