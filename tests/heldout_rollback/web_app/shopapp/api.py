"""Public JSON API."""

from __future__ import annotations

import logging
from enum import Enum

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Response
from pydantic import BaseModel
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from .db import get_async_session, get_db
from .models import Order, OrderNote, Product, Review, User
from .repositories import TagRepository
from .services.notifications import NotificationService

logger = logging.getLogger(__name__)
router = APIRouter()


class OrderStatus(str, Enum):
    pending = "pending"
    paid = "paid"
    shipped = "shipped"
    cancelled = "cancelled"


class UserIn(BaseModel):
    email: str
    name: str


class UserOut(BaseModel):
    id: int
    email: str
    name: str


class ReviewIn(BaseModel):
    user_id: int
    rating: int
    body: str = ""


class OrderPatch(BaseModel):
    status: str


class NoteIn(BaseModel):
    body: str


@router.post("/users", status_code=201, response_model=UserOut)
def create_user(payload: UserIn, db: Session = Depends(get_db)) -> UserOut:
    user = User(email=payload.email.lower(), name=payload.name)
    db.add(user)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise HTTPException(status_code=409, detail="email already registered")
    db.refresh(user)
    return UserOut(id=user.id, email=user.email, name=user.name)


@router.put("/users/{user_id}/tags")
def set_user_tags(user_id: int, names: list[str], db: Session = Depends(get_db)) -> dict:
    user = db.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404)
    user.tags = TagRepository(db).ensure_tags(names)
    db.commit()
    return {"tags": [t.name for t in user.tags]}


@router.post("/products/{product_id}/reviews", status_code=201)
def add_review(product_id: int, payload: ReviewIn, db: Session = Depends(get_db)) -> dict:
    review = Review(product_id=product_id, user_id=payload.user_id, rating=payload.rating, body=payload.body)
    try:
        db.add(review)
        db.commit()
    except IntegrityError:  # expect: SQA110
        # one review per user and product; keep the first one
        logger.info("user %s already reviewed product %s", payload.user_id, product_id)
    count = db.scalar(select(func.count(Review.id)).where(Review.product_id == product_id))
    return {"reviews": count}


@router.delete("/products/{product_id}", status_code=204)
def delete_product(product_id: int, db: Session = Depends(get_db)) -> Response:
    product = db.get(Product, product_id)
    if product is None:
        raise HTTPException(status_code=404)
    try:
        db.delete(product)
        db.commit()
    except IntegrityError:
        raise HTTPException(status_code=409, detail="product is referenced by orders")
    return Response(status_code=204)


@router.patch("/orders/{order_id}")
def update_order(order_id: int, payload: OrderPatch, db: Session = Depends(get_db)) -> dict:
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404)
    try:
        order.status = OrderStatus(payload.status).value
        db.commit()
    except ValueError:
        logger.info("ignoring unknown status %r for order %s", payload.status, order_id)
    db.refresh(order)
    return {"id": order.id, "status": order.status}


@router.post("/orders/{order_id}/notes", status_code=201)
def add_order_note(order_id: int, payload: NoteIn, db: Session = Depends(get_db)) -> dict:
    note = OrderNote(order_id=order_id, body=payload.body)
    try:
        db.add(note)
        db.flush()
    except:  # expect: SQA110
        logger.exception("could not add note to order %s", order_id)
        note = None
    db.commit()
    return {"id": note.id if note else None}


@router.post("/users/{user_id}/notifications/welcome")
async def send_welcome(user_id: int, session: AsyncSession = Depends(get_async_session)) -> dict:
    note = await NotificationService(session).enqueue(user_id, "welcome", f"welcome:{user_id}", {})
    return {"queued": note is not None}


@router.get("/health")
def health(db: Session = Depends(get_db)) -> dict:
    db_ok = True
    try:
        db.execute(text("SELECT 1"))
    except OperationalError:
        db_ok = False
    pending = None
    if db_ok:
        pending = db.scalar(select(func.count(Order.id)).where(Order.status == "pending"))
    return {"db": db_ok, "pending_orders": pending}


def create_app() -> FastAPI:
    app = FastAPI(title="shop")
    app.include_router(router, prefix="/api")
    return app
