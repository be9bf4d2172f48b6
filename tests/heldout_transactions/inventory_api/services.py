"""Batch jobs that keep stock levels consistent."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from .db import SessionLocal, engine
from .models import AuditEvent, MovementKind, Product, StockMovement, Warehouse

log = logging.getLogger(__name__)


@contextmanager
def session_scope() -> Iterator[Session]:
    with SessionLocal() as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def seed_warehouses(codes: Iterable[str]) -> None:
    with session_scope() as session:
        for code in codes:
            session.add(Warehouse(code=code, name=f"Warehouse {code}"))


def reconcile_counts(counts: Dict[str, int]) -> int:
    with Session(engine) as session:
        products = session.scalars(select(Product).where(Product.sku.in_(counts))).all()
        for product in products:
            delta = counts[product.sku] - product.quantity
            if delta:
                session.add(  # expect: SQA106
                    StockMovement(
                        product_id=product.id,
                        kind=MovementKind.ADJUSTMENT,
                        delta=delta,
                        note="cycle count",
                    )
                )
                product.quantity = counts[product.sku]
        session.flush()
        log.info("reconciled %d products", len(products))
        return len(products)


def load_initial_stock(rows: List[dict]) -> None:
    with SessionLocal.begin() as session:
        session.bulk_insert_mappings(Product, rows)


def merge_catalog(products: Iterable[Product]) -> None:
    with SessionLocal() as session:
        for product in products:
            session.merge(product)
        session.commit()


def restore_catalog(products: Iterable[Product]) -> None:
    with SessionLocal() as session:
        for product in products:
            session.merge(product)  # expect: SQA106
        session.expunge_all()
        log.info("catalog restored")


def import_price_list(mappings: List[dict], dry_run: bool = False) -> None:
    with Session(engine) as session:
        session.bulk_update_mappings(Product, mappings)  # expect: SQA106
        log.info("updated prices for %d products", len(mappings))
        if not dry_run:
            session.commit()


def restore_movements(movements: List[StockMovement]) -> None:
    with SessionLocal() as session:
        session.bulk_save_objects(movements, return_defaults=False)  # expect: SQA106


def archive_discontinued() -> int:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Product.id, Product.sku).where(Product.discontinued_at.is_not(None))
        ).all()
        if not rows:
            return 0
        conn.execute(  # expect: SQA106
            insert(AuditEvent),
            [{"actor": "system", "action": "archive", "payload": row.sku} for row in rows],
        )
        conn.execute(  # expect: SQA106
            delete(Product).where(Product.id.in_([row.id for row in rows]))
        )
        return len(rows)


def mark_reorder_needed() -> List[str]:
    with Session(engine) as session, session.begin():
        skus = session.scalars(
            select(Product.sku).where(Product.quantity < Product.reorder_level)
        ).all()
        session.execute(
            update(Product)
            .where(Product.sku.in_(skus))
            .values(reorder_level=Product.reorder_level + 5)
        )
        session.add(AuditEvent(actor="system", action="reorder", payload=",".join(skus)))
    return list(skus)


def transfer_stock(sku: str, target_warehouse_id: int, qty: int) -> None:
    with SessionLocal() as session:
        with session.begin():
            product = session.scalars(select(Product).where(Product.sku == sku)).one()
            product.quantity -= qty
            product.warehouse_id = target_warehouse_id
            session.add(StockMovement(product=product, kind=MovementKind.SHIPMENT, delta=-qty))
        session.add(AuditEvent(actor="system", action="transfer", payload=sku))  # expect: SQA106


def discount_slow_movers(percent: int) -> int:
    stmt = (
        update(Product)
        .where(Product.quantity > Product.reorder_level * 4)
        .values(unit_price=Product.unit_price * (100 - percent) / 100)
    )
    with Session(engine) as session:
        result = session.execute(stmt)  # bonus: SQA106
        return result.rowcount
