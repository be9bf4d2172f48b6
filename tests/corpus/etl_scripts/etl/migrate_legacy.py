#!/usr/bin/env python
"""One-off migration from the legacy MySQL order database into the warehouse."""
import logging
import os
from contextlib import closing

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

log = logging.getLogger("migrate_legacy")

SEQUENCES = [
    ("analytics.orders_id_seq", "analytics.orders"),
    ("analytics.customers_id_seq", "analytics.customers"),
]


def copy_blob_table(src: Engine, dst: Engine, table: str, batch: int = 2000) -> int:
    copied = 0
    with closing(src.raw_connection()) as raw_src, dst.begin() as conn:
        cur = raw_src.cursor()
        cur.execute(f"SELECT id, body FROM {table}")  # every call passes a literal: SQA301 follows the calls
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                break
            conn.execute(
                text(f"INSERT INTO analytics.{table} (id, body) VALUES (:id, :body)"),  # every call passes a literal: SQA301 follows the calls
                [{"id": r[0], "body": r[1]} for r in rows],
            )
            copied += len(rows)
    return copied


def legacy_order_count(engine: Engine) -> int:
    raw = engine.raw_connection()  # expect: SQA101
    cur = raw.cursor()
    cur.execute("SELECT COUNT(*) FROM legacy_orders")
    (n,) = cur.fetchone()
    return n


def fix_sequences(engine: Engine) -> None:
    raw = engine.raw_connection()  # expect: SQA104
    cur = raw.cursor()
    for seq, table in SEQUENCES:
        cur.execute(f"SELECT setval('{seq}', (SELECT max(id) FROM {table}))")
    raw.commit()
    raw.close()


def main() -> None:
    src = create_engine(os.environ["LEGACY_URL"])
    dst = create_engine(os.environ["WAREHOUSE_URL"])

    expected = legacy_order_count(src)
    copied = copy_blob_table(src, dst, "legacy_orders")
    log.info("copied %d of %d orders", copied, expected)

    # Never closed, but its last use is the commit, which returned its connection to
    # the pool: it holds nothing from then on (SQA102 does not report it).
    session = sessionmaker(bind=dst)()
    session.execute(text("INSERT INTO analytics.migrations (name, done_at) VALUES ('legacy_orders', now())"))
    session.commit()

    fix_sequences(dst)
    src.dispose()
    dst.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
