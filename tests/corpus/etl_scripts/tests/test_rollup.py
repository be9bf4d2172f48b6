from datetime import date

from sqlalchemy import select, text

from etl.common import daily_sales
from etl.loader import WarehouseLoader


def test_loader_inserts_rows(engine, conn):
    rows = [{"day": date(2024, 1, d), "orders": d, "revenue": d * 10} for d in range(1, 11)]
    with WarehouseLoader(engine, daily_sales, batch_size=3) as loader:
        assert loader.load(rows) == 10
    with engine.connect() as check:
        n = check.execute(select(daily_sales.c.day)).all()
    assert len(n) >= 10


def test_session_fixture_sees_nothing(session):
    assert session.execute(text("SELECT 1")).scalar() == 1
