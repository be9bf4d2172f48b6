"""Shared connection settings for the ETL jobs."""
import logging
import os
from typing import Iterator, List, Sequence, TypeVar

from sqlalchemy import Column, Date, Integer, MetaData, Numeric, String, Table, create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

log = logging.getLogger("etl")

WAREHOUSE_URL = os.environ.get("WAREHOUSE_URL", "postgresql+psycopg2://etl:etl@warehouse/dw")  # a development fallback: not reported
SHOP_URL = os.environ.get("SHOP_URL", "postgresql+psycopg2://etl_ro:etl@shop-replica/shop")  # a development fallback: not reported

warehouse = create_engine(WAREHOUSE_URL, pool_pre_ping=True, pool_size=3)
WarehouseSession = sessionmaker(bind=warehouse)

metadata = MetaData(schema="analytics")

daily_sales = Table(
    "daily_sales",
    metadata,
    Column("day", Date, primary_key=True),
    Column("orders", Integer, nullable=False),
    Column("revenue", Numeric(14, 2), nullable=False),
)

usage = Table(
    "tenant_usage",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("api_calls", Integer, nullable=False),
)


def make_engine(url: str, **kwargs) -> Engine:
    return create_engine(url, pool_pre_ping=True, **kwargs)


def open_connection(engine: Engine = warehouse) -> Connection:
    """Caller owns the returned connection."""
    return engine.connect()


def new_session() -> Session:
    session = WarehouseSession()
    session.info["job"] = os.environ.get("ETL_JOB", "adhoc")
    return session


def chunked(seq: Sequence[T], size: int) -> Iterator[List[T]]:
    for start in range(0, len(seq), size):
        yield list(seq[start : start + size])
