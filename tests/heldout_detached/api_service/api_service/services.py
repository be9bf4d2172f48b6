"""Business operations spanning several tables."""
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .db import NoExpireSession, SessionLocal, engine
from .models import ApiKey, Order, OrderLine, Product, User

log = logging.getLogger("api_service.services")


class PaymentError(RuntimeError):
    pass


@dataclass
class IssuedKey:
    key_id: int
    token: str


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _charge(user_id: int, amount_cents: int) -> None:
    if amount_cents < 0:
        raise PaymentError(f"negative charge for user {user_id}")
    log.debug("charged user %s %s cents", user_id, amount_cents)


def issue_api_key(user_id: int, label: str) -> IssuedKey:
    token = secrets.token_urlsafe(32)
    key = ApiKey(user_id=user_id, prefix=token[:8], key_hash=_hash(token), label=label)
    with SessionLocal() as db:
        db.add(key)
        db.commit()
        issued = IssuedKey(key_id=key.id, token=token)
    log.info("issued key %s for user %s", key.prefix, user_id)
    return issued


def rotate_api_key(key_id: int) -> IssuedKey:
    token = secrets.token_urlsafe(32)
    with SessionLocal() as db:
        old = db.get_one(ApiKey, key_id)
        old.revoked_at = _utcnow()
        replacement = ApiKey(
            user_id=old.user_id,
            prefix=token[:8],
            key_hash=_hash(token),
            label=old.label,
        )
        db.add(replacement)
        db.commit()
        log.info("revoked key %s", old.prefix)
    return IssuedKey(key_id=replacement.id, token=token)  # expect: SQA107


def create_order(user_id: int, sku: str, qty: int) -> dict:
    with SessionLocal() as db:
        product = db.scalars(select(Product).where(Product.sku == sku)).one()
        order = Order(user_id=user_id, status="pending", total_cents=product.price_cents * qty)
        db.add(order)
        db.flush()
        db.refresh(order)
        db.add(
            OrderLine(
                order_id=order.id,
                product_id=product.id,
                quantity=qty,
                unit_price_cents=product.price_cents,
            )
        )
        db.commit()
    return {"id": order.id, "created_at": order.created_at.isoformat()}  # expect: SQA107


def add_line(db: Session, order: Order, product: Product, qty: int) -> OrderLine:
    line = OrderLine(
        order_id=order.id,
        product_id=product.id,
        quantity=qty,
        unit_price_cents=product.price_cents,
    )
    db.add(line)
    order.total_cents += qty * product.price_cents
    db.commit()
    return line


def checkout(order_id: int) -> str:
    with SessionLocal() as db:
        order = db.get(Order, order_id)
        if order is None:
            raise LookupError(order_id)
        order.status = "reserved"
        db.commit()
        log.info("order %s reserved, total %s", order.id, order.total_cents)
        _charge(order.user_id, order.total_cents)
        order.status = "paid"
        db.commit()
    return order.status  # expect: SQA107


def close_stale_orders(cutoff: datetime) -> list[int]:
    with SessionLocal() as db:
        stale = db.scalars(
            select(Order).where(Order.status == "pending", Order.created_at < cutoff)
        ).all()
        for o in stale:
            o.status = "expired"
        db.commit()
        closed_ids = [o.id for o in stale]
    log.info("expired %d orders", len(closed_ids))
    return closed_ids


def sync_product(payload: dict) -> str:
    with SessionLocal() as db:
        product = db.merge(
            Product(
                id=payload["id"],
                sku=payload["sku"],
                name=payload["name"],
                price_cents=payload["price_cents"],
            )
        )
        db.commit()
    return f"synced {product.sku}"  # expect: SQA107


def snapshot_user(user_id: int) -> User:
    with NoExpireSession() as db:
        user = db.get_one(User, user_id)
        user.last_seen_at = _utcnow()
        db.commit()
    return user


def create_admin(email: str, name: str) -> User:
    admin = User(email=email, name=name)
    with Session(engine, expire_on_commit=False) as db:
        db.add(admin)
        db.commit()
    log.warning("created admin account %s", admin.email)
    return admin


def transfer_orders(from_user_id: int, to_user_id: int) -> int:
    with SessionLocal() as reader:
        source = reader.get_one(User, from_user_id)
        target = reader.get_one(User, to_user_id)
    with SessionLocal() as writer:
        moved = writer.execute(
            update(Order).where(Order.user_id == source.id).values(user_id=target.id)
        ).rowcount
        writer.commit()
    log.info("moved %d orders from %s to %s", moved, source.email, target.email)
    return moved


def merge_accounts(keep_id: int, drop_id: int) -> None:
    with SessionLocal() as db:
        keep = db.get_one(User, keep_id)
        drop = db.get_one(User, drop_id)
        keep.name = keep.name or drop.name
        drop.is_active = False
        db.commit()
    with SessionLocal() as db:
        db.execute(
            update(ApiKey).where(ApiKey.user_id == drop.id).values(user_id=keep_id)  # expect: SQA107
        )
        db.commit()
