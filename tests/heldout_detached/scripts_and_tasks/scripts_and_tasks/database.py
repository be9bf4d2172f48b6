import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

DATABASE_URL = os.environ.get("JOBS_DATABASE_URL", "sqlite:///./billing.db")

engine = create_engine(DATABASE_URL)

SessionLocal = sessionmaker(engine)
TaskSession = sessionmaker(engine, expire_on_commit=False)

# Thread-local session used by the admin web app; removed on request teardown.
web_session = scoped_session(sessionmaker(engine))


@contextmanager
def session_scope() -> Iterator[Session]:
    session = SessionLocal()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
