from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import exc, insert
from sqlalchemy.orm import Session, sessionmaker

from ..models import AuditLog, Product, ReservationLog, StockMovement, Supplier

logger = logging.getLogger(__name__)


class InsufficientStock(Exception):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"not enough stock for product {product_id}")
        self.product_id = product_id


@dataclass
class Delivery:
    delivery_id: str
    product_id: int
    quantity: int


@dataclass
class RestockReport:
    applied: int = 0
    failed: list[str] = field(default_factory=list)


class InventoryService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def restock(self, deliveries: list[Delivery]) -> RestockReport:
        report = RestockReport()
        with self._session_factory() as s:
            for d in deliveries:
                try:
                    product = s.get(Product, d.product_id)
                    product.stock += d.quantity
                    s.add(StockMovement(product_id=d.product_id, delta=d.quantity, reference=d.delivery_id))
                    s.commit()
                except exc.IntegrityError:  # expect: SQA110
                    logger.warning("delivery %s was already booked", d.delivery_id)
                    report.failed.append(d.delivery_id)
                    continue
                report.applied += 1
        return report

    def reserve(self, product_id: int, quantity: int) -> bool:
        with self._session_factory() as s:
            try:
                with s.begin():
                    product = s.get(Product, product_id, with_for_update=True)
                    if product is None or product.stock < quantity:
                        raise InsufficientStock(product_id)
                    product.stock -= quantity
                    s.add(StockMovement(product_id=product_id, delta=-quantity))
            except InsufficientStock:
                reserved = False
            except exc.OperationalError:
                logger.warning("lock timeout while reserving product %s", product_id)
                reserved = False
            else:
                reserved = True
            s.execute(
                insert(ReservationLog).values(
                    product_id=product_id, quantity=quantity, succeeded=reserved
                )
            )
            s.commit()
            return reserved

    def adjust(self, product_id: int, delta: int, note: str, actor: str) -> None:
        with self._session_factory() as s:
            product = s.get(Product, product_id)
            if product is None:
                raise LookupError(product_id)
            product.stock += delta
            s.add(StockMovement(product_id=product_id, delta=delta, note=note))
            try:
                s.commit()
            except exc.IntegrityError:
                s.rollback()
                logger.warning("stock adjustment for %s rejected", product_id)
            s.add(AuditLog(actor=actor, action="stock_adjust", target=f"product:{product_id}"))
            s.commit()

    def import_supplier_feed(self, supplier_id: int, rows: list[dict]) -> None:
        with self._session_factory() as s:
            try:
                for row in rows:
                    s.merge(
                        Product(
                            sku=row["sku"],
                            name=row["name"],
                            price=row["price"],
                            supplier_id=supplier_id,
                        )
                    )
                supplier = s.get(Supplier, supplier_id)
                supplier.last_feed_at = datetime.now(timezone.utc)
            except exc.DataError:  # expect: SQA110
                logger.exception("bad feed from supplier %s", supplier_id)
            s.commit()
