"""Standalone customer export for the CRM team (no Flask app needed).

Usage: SHOP_DATABASE_URL=... python -m shop_admin.scripts.export_customers customers.csv notes.csv
"""

from __future__ import annotations

import csv
import os
import sys

from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from shop_admin.models import Customer, CustomerNote

engine = create_engine(os.environ["SHOP_DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)


def export_customers(path: str) -> int:
    with SessionLocal() as session:
        customers = session.scalars(select(Customer).order_by(Customer.id)).all()
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "email", "name", "city", "postcode", "points", "orders", "vip"])
            for c in customers:
                addr = c.addresses[0] if c.addresses else None
                points = c.loyalty_account.points if c.loyalty_account else 0
                order_count = len(c.orders)  # expect: SQA401
                writer.writerow(
                    [
                        c.id,
                        c.email,
                        c.name,
                        addr.city if addr else "",
                        addr.postcode if addr else "",
                        points,
                        order_count,
                        "yes" if c.is_vip else "no",
                    ]
                )
        return len(customers)


def export_notes(path: str) -> int:
    written = 0
    with SessionLocal() as session, open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["note_id", "customer_email", "written_by", "body"])
        for note in session.query(CustomerNote).order_by(CustomerNote.created_at):
            writer.writerow([note.id, note.customer.email, note.written_by, note.body])  # bonus: SQA401
            written += 1
    return written


def export_customer_ids(path: str) -> None:
    with SessionLocal() as session, open(path, "w", encoding="utf-8") as fh:
        for customer_id, email in session.execute(select(Customer.id, Customer.email)):
            fh.write(f"{customer_id},{email}\n")


if __name__ == "__main__":
    export_customers(sys.argv[1])
    export_notes(sys.argv[2])
