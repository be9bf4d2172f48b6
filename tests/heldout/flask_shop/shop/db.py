from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

from .config import DATABASE_URL, REPLICA_URL

engine = create_engine(DATABASE_URL, pool_pre_ping=True, future=True)
replica_engine = create_engine(REPLICA_URL, pool_size=2)

# The request-scoped session the views use; removed when the app context ends.
db_session = scoped_session(sessionmaker(bind=engine, autoflush=False))
ReplicaSession = sessionmaker(bind=replica_engine)


class Base(DeclarativeBase):
    pass


def shutdown_session(exception=None):
    db_session.remove()
