"""Database setup, following the "SQLAlchemy in Flask" pattern from the Flask docs."""
import os

from flask import g
from sqlalchemy import create_engine
from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker

DATABASE_URL = os.environ.get(
    "INVENTORY_DATABASE_URL", "postgresql+psycopg2://inventory:inventory@localhost/inventory"  # a development fallback: not reported
)

engine = create_engine(DATABASE_URL, pool_size=5, max_overflow=10, pool_pre_ping=True)

# request-scoped session used by the views; removed in teardown_appcontext
db_session = scoped_session(sessionmaker(autoflush=False, bind=engine))

# plain factory for reporting code paths that manage their own session
ReportSession = sessionmaker(bind=engine, expire_on_commit=False)

Base = declarative_base()
Base.query = db_session.query_property()


def init_db():
    from . import models  # noqa: F401  register the mappers

    Base.metadata.create_all(bind=engine)


def get_conn():
    """Connection shared by everything that runs during one request."""
    if "db_conn" not in g:
        g.db_conn = engine.connect()
    return g.db_conn


def close_conn(exc=None):
    conn = g.pop("db_conn", None)
    if conn is not None:
        conn.close()


def shutdown_session(exc=None):
    db_session.remove()
