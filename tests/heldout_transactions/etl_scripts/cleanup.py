#!/usr/bin/env python3
"""Nightly housekeeping for the warehouse database."""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

from sqlalchemy import create_engine, delete, func, select, text, update

from schema import load_log, orders, staging_orders

log = logging.getLogger("cleanup")

DATABASE_URL = os.environ.get("ETL_DATABASE_URL", "postgresql+psycopg://etl@localhost/warehouse")
engine = create_engine(DATABASE_URL)
maintenance_engine = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")


@contextmanager
def timed(label: str) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        log.info("%s took %.1fs", label, time.monotonic() - start)


def delete_expired_web_sessions() -> int:
    with maintenance_engine.connect() as conn:
        return conn.execute(text("DELETE FROM web_sessions WHERE expires_at < now()")).rowcount


def purge_soft_deleted(days: int = 30) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text("DELETE FROM customers WHERE deleted_at < now() - make_interval(days => :days)"),
            {"days": days},
        )


def reset_stuck_loads(max_age_hours: int = 6) -> None:
    cutoff = datetime.now(timezone.utc) - timedelta(hours=max_age_hours)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(
            update(load_log)
            .where(load_log.c.status == "running", load_log.c.started_at < cutoff)
            .values(status="aborted")
        )


def prune_load_log(keep: int = 1000) -> None:
    with engine.connect() as conn:
        conn.execute(  # expect: SQA106
            text(
                """
                /* keep only the newest rows */
                DELETE FROM load_log
                WHERE id NOT IN (SELECT id FROM load_log ORDER BY id DESC LIMIT :keep)
                """
            ),
            {"keep": keep},
        )


def anonymize_inactive_customers(years: int = 3) -> None:
    cutoff = datetime.now(timezone.utc) - timedelta(days=365 * years)
    with engine.connect() as conn:
        conn.execute(  # expect: SQA106
            text("update customers set email = null, phone = null where last_order_at < :cutoff"),
            {"cutoff": cutoff},
        )
        conn.execute(  # expect: SQA106
            text("  -- free text may contain PII\n  UPDATE order_lines SET note = NULL")
        )
        log.info("anonymized customers inactive since %s", cutoff.date())


def archive_orders(before: date) -> int:
    with engine.connect() as conn:
        conn.exec_driver_sql("SET statement_timeout = '10min'")
        count = conn.execute(
            select(func.count()).select_from(orders).where(orders.c.created_at < before)
        ).scalar_one()
        if count == 0:
            return 0
        conn.execute(
            text("INSERT INTO orders_archive SELECT * FROM orders WHERE created_at < :before"),
            {"before": before},
        )
        conn.execute(delete(orders).where(orders.c.created_at < before))
        conn.commit()
    return count


def clear_staging() -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("DELETE FROM staging_orders")  # expect: SQA106


def drop_old_staging_rows(days: int = 7) -> None:
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    with engine.connect() as conn:
        conn.execute(  # bonus: SQA106
            staging_orders.delete().where(staging_orders.c.created_at < cutoff)
        )


def rebuild_daily_totals(day: date) -> None:
    with engine.connect() as conn:
        with timed(f"daily totals {day}"):
            conn.execute(  # expect: SQA106
                text("DELETE FROM daily_totals WHERE day = :day"), {"day": day}
            )
            conn.execute(  # expect: SQA106
                text(
                    "INSERT INTO daily_totals (day, order_count, revenue) "
                    "SELECT :day, count(*), coalesce(sum(total), 0) FROM orders "
                    "WHERE created_at::date = :day"
                ),
                {"day": day},
            )


def rebuild_weekly_totals(week_start: date) -> None:
    week_end = week_start + timedelta(days=7)
    with engine.connect() as conn:
        with timed(f"weekly totals {week_start}"):
            conn.execute(text("DELETE FROM weekly_totals WHERE week_start = :w"), {"w": week_start})
            conn.execute(
                text(
                    "INSERT INTO weekly_totals (week_start, revenue) "
                    "SELECT :w, coalesce(sum(total), 0) FROM orders "
                    "WHERE created_at >= :w AND created_at < :e"
                ),
                {"w": week_start, "e": week_end},
            )
        conn.commit()
