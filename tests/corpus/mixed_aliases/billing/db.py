import os

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.ext.asyncio import async_sessionmaker as make_async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as new_async_engine

BILLING_URL = os.environ.get("BILLING_URL", "postgresql+psycopg2://billing@localhost/billing")
BILLING_ASYNC_URL = os.environ.get("BILLING_ASYNC_URL", "postgresql+asyncpg://billing@localhost/billing")
ARCHIVE_URL = os.environ.get("BILLING_ARCHIVE_URL", "postgresql+psycopg2://billing@archive/billing")

engine = sa.create_engine(BILLING_URL, pool_pre_ping=True, pool_size=8)
SessionFactory = orm.sessionmaker(bind=engine, expire_on_commit=False)

async_engine = new_async_engine(BILLING_ASYNC_URL, pool_size=4)
AsyncSessionFactory = make_async_sessionmaker(async_engine)

metadata = sa.MetaData()

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("region", sa.String(8), nullable=False),
)

invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("amount", sa.Numeric(12, 2), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="open"),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("paid_at", sa.DateTime(timezone=True)),
)

ledger = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("account_id", sa.Integer, nullable=False, index=True),
    sa.Column("delta", sa.Numeric(12, 2), nullable=False),
    sa.Column("booked_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
)
