#!/usr/bin/env python
"""Nightly aggregation of the sales fact table."""
import argparse
import logging
import os
from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

log = logging.getLogger("nightly_rollup")

engine = create_engine(os.environ.get("WAREHOUSE_URL", "postgresql+psycopg2://etl@warehouse/dw"))

MATERIALIZED_VIEWS = ("analytics.mv_sales_by_region", "analytics.mv_sales_by_category")

ROLLUP_DAY_SQL = text(
    """
    INSERT INTO analytics.daily_sales (day, orders, revenue)
    SELECT :day, count(*), coalesce(sum(total), 0)
    FROM analytics.orders
    WHERE created_at >= :day AND created_at < :day + interval '1 day'
    ON CONFLICT (day) DO UPDATE SET orders = EXCLUDED.orders, revenue = EXCLUDED.revenue
    """
)


def rollup_day(day: date) -> int:
    conn = engine.connect()  # only main() calls this, outside any try: an exception ends the process
    result = conn.execute(ROLLUP_DAY_SQL, {"day": day})
    conn.commit()
    conn.close()
    return result.rowcount


def rollup_week(week_start: date) -> int:
    conn = engine.connect()
    try:
        total = 0
        for offset in range(7):
            total += conn.execute(ROLLUP_DAY_SQL, {"day": week_start + timedelta(days=offset)}).rowcount
        conn.commit()
        return total
    finally:
        conn.close()


def refresh_views() -> None:
    with engine.begin() as conn:
        for view in MATERIALIZED_VIEWS:
            log.info("refreshing %s", view)
            conn.execute(text(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}"))


def vacuum(tables: Iterable[str]) -> None:
    conn = engine.connect()  # only main() calls this: an exception ends the process
    conn.execution_options(isolation_level="AUTOCOMMIT")
    for table in tables:
        try:
            conn.execute(text(f"VACUUM ANALYZE {table}"))  # every call passes a literal: SQA301 follows the calls
        except OperationalError:
            log.warning("vacuum of %s failed", table, exc_info=True)
    conn.close()


def check_gaps(days: int = 30) -> list:
    conn = engine.connect()
    with conn:
        rows = conn.execute(
            text(
                "SELECT d::date FROM generate_series(current_date - :n, current_date - 1, interval '1 day') d "
                "WHERE NOT EXISTS (SELECT 1 FROM analytics.daily_sales s WHERE s.day = d::date)"
            ),
            {"n": days},
        ).scalars().all()
    return list(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", type=date.fromisoformat, default=date.today() - timedelta(days=1))
    parser.add_argument("--skip-vacuum", action="store_true")
    args = parser.parse_args()

    n = rollup_day(args.day)
    log.info("rolled up %s (%d rows)", args.day, n)
    for missing in check_gaps():
        log.warning("filling gap %s", missing)
        rollup_day(missing)
    refresh_views()
    if not args.skip_vacuum:
        vacuum(["analytics.daily_sales", "analytics.orders"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    main()
