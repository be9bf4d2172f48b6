"""Maintenance script run by cron; talks to the driver directly in places."""
import contextlib
import sqlite3
import sys

from sqlalchemy import create_engine

ADMIN_URL = "postgresql://postgres:postgres@localhost:5432/billing"  # expect: SQA302
engine = create_engine(ADMIN_URL)  # the literal above is what SQA302 reports

TABLES = ("invoices", "payments", "customers")


def vacuum_all():
    with contextlib.closing(engine.raw_connection()) as raw:
        cursor = raw.cursor()
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


def archive_customer(customer_id):
    with contextlib.closing(engine.raw_connection()) as raw:
        cursor = raw.cursor()
        cursor.execute("DELETE FROM customers WHERE id = %s" % customer_id)  # expect: SQA301
        cursor.execute("DELETE FROM payments WHERE customer_id = %s", (customer_id,))
        raw.commit()


def local_cache_stats(name):
    db = sqlite3.connect("cache.db")
    try:
        cur = db.cursor()
        cur.execute(f"SELECT count(*) FROM {name}")  # expect: SQA301
        return cur.fetchone()
    finally:
        db.close()


def rebuild_indexes():
    engine.execute("REINDEX DATABASE billing")  # expect: SQA201


if __name__ == "__main__":
    print(engine.execute("SELECT version()").scalar())  # expect: SQA201
    sys.exit(0)
