"""Catalogue and supplier-sales exports for the buying team.

Usage: SHOP_DATABASE_URL=... python -m shop_admin.scripts.export_products catalogue.csv sales.csv
"""

from __future__ import annotations

import csv
import os
import sys
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, joinedload

from shop_admin.models import Order, OrderItem, Product, Supplier


def export_catalogue(engine, path: str) -> int:
    with Session(engine) as session:
        products = session.execute(select(Product).order_by(Product.sku)).scalars().all()
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["sku", "name", "price", "stock", "category", "supplier", "images"])
            for p in products:
                writer.writerow(
                    [
                        p.sku,
                        p.name,
                        p.price,
                        p.stock,
                        p.category.name if p.category else "",  # expect: SQA401
                        p.supplier.name if p.supplier else "",
                        "|".join(img.url for img in p.images),
                    ]
                )
        return len(products)


def restock_report(session: Session, below: int = 5) -> list[tuple[str, str, str]]:
    products = (
        session.query(Product)
        .options(joinedload(Product.category))
        .filter(Product.stock < below)
        .order_by(Product.stock)
        .all()
    )
    return [
        (p.sku, p.category.name if p.category else "-", p.supplier.contact_email if p.supplier else "")
        for p in products
    ]


def supplier_sales(session: Session, supplier_id: int) -> dict[str, Decimal]:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise SystemExit(f"no supplier {supplier_id}")
    items = session.scalars(
        select(OrderItem)
        .join(OrderItem.product)
        .join(OrderItem.order)
        .where(Product.supplier_id == supplier_id, Order.status != "cancelled")
    ).all()
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        totals[item.product.name] += item.unit_price * item.quantity  # expect: SQA401
    return dict(totals)


def write_sales(path: str, totals: dict[str, Decimal]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["product", "revenue"])
        for name, revenue in sorted(totals.items(), key=lambda kv: kv[1], reverse=True):
            writer.writerow([name, f"{revenue:.2f}"])


if __name__ == "__main__":
    eng = create_engine(os.environ["SHOP_DATABASE_URL"])
    export_catalogue(eng, sys.argv[1])
    with Session(eng) as s:
        write_sales(sys.argv[2], supplier_sales(s, int(os.environ.get("SUPPLIER_ID", "1"))))
