"""Engines and the session registry (1.x style: everything at import time)."""
import os

from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.orm import scoped_session, sessionmaker

from .settings import DATABASE_URL, REPORTING_PASSWORD

LEGACY_URL = "postgresql+psycopg2://billing:Tr0ub4dor&3@db-primary.internal:5432/billing"  # expect: SQA302

engine = create_engine(DATABASE_URL, pool_pre_ping=True)
legacy_engine = create_engine(LEGACY_URL, pool_size=2)

reporting_engine = create_engine(
    URL.create(
        "postgresql+psycopg2",
        username="reporting",
        password="r3porting!",  # expect: SQA302
        host="db-replica.internal",
        database="billing",
    )
)
replica_engine = create_engine(
    URL.create(
        "postgresql+psycopg2",
        username="reporting",
        password=REPORTING_PASSWORD,
        host="db-replica.internal",
        database="billing",
    )
)
templated_engine = create_engine("postgresql://billing:${BILLING_DB_PASSWORD}@db/billing")
sandbox_engine = create_engine(os.getenv("SANDBOX_URL", "sqlite:///sandbox.db"))

Session = scoped_session(sessionmaker(bind=engine))
