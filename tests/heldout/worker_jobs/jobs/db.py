import os

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

# The password comes from the environment; only the template is a literal.
DB_URL = "mysql+pymysql://jobs:%s@db.internal/jobs" % os.environ["JOBS_DB_PASSWORD"]

engine = create_engine(DB_URL, pool_recycle=3600, pool_pre_ping=True)
SessionFactory = sessionmaker(bind=engine)

warehouse = create_engine(
    "postgresql+psycopg2://reporter:R3port1ng!@warehouse.internal:5432/dw",  # expect: SQA302
    pool_size=2,
)


class Base(DeclarativeBase):
    pass
