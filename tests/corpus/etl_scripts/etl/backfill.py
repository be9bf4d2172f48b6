#!/usr/bin/env python
"""Backfill helpers for re-processing historical data across shards."""
import logging
from contextlib import ExitStack
from datetime import date
from typing import List, Sequence

from sqlalchemy import text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from etl.common import chunked, metadata, new_session, open_connection

log = logging.getLogger("backfill")

customers = metadata.tables.get("analytics.customers")


def backfill_partitions(shards: Sequence[Engine], day: date) -> int:
    """Insert the day's partition on every shard, all-or-nothing."""
    with ExitStack() as stack:
        conns = [stack.enter_context(shard.connect()) for shard in shards]
        transactions = [conn.begin() for conn in conns]
        try:
            for conn in conns:
                conn.execute(text("SELECT analytics.create_partition(:day)"), {"day": day})
        except Exception:
            for tx in transactions:
                tx.rollback()
            raise
        for tx in transactions:
            tx.commit()
        return len(conns)


def backfill_segments(engine: Engine, customer_ids: List[int], segment: str) -> None:
    session = Session(engine)  # expect: SQA102
    for chunk in chunked(customer_ids, 500):
        session.execute(
            update(customers).where(customers.c.id.in_(chunk)).values(segment=segment)
        )
        session.commit()
        log.info("updated %d customers", len(chunk))


def backfill_currency(engine: Engine, rate: float) -> int:
    factory = sessionmaker(bind=engine)
    with ExitStack() as stack:
        session = stack.enter_context(factory())
        result = session.execute(
            text("UPDATE analytics.orders SET total_eur = total * :rate WHERE total_eur IS NULL"),
            {"rate": rate},
        )
        session.commit()
        return result.rowcount


def backfill_flags() -> int:
    session = new_session()
    try:
        n = session.execute(text("UPDATE analytics.orders SET is_test = true WHERE email LIKE '%@example.com'")).rowcount
        session.commit()
        return n
    finally:
        session.close()


def recount_partitions() -> int:
    conn = open_connection()
    with conn:
        return conn.execute(
            text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'analytics.orders'::regclass")
        ).scalar_one()
