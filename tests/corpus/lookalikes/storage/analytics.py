"""Local analytics with DuckDB over parquet exports."""
from pathlib import Path
from typing import List, Tuple

import duckdb


def top_products(export_dir: Path, limit: int = 10) -> List[Tuple[str, int]]:
    con = duckdb.connect()
    return con.execute(
        f"SELECT sku, sum(qty) AS sold FROM read_parquet('{export_dir}/*.parquet') "
        f"GROUP BY sku ORDER BY sold DESC LIMIT {limit}"
    ).fetchall()


def build_database(db_file: str, export_dir: Path) -> None:
    conn = duckdb.connect(db_file)
    conn.execute(f"CREATE OR REPLACE TABLE orders AS SELECT * FROM read_parquet('{export_dir}/orders_*.parquet')")
    conn.close()


def row_count(db_file: str, table: str) -> int:
    return duckdb.connect(db_file, read_only=True).execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def per_day(db_files: List[str]) -> dict:
    result = {}
    for f in db_files:
        engine = duckdb.connect(f, read_only=True)
        result[f] = engine.sql("SELECT count(*) FROM orders").fetchone()[0]
    return result
