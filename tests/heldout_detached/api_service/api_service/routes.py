"""HTTP routes."""
import logging

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import services
from .db import SessionLocal, get_db
from .models import ApiKey, Order, Product, User
from .repositories import ProductRepository, UserRepository

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api")
users = UserRepository()
products = ProductRepository()


class UserIn(BaseModel):
    email: str
    name: str


class KeyIn(BaseModel):
    label: str = "default"


@router.post("/users", status_code=201)
def create_user(payload: UserIn, db: Session = Depends(get_db)):
    user = User(email=payload.email.lower(), name=payload.name)
    db.add(user)
    db.commit()
    return user.to_dict()


@router.patch("/users/{user_id}")
def update_user(user_id: int, payload: UserIn, db: Session = Depends(get_db)):
    user = db.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="user not found")
    user.email = payload.email.lower()
    user.name = payload.name
    db.commit()
    return user


@router.get("/users/{user_id}")
def read_user(user_id: int):
    user = users.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="user not found")
    return user.to_dict()


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: int):
    if not users.deactivate(user_id):
        raise HTTPException(status_code=404, detail="user not found")
    return {"ok": True}


@router.post("/users/{user_id}/keys", status_code=201)
def create_key(user_id: int, payload: KeyIn):
    issued = services.issue_api_key(user_id, payload.label)
    return {"id": issued.key_id, "token": issued.token}


@router.delete("/keys/{key_id}")
def revoke_key(key_id: int):
    with SessionLocal() as db:
        key = db.get(ApiKey, key_id)
        if key is None:
            raise HTTPException(status_code=404, detail="key not found")
        db.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=services._utcnow()))
        db.commit()
        key_prefix = key.prefix
    logger.info("revoked key %s", key_prefix)
    return {"revoked": key_prefix}


@router.post("/users/touch")
def touch_users(ids: list[int]):
    with SessionLocal() as s:
        s.execute(update(User).where(User.id.in_(ids)).values(last_seen_at=services._utcnow()))
        rows = s.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
        s.commit()
    return [{"id": row.id, "name": row.name} for row in rows]


@router.get("/products")
def list_products():
    return products.price_list()


@router.post("/products/{sku}/restock")
def restock(sku: str, qty: int):
    with SessionLocal() as s:
        product = s.scalars(select(Product).where(Product.sku == sku)).first()
        if product is None:
            raise HTTPException(status_code=404, detail="unknown sku")
        product.stock += qty
        s.commit()
    return {"sku": sku, "stock": product.stock}  # expect: SQA107


@router.post("/users/{user_id}/orders/ship")
def ship_paid_orders(user_id: int):
    with SessionLocal() as s:
        paid = s.scalars(
            select(Order).where(Order.user_id == user_id, Order.status == "paid")
        ).all()
        for order in paid:
            order.status = "shipped"
        s.commit()
    shipped = []
    for order in paid:
        shipped.append(order.id)  # expect: SQA107
    return {"shipped": shipped}


@router.post("/orders/{order_id}/cancel")
def cancel_order(order_id: int):
    with SessionLocal.begin() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise HTTPException(status_code=404, detail="order not found")
        order.status = "cancelled"
    return {"id": order_id, "status": order.status}  # bonus: SQA107


@router.post("/orders/{order_id}/checkout")
def checkout(order_id: int):
    try:
        status = services.checkout(order_id)
    except LookupError:
        raise HTTPException(status_code=404, detail="order not found")
    except services.PaymentError as exc:
        raise HTTPException(status_code=402, detail=str(exc))
    return {"id": order_id, "status": status}
