"""Ad-hoc analysis over the exported parquet files with DuckDB (not SQLAlchemy)."""

import duckdb

engine = duckdb.connect(":memory:")
engine.execute("INSTALL httpfs")
engine.execute("LOAD httpfs")


def monthly_totals():
    return engine.query(
        "SELECT month, sum(amount) AS total FROM read_parquet('exports/*.parquet') GROUP BY 1"
    ).df()


def row_count():
    return engine.execute("SELECT count(*) FROM read_parquet('exports/*.parquet')").fetchone()[0]
