from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..db import SessionLocal
from ..models import Order, OrderEvent, OrderLine, Product

logger = logging.getLogger(__name__)


class OrderConflict(Exception):
    pass


def place_order(customer_id: int, lines: Sequence[tuple[str, int]]) -> Order:
    with SessionLocal() as session:
        order = Order(customer_id=customer_id, status="pending")
        session.add(order)
        for sku, qty in lines:
            product = session.scalars(select(Product).where(Product.sku == sku)).one()
            session.add(OrderLine(order=order, product=product, quantity=qty, unit_price=product.price))
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise OrderConflict(f"could not place order for customer {customer_id}") from exc
        session.refresh(order)
        return order


def cancel_order(session: Session, order_id: int, reason: str) -> Order | None:
    order = session.get(Order, order_id)
    if order is None:
        return None
    order.status = "cancelled"
    session.add(OrderEvent(order_id=order.id, kind="cancelled", note=reason))
    try:
        session.commit()
    except SQLAlchemyError:
        logger.exception("failed to cancel order %s", order_id)
        return None
    return order


def mark_paid(session: Session, order_id: int, payment_ref: str) -> None:
    order = session.get(Order, order_id)
    if order is None:
        raise LookupError(order_id)
    try:
        if not payment_ref.strip():
            raise ValueError("empty payment reference")
        order.status = "paid"
        order.payment_ref = payment_ref
        session.flush()
    except (ValueError, IntegrityError):  # expect: SQA110
        logger.error("payment ref %r rejected for order %s", payment_ref, order_id)
        order.status = "review"
    session.commit()


def attach_invoice(session: Session, order_id: int, invoice_no: str) -> str | None:
    order = session.get(Order, order_id)
    if order is None:
        return None
    order.invoice_no = invoice_no
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        logger.warning("invoice number %s already taken", invoice_no)
    except SQLAlchemyError:  # expect: SQA110
        logger.exception("could not attach invoice to order %s", order_id)
    return session.scalar(select(Order.invoice_no).where(Order.id == order_id))


def sync_order_status(session: Session, order_id: int, remote_status: str) -> None:
    event = OrderEvent(order_id=order_id, kind="remote_sync", note=remote_status)
    try:
        session.add(event)
        session.commit()
    except sa.exc.SQLAlchemyError:  # expect: SQA110
        logger.warning("could not store sync event for order %s", order_id)
    session.merge(Order(id=order_id, status=remote_status))
    session.commit()


def refresh_order_totals(session: Session) -> list[tuple[int, int]]:
    try:
        session.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals"))
    except DBAPIError:
        # sqlite in tests has no materialized views
        logger.debug("order_totals refresh skipped")
    rows = session.execute(
        select(OrderLine.order_id, sa.func.sum(OrderLine.quantity)).group_by(OrderLine.order_id)
    ).all()
    return [(order_id, qty) for order_id, qty in rows]
