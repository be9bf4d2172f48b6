"""Batch reports: the script-style mistakes, each next to its correct twin."""

import pandas as pd
from sqlalchemy import create_engine, text

from .database import engine

QUERY = "SELECT name, price_cents FROM products"


def load_prices_leaky():
    # The connection handed to pandas is never closed.
    return pd.read_sql(QUERY, engine.connect())  # expect: SQA101


def load_prices():
    with engine.connect() as conn:
        return pd.read_sql(QUERY, conn)


def purge_leaky():
    engine.connect().execute(text("DELETE FROM products WHERE price_cents < 0"))  # expect: SQA101, SQA106


def purge():
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM products WHERE price_cents < 0"))


def count_leaky():
    conn = engine.connect()  # expect: SQA104
    total = conn.execute(text("SELECT count(*) FROM products")).scalar()
    conn.close()  # skipped when the query raises
    return total


def count():
    conn = engine.connect()
    try:
        return conn.execute(text("SELECT count(*) FROM products")).scalar()
    finally:
        conn.close()


def archive_all_leaky(urls):
    for url in urls:
        target = create_engine(url)  # expect: SQA103
        with target.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS archive (id INTEGER)"))


def archive_all(urls):
    for url in urls:
        target = create_engine(url)
        try:
            with target.begin() as conn:
                conn.execute(text("CREATE TABLE IF NOT EXISTS archive (id INTEGER)"))
        finally:
            target.dispose()


def not_sqlalchemy(path):
    import sqlite3

    # sqlite3 is not SQLAlchemy: never reported.
    db = sqlite3.connect(path)
    return db.execute("SELECT 1").fetchone()
