"""SQA301 leaves `pd.read_sql("symbol-" + ticker, engine)` alone: pandas reads the table
of that name, or, when there is none, runs the text as a query, and no statement
starts with `symbol-`, so nothing a ticker holds can make it run one (shown here on
SQLite, through the same SQLAlchemy call pandas makes)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, inspect, text


@pytest.mark.parametrize(
    "ticker", ["x; DROP TABLE prices", "x\nDROP TABLE prices", "x'); DROP TABLE prices; --"]
)
def test_text_starting_with_a_table_word_runs_no_statement(ticker: str) -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE prices (x INTEGER)"))
        with pytest.raises(exc.OperationalError):
            conn.execute(text("symbol-" + ticker))
        assert inspect(conn).has_table("prices")
    engine.dispose()
