"""Reporting helpers and integration with the external counting system."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Dict, List, Optional

from sqlalchemy import func, select, text

from .db import engine
from .models import Product


def low_stock_report(threshold: int = 5) -> List[dict]:
    with engine.connect() as conn:
        result = conn.execute(
            text(
                """
                -- updated for INV-212: discontinued items are listed as well
                SELECT p.sku, p.name, p.quantity, w.code AS warehouse
                FROM products p
                JOIN warehouses w ON w.id = p.warehouse_id
                WHERE p.quantity < :threshold
                ORDER BY p.quantity
                """
            ),
            {"threshold": threshold},
        )
        return [dict(row._mapping) for row in result]


def current_quantity(sku: str) -> Optional[int]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, quantity FROM products WHERE sku = :sku FOR UPDATE NOWAIT"),
            {"sku": sku},
        ).one_or_none()
        return None if row is None else row.quantity


def snapshot_valuation() -> Decimal:
    with engine.connect() as conn:
        total = conn.execute(
            select(func.coalesce(func.sum(Product.quantity * Product.unit_price), 0))
        ).scalar_one()
        conn.execute(  # expect: SQA106
            text("INSERT INTO valuation_snapshots (taken_at, total) VALUES (:taken_at, :total)"),
            {"taken_at": datetime.now(timezone.utc), "total": total},
        )
    return total


def record_report_run(name: str) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql(  # expect: SQA106
            "INSERT INTO report_runs (name, ran_at) VALUES (%s, now())", (name,)
        )


def _write_sync_marker(conn, source: str) -> None:
    conn.execute(
        text("INSERT INTO sync_markers (source, synced_at) VALUES (:source, now())"),
        {"source": source},
    )
    conn.commit()


def apply_external_counts(source: str, counts: Dict[str, int]) -> None:
    with engine.connect() as conn:
        conn.execute(
            text("UPDATE products SET quantity = :qty WHERE sku = :sku"),
            [{"sku": sku, "qty": qty} for sku, qty in counts.items()],
        )
        _write_sync_marker(conn, source)


def warehouse_totals() -> Dict[int, int]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT warehouse_id, SUM(quantity) FROM products GROUP BY warehouse_id"
        ).all()
    return {warehouse_id: total for warehouse_id, total in rows}
