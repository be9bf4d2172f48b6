"""Export orders and order lines to CSV.

Usage: python -m shop_admin.scripts.export_orders orders.csv lines.csv [--since YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import csv
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from shop_admin import create_app
from shop_admin.extensions import db
from shop_admin.models import Order, OrderItem

ORDER_HEADER = ["order_id", "placed_at", "status", "customer_email", "sku", "qty", "unit_price"]
LINE_HEADER = ["line_id", "order_id", "placed_at", "order_status", "sku", "product", "qty"]


def export_orders(path: str, since: date | None = None) -> int:
    stmt = (
        select(Order)
        .options(selectinload(Order.items).joinedload(OrderItem.product))
        .order_by(Order.id)
    )
    if since is not None:
        stmt = stmt.where(Order.placed_at >= datetime.combine(since, datetime.min.time(), timezone.utc))
    written = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(ORDER_HEADER)
        for order in db.session.scalars(stmt):
            for item in order.items:
                writer.writerow(
                    [
                        order.id,
                        order.placed_at.isoformat(),
                        order.status,
                        order.customer.email,  # expect: SQA401
                        item.product.sku,
                        item.quantity,
                        item.unit_price,
                    ]
                )
                written += 1
    return written


def export_order_lines(path: str, status: str | None = None) -> int:
    stmt = select(OrderItem).options(joinedload(OrderItem.product)).order_by(OrderItem.id)
    if status:
        stmt = stmt.join(OrderItem.order).where(Order.status == status)
    items = db.session.scalars(stmt).all()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=LINE_HEADER)
        writer.writeheader()
        for item in items:
            writer.writerow(
                {
                    "line_id": item.id,
                    "order_id": item.order_id,
                    "placed_at": item.order.placed_at.isoformat(),  # expect: SQA401
                    "order_status": item.order.status,
                    "sku": item.product.sku,
                    "product": item.product.name,
                    "qty": item.quantity,
                }
            )
    return len(items)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("orders_csv")
    parser.add_argument("lines_csv")
    parser.add_argument("--since", type=date.fromisoformat)
    parser.add_argument("--status")
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        n = export_orders(args.orders_csv, args.since)
        m = export_order_lines(args.lines_csv, args.status)
    print(f"wrote {n} order rows and {m} line rows")


if __name__ == "__main__":
    main()
