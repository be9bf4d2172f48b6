import logging
from functools import lru_cache
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .config import settings

logger = logging.getLogger(__name__)

engine = create_engine(
    settings.database_url,
    pool_size=settings.pool_size,
    max_overflow=settings.max_overflow,
    pool_pre_ping=True,
    echo=settings.echo_sql,
)

SessionLocal = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


@event.listens_for(engine, "connect")
def _set_statement_timeout(dbapi_connection, connection_record):
    # every pooled DBAPI connection gets a statement timeout
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET statement_timeout = 15000")
    finally:
        cursor.close()


def get_db() -> Iterator[Session]:
    """FastAPI dependency: one session per request."""
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@lru_cache(maxsize=1)
def get_reporting_engine() -> Engine:
    """Read-replica engine, created lazily on first use and then reused."""
    logger.info("creating reporting engine")
    return create_engine(
        settings.reporting_database_url,
        pool_size=2,
        max_overflow=0,
        pool_recycle=1800,
    )


def get_reporting_connection() -> Iterator[Connection]:
    with get_reporting_engine().connect() as conn:
        yield conn
