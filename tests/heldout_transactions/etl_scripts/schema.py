"""Table definitions shared by the ETL scripts."""

from __future__ import annotations

import os
from typing import Any, Optional

from sqlalchemy import Column, DateTime, ForeignKey, Integer, MetaData, Numeric, String, Table, Text
from sqlalchemy import create_engine, func
from sqlalchemy.engine import Engine

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("crm_id", Integer, unique=True, nullable=False),
    Column("email", String(255)),
    Column("phone", String(32)),
    Column("name", String(200)),
    Column("last_order_at", DateTime(timezone=True)),
    Column("deleted_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), server_default=func.now()),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(64), unique=True, nullable=False),
    Column("customer_id", ForeignKey("customers.id")),
    Column("status", String(20), nullable=False, default="new"),
    Column("total", Numeric(12, 2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

staging_orders = Table(
    "staging_orders",
    metadata,
    Column("external_id", String(64), nullable=False),
    Column("customer_crm_id", Integer),
    Column("total", Numeric(12, 2)),
    Column("created_at", DateTime(timezone=True)),
)

load_log = Table(
    "load_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(255), nullable=False),
    Column("status", String(20), nullable=False),
    Column("row_count", Integer),
    Column("error", Text),
    Column("started_at", DateTime(timezone=True), server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
)


def get_engine(url: Optional[str] = None, **kwargs: Any) -> Engine:
    return create_engine(url or os.environ["ETL_DATABASE_URL"], **kwargs)
