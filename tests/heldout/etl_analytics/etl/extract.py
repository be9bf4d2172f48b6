"""Pull yesterday's data out of the ERP and the CRM."""

import logging
from datetime import date

import pandas as pd
import psycopg2
from psycopg2 import sql
from sqlalchemy import text

log = logging.getLogger(__name__)

SCHEMA = "erp"


def extract_orders(source, day: date) -> pd.DataFrame:
    with source.connect() as conn:
        return pd.read_sql(
            text(f"SELECT * FROM {SCHEMA}.orders WHERE order_date = :day"),
            conn,
            params={"day": day},
        )


def extract_table(source, table, day):
    log.info("extracting %s for %s", table, day)
    with source.connect() as conn:
        return pd.read_sql(
            text(f"SELECT * FROM {SCHEMA}.{table} WHERE updated_on = '{day}'"),  # expect: SQA301
            conn,
        )


def extract_customers(source, country):
    # pandas hands the string to the driver itself: not one of the spec's sinks.
    query = f"SELECT id, name, country FROM {SCHEMA}.customers WHERE country = '{country}'"  # bonus: SQA301
    return pd.read_sql(query, source)  # bonus: SQA301


def big_paid_orders(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    return frame.query(f"amount > {threshold} and status == 'paid'")


def row_counts(dsn, tables):
    counts = {}
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
        for table in tables:
            cur.execute("SELECT count(*) FROM %s" % table)  # expect: SQA301
            counts[table] = cur.fetchone()[0]
    return counts


def safe_row_counts(dsn, tables):
    counts = {}
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
        for table in tables:
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cur.fetchone()[0]
    return counts


def customer_by_email(dsn, email):
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
        cur.execute("SELECT id, name FROM crm.customers WHERE email = %s", (email,))
        return cur.fetchone()


def latest_partition(dsn, prefix):
    pg = psycopg2.connect(dsn)
    try:
        cur = pg.cursor()
        cur.execute(  # expect: SQA301
            f"SELECT max(tablename) FROM pg_tables WHERE tablename LIKE '{prefix}%'"
        )
        return cur.fetchone()[0]
    finally:
        pg.close()
