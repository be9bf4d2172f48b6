"""Engine and session factories shared by every job."""
import os

from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

DATABASE_URL = os.environ.get(
    "ETL_DATABASE_URL", "postgresql+psycopg://etl@localhost:5432/warehouse"
)

engine = create_engine(
    DATABASE_URL,
    pool_size=int(os.environ.get("ETL_POOL_SIZE", "16")),
    max_overflow=8,
    pool_pre_ping=True,
)

SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)

# One session per thread; workers must call ScopedSession.remove() when done.
ScopedSession = scoped_session(SessionLocal)


def dispose() -> None:
    ScopedSession.remove()
    engine.dispose()
