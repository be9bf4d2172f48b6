"""Reports, half migrated: the old connectionless calls sit next to the 2.0 forms."""
from sqlalchemy import select, text

from .db import engine, legacy_engine
from .models import invoices
from .settings import INVOICE_TABLE

OVERDUE_SQL = "SELECT id, customer_id, total FROM invoices " "WHERE due_date < now() AND paid = false"
MONTHLY_SQL = """
    SELECT date_trunc('month', issued_at) AS month, sum(total)
    FROM invoices GROUP BY 1 ORDER BY 1
"""


def overdue_invoices():
    return engine.execute(OVERDUE_SQL).fetchall()  # expect: SQA201


def invoice_count():
    return engine.scalar("SELECT count(*) FROM invoices")  # expect: SQA201


def purge_drafts():
    legacy_engine.execute("DELETE FROM invoices WHERE status = 'draft'")  # expect: SQA201


def monthly_totals():
    with engine.connect() as conn:
        return conn.execute(MONTHLY_SQL).fetchall()  # expect: SQA202


def monthly_totals_migrated():
    with engine.connect() as conn:
        return conn.execute(text(MONTHLY_SQL)).fetchall()


def customer_invoices(customer_id):
    with engine.connect() as conn:
        return conn.execute(
            select(invoices).where(invoices.c.customer_id == customer_id)
        ).all()


def invoices_for_region(region, newest_first=True):
    order = "DESC" if newest_first else "ASC"
    query = (
        f"SELECT id, total FROM {INVOICE_TABLE} WHERE region = :region "
        f"ORDER BY issued_at {order}"
    )
    with engine.connect() as conn:
        return conn.execute(text(query), {"region": region}).all()


def invoices_by_status(status):
    query = "SELECT id, total FROM invoices WHERE status = '%s'" % status
    with engine.connect() as conn:
        return conn.execute(text(query)).all()  # expect: SQA301


def search_customers(term):
    with engine.connect() as conn:
        rows = conn.execute(  # expect: SQA202
            "SELECT id, name FROM customers "
            "WHERE name ILIKE %(term)s",
            {"term": f"%{term}%"},
        )
        return rows.all()


def top_customers(limit):
    sql = "SELECT customer_id, sum(total) FROM invoices GROUP BY 1 ORDER BY 2 DESC"
    sql += " LIMIT %d" % int(limit)
    with engine.connect() as conn:
        return conn.exec_driver_sql(sql).all()


def export_table(table_name, since):
    with engine.connect() as conn:
        return conn.exec_driver_sql(  # expect: SQA301
            "SELECT * FROM {} WHERE updated_at > '{}'".format(table_name, since)
        ).all()


def explain(statement):
    """Run EXPLAIN; `conn.execute(text(f"EXPLAIN {statement}"))` would be unsafe."""
    with engine.connect() as conn:
        return conn.execute(text("EXPLAIN " + statement)).all()  # expect: SQA301
