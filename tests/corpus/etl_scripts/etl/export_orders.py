#!/usr/bin/env python
"""Export orders and refunds from the warehouse to parquet files for finance."""
import argparse
import logging
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import text

from etl.common import warehouse

log = logging.getLogger("export_orders")

ORDERS_SQL = text(
    """
    SELECT o.id, o.created_at, o.customer_id, o.status, o.total
    FROM analytics.orders o
    WHERE o.created_at >= :since
    ORDER BY o.id
    """
)


def load_orders(since: date) -> pd.DataFrame:
    return pd.read_sql(ORDERS_SQL, warehouse.connect(), params={"since": since})  # expect: SQA101


def load_customers() -> pd.DataFrame:
    with warehouse.connect() as conn:
        return pd.read_sql_table("customers", conn, schema="analytics")


def load_refunds(since: date) -> pd.DataFrame:
    df = pd.read_sql(
        text("SELECT order_id, amount, reason, refunded_at FROM analytics.refunds WHERE refunded_at >= :since"),
        warehouse.connect(),  # expect: SQA101
        params={"since": since},
        parse_dates=["refunded_at"],
    )
    return df


def load_products() -> pd.DataFrame:
    # passing the Engine lets pandas open and close its own connection
    return pd.read_sql("SELECT sku, name, category FROM analytics.products", warehouse)


def order_count(since: date) -> int:
    total = warehouse.connect().execute(  # expect: SQA101
        text("SELECT count(*) FROM analytics.orders WHERE created_at >= :since"), {"since": since}
    ).scalar_one()
    return total


def write(df: pd.DataFrame, out_dir: Path, name: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.parquet"
    df.to_parquet(path, index=False)
    log.info("wrote %d rows to %s", len(df), path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("exports"))
    args = parser.parse_args(argv)

    since = date.today() - timedelta(days=args.days)
    expected = order_count(since)
    orders = load_orders(since)
    if len(orders) != expected:
        log.error("row count mismatch: %d vs %d", len(orders), expected)
        return 1

    orders = orders.merge(load_customers(), left_on="customer_id", right_on="id", how="left")
    write(orders, args.out, f"orders_{since:%Y%m%d}")
    write(load_refunds(since), args.out, f"refunds_{since:%Y%m%d}")
    orders.groupby("status").size().to_frame("n").to_sql(
        "export_status_counts", warehouse, schema="analytics", if_exists="replace"
    )
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(main())
