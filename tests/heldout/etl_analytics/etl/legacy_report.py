"""The monthly revenue report, written in 2019 against SQLAlchemy 1.3."""

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from .connections import WAREHOUSE_URL
from .models import Customer

engine = create_engine(WAREHOUSE_URL)
Session = sessionmaker(bind=engine)

REPORT_TABLE = "monthly_report"

REVENUE_SQL = """
    SELECT date_trunc('month', day) AS month, sum(amount) AS total
    FROM sales
    WHERE extract(year FROM day) = :year
    GROUP BY 1
    ORDER BY 1
"""


def revenue_by_month(year):
    rows = engine.execute(text(REVENUE_SQL), year=year)  # expect: SQA201
    return list(rows)


def top_customers(region, limit=10):
    with Session() as session:
        return (
            session.query(Customer.name, Customer.lifetime_value)  # expect: SQA203
            .filter(Customer.region == region)
            .order_by(Customer.lifetime_value.desc())
            .limit(limit)
            .all()
        )


def churned(months):
    return engine.execute(  # expect: SQA201, SQA301
        "SELECT id FROM customers WHERE last_order < now() - interval '%d months'" % months
    ).fetchall()


def customer_count():
    return engine.scalar("SELECT count(*) FROM customers")  # expect: SQA201


def refresh_rollups():
    with Session() as session:
        session.execute("REFRESH MATERIALIZED VIEW monthly_rollup")  # expect: SQA202
        session.commit()


def archive_old_sales(cutoff_year):
    with engine.begin() as conn:
        conn.execute(  # expect: SQA202
            """
            INSERT INTO sales_archive
            SELECT * FROM sales WHERE extract(year FROM day) < %(y)s
            """,
            {"y": cutoff_year},
        )


def reset_sequences():
    sql = "SELECT setval('customers_id_seq', (SELECT max(id) FROM customers))"
    with Session() as session:
        session.execute(sql)  # expect: SQA202
        session.commit()


def clear_report():
    with engine.begin() as conn:
        conn.execute("DELETE FROM %s" % REPORT_TABLE)  # expect: SQA202


class Exporter:
    def __init__(self, engine: Engine):
        self.engine = engine

    def export(self, path):
        rows = self.engine.execute(text(f"SELECT * FROM {REPORT_TABLE}")).fetchall()  # expect: SQA201
        with open(path, "w") as fh:
            for row in rows:
                fh.write(",".join(str(v) for v in row) + "\n")

    def export_month(self, month):
        with self.engine.connect() as connection:
            return connection.execute(
                text(f"SELECT * FROM {REPORT_TABLE} WHERE month = :m"), {"m": month}
            ).fetchall()


def main(argv=None):
    args = argv if argv is not None else sys.argv[1:]
    year = int(args[0])
    for month, total in revenue_by_month(year):
        print(month, total)
    print("customers:", customer_count())


if __name__ == "__main__":
    main()
