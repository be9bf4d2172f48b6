"""Import phone orders from the call-centre spreadsheet.

Usage: python -m shop_admin.scripts.import_orders phone_orders.csv
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from shop_admin import create_app
from shop_admin.extensions import db
from shop_admin.models import Customer, Order, OrderItem, Product


@dataclass
class PhoneOrder:
    customer: str
    sku: str
    quantity: int
    items: list[str]


def read_rows(path: str) -> list[PhoneOrder]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            PhoneOrder(
                customer=row["email"].strip().lower(),
                sku=row["sku"].strip(),
                quantity=int(row["qty"]),
                items=row.get("extras", "").split("|") if row.get("extras") else [],
            )
            for row in csv.DictReader(fh)
        ]


def import_orders(records: list[PhoneOrder]) -> int:
    emails = {r.customer for r in records}
    skus = {r.sku for r in records}
    customers = {c.email: c for c in db.session.scalars(select(Customer).where(Customer.email.in_(emails)))}
    products = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(skus)))}
    created = 0
    for rec in records:
        customer = customers.get(rec.customer)
        product = products.get(rec.sku)
        if customer is None or product is None:
            print(f"skipping {rec.customer}/{rec.sku}: unknown", file=sys.stderr)
            continue
        line = OrderItem(product=product, quantity=rec.quantity, unit_price=product.price)
        order = Order(customer=customer, status="pending", total=Decimal(product.price) * rec.quantity, items=[line])
        if rec.items:
            print(f"order for {rec.customer} has extras {rec.items}", file=sys.stderr)
        db.session.add(order)
        created += 1
    db.session.commit()
    return created


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(import_orders(read_rows(sys.argv[1])), "orders imported")
