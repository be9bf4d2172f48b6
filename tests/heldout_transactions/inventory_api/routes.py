"""HTTP endpoints for products and stock levels."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Optional

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, status
from pydantic import BaseModel
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from .db import SessionLocal, get_db
from .models import AuditEvent, MovementKind, Product, StockMovement

log = logging.getLogger(__name__)
router = APIRouter(prefix="/products", tags=["products"])


class ProductIn(BaseModel):
    sku: str
    name: str
    unit_price: Decimal
    warehouse_id: int
    reorder_level: int = 10


class ProductOut(BaseModel):
    model_config = {"from_attributes": True}

    id: int
    sku: str
    name: str
    quantity: int


class AdjustmentIn(BaseModel):
    delta: int
    note: Optional[str] = None


class ReservationIn(BaseModel):
    quantity: int
    order_ref: str


def record_audit(actor: str, action: str, payload: str) -> None:
    with SessionLocal() as session:
        session.add(AuditEvent(actor=actor, action=action, payload=payload))  # expect: SQA106


def bump_view_count(product_id: int) -> None:
    with SessionLocal() as session:
        session.execute(  # expect: SQA106
            text("update products set view_count = view_count + 1 where id = :id"),
            {"id": product_id},
        )


@router.get("/{product_id}", response_model=ProductOut)
def get_product(
    product_id: int, background_tasks: BackgroundTasks, db: Session = Depends(get_db)
) -> Product:
    product = db.get(Product, product_id)
    if product is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "product not found")
    background_tasks.add_task(bump_view_count, product_id)
    return product


@router.post("/", response_model=ProductOut, status_code=status.HTTP_201_CREATED)
def create_product(
    payload: ProductIn, background_tasks: BackgroundTasks, db: Session = Depends(get_db)
) -> Product:
    product = Product(**payload.model_dump())
    db.add(product)
    db.commit()
    db.refresh(product)
    background_tasks.add_task(record_audit, "api", "create_product", product.sku)
    return product


@router.post("/{product_id}/adjustments", response_model=ProductOut)
def adjust_stock(
    product_id: int, adjustment: AdjustmentIn, db: Session = Depends(get_db)
) -> Product:
    product = db.get(Product, product_id)
    if product is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "product not found")
    product.quantity += adjustment.delta
    db.add(
        StockMovement(
            product_id=product.id,
            kind=MovementKind.ADJUSTMENT,
            delta=adjustment.delta,
            note=adjustment.note,
        )
    )
    db.flush()
    return product


@router.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_product(product_id: int, db: Session = Depends(get_db)) -> None:
    product = db.get(Product, product_id)
    if product is not None:
        db.delete(product)
        db.commit()


@router.post("/{product_id}/reservations", status_code=status.HTTP_201_CREATED)
def reserve_stock(product_id: int, reservation: ReservationIn) -> dict:
    with SessionLocal() as session:
        result = session.execute(
            update(Product)
            .where(Product.id == product_id, Product.quantity >= reservation.quantity)
            .values(quantity=Product.quantity - reservation.quantity)
        )
        if result.rowcount == 0:
            raise HTTPException(status.HTTP_409_CONFLICT, "insufficient stock")
        session.add(
            StockMovement(
                product_id=product_id,
                kind=MovementKind.SHIPMENT,
                delta=-reservation.quantity,
                note=reservation.order_ref,
            )
        )
        session.commit()
    return {"product_id": product_id, "reserved": reservation.quantity}


@router.delete("/{product_id}/reservations/{order_ref}")
def cancel_reservation(
    product_id: int, order_ref: str, quantity: int, confirm: bool = True
) -> dict:
    with SessionLocal() as session:
        session.execute(  # expect: SQA106
            update(Product)
            .where(Product.id == product_id)
            .values(quantity=Product.quantity + quantity)
        )
        session.add(  # expect: SQA106
            StockMovement(
                product_id=product_id,
                kind=MovementKind.ADJUSTMENT,
                delta=quantity,
                note=f"cancel {order_ref}",
            )
        )
        if confirm:
            session.commit()
    return {"product_id": product_id, "released": quantity}
