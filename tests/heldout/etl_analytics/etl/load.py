"""Load the transformed frames: stage them in SQLite, then merge into the warehouse."""

import sqlite3
from pathlib import Path

from sqlalchemy import MetaData, Table, insert, text

STAGING_TABLE = "staging_orders"
MERGE_SQL = Path(__file__).with_name("merge_orders.sql")


def stage_rows(db_path, rows, batch_id):
    con = sqlite3.connect(db_path)
    try:
        cur = con.cursor()
        cur.execute(f"DELETE FROM {STAGING_TABLE} WHERE batch_id = '{batch_id}'")  # expect: SQA301
        cur.executemany(
            f"INSERT INTO {STAGING_TABLE} (batch_id, order_id, amount) VALUES (?, ?, ?)", rows
        )
        con.commit()
    finally:
        con.close()


def staged_count(db_path, batch_id):
    con = sqlite3.connect(db_path)
    try:
        cur = con.execute("SELECT count(*) FROM staging_orders WHERE batch_id = ?", (batch_id,))
        return cur.fetchone()[0]
    finally:
        con.close()


def attach_archive(db_path, archive_path):
    con = sqlite3.connect(db_path)
    try:
        con.execute(f"ATTACH DATABASE '{archive_path}' AS archive")  # expect: SQA301
        con.execute("INSERT INTO archive.staging_orders SELECT * FROM staging_orders")
        con.commit()
    finally:
        con.close()


def merge_into_warehouse(warehouse, batch_id):
    merge = MERGE_SQL.read_text()
    with warehouse.begin() as conn:
        conn.execute(text(merge), {"batch_id": batch_id})
        conn.exec_driver_sql(f"ANALYZE {STAGING_TABLE}")


def truncate(warehouse, table):
    with warehouse.begin() as conn:
        conn.exec_driver_sql("TRUNCATE TABLE %s" % table)  # expect: SQA301


def bulk_insert(warehouse, frame):
    orders = Table("orders", MetaData(), autoload_with=warehouse)
    with warehouse.begin() as conn:
        conn.execute(insert(orders), frame.to_dict("records"))


def use_tenant_schema(warehouse, tenant):
    with warehouse.begin() as conn:
        conn.execute("SET search_path TO " + tenant)  # expect: SQA202, SQA301
        conn.execute(text("SELECT refresh_tenant_views()"))


def vacuum(warehouse, tables):
    stmt = "VACUUM ANALYZE " + ", ".join(tables)
    with warehouse.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(stmt)  # expect: SQA301
