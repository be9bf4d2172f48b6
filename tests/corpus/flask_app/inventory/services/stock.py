"""Stock bookkeeping used by the admin views and the CLI."""
import logging
from datetime import date
from typing import Dict, List

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..db import ReportSession
from ..models import Product, StockMovement

log = logging.getLogger(__name__)

_import_sessions: Dict[str, Session] = {}


def transfer(session: Session, product_id: int, from_wh: int, to_wh: int, qty: int) -> None:
    """Move stock between warehouses inside the caller's transaction."""
    if qty <= 0:
        raise ValueError("qty must be positive")
    session.add_all(
        [
            StockMovement(product_id=product_id, warehouse_id=from_wh, delta=-qty, reason="transfer"),
            StockMovement(product_id=product_id, warehouse_id=to_wh, delta=qty, reason="transfer"),
        ]
    )


class StockLedger:
    """Read-only view on stock movements; use as a context manager."""

    def __init__(self):
        self.session = ReportSession()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.session.close()

    def history(self, product_id: int) -> List[dict]:
        rows = self.session.scalars(
            select(StockMovement)
            .where(StockMovement.product_id == product_id)
            .order_by(StockMovement.created_at)
        )
        return [m.to_dict() for m in rows]

    def on_hand(self, product_id: int) -> int:
        return self.session.scalar(
            select(func.coalesce(func.sum(StockMovement.delta), 0)).where(
                StockMovement.product_id == product_id
            )
        )


def begin_import(batch_id: str) -> Session:
    session = ReportSession()
    _import_sessions[batch_id] = session
    return session


def finish_import(batch_id: str, commit: bool = True) -> None:
    session = _import_sessions.pop(batch_id)
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def nightly_snapshot(day: date) -> int:
    session = ReportSession()  # only the snapshot command calls this: an exception ends it
    session.execute(
        text(
            "INSERT INTO stock_snapshots (day, product_id, quantity) "
            "SELECT :day, id, quantity FROM products"
        ),
        {"day": day},
    )
    count = session.scalar(select(func.count(Product.id)))
    session.commit()
    session.close()
    log.info("snapshot for %s: %s products", day, count)
    return count
