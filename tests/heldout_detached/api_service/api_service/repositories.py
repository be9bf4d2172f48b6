"""Data access for users and products.

Each method owns its session so callers never deal with transactions.
"""
import logging
from datetime import datetime, timezone

from sqlalchemy import select, update

from .db import SessionLocal
from .models import Product, User

logger = logging.getLogger(__name__)


class UserRepository:
    def get(self, user_id: int) -> User | None:
        with SessionLocal() as session:
            return session.get(User, user_id)

    def by_email(self, email: str) -> User | None:
        with SessionLocal() as session:
            stmt = select(User).where(User.email == email.lower())
            return session.scalars(stmt).one_or_none()

    def create(self, email: str, name: str) -> User:
        user = User(email=email.lower(), name=name)
        with SessionLocal() as session:
            session.add(user)
            session.commit()
            return user  # expect: SQA107

    def register(self, email: str, name: str) -> User:
        user = User(email=email.lower(), name=name)
        with SessionLocal() as session:
            session.add(user)
            session.commit()
            logger.info("registered user id=%s", user.id)
        return user

    def rename(self, user_id: int, name: str) -> User | None:
        with SessionLocal() as session:
            user = session.get(User, user_id)
            if user is None:
                return None
            user.name = name
            session.commit()
            session.refresh(user)
        return user

    def deactivate(self, user_id: int) -> bool:
        with SessionLocal() as session:
            user = session.get(User, user_id)
            if user is None:
                return False
            user.is_active = False
            session.commit()
        logger.info("deactivated %s", user.email)  # expect: SQA107
        return True

    def touch(self, user_ids: list[int]) -> list[str]:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        with SessionLocal() as session:
            session.execute(
                update(User).where(User.id.in_(user_ids)).values(last_seen_at=now)
            )
            emails = session.scalars(
                select(User.email).where(User.id.in_(user_ids)).order_by(User.email)
            ).all()
            session.commit()
        return [email.lower() for email in emails]


class ProductRepository:
    def price_list(self) -> list[dict]:
        with SessionLocal() as session:
            products = session.scalars(
                select(Product).where(Product.active.is_(True)).order_by(Product.sku)
            ).all()
        return [{"sku": p.sku, "name": p.name, "price": p.price_cents} for p in products]

    def reserve(self, sku: str, qty: int) -> None:
        session = SessionLocal()
        try:
            product = session.scalars(select(Product).where(Product.sku == sku)).one()
            if product.stock < qty:
                raise ValueError(f"not enough stock for {sku}")
            product.stock -= qty
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()
        if product.stock < 5:  # expect: SQA107
            logger.warning("low stock for %s", sku)

    def apply_price_change(self, percent: int) -> list[Product]:
        with SessionLocal() as session:
            products = session.scalars(
                select(Product).where(Product.active.is_(True))
            ).all()
            for product in products:
                product.price_cents = product.price_cents * (100 + percent) // 100
            session.commit()
        return products  # expect: SQA107

    def bump_prices(self, skus: list[str], delta_cents: int) -> list[Product]:
        with SessionLocal() as session:
            session.execute(
                update(Product)
                .where(Product.sku.in_(skus))
                .values(price_cents=Product.price_cents + delta_cents)
            )
            session.commit()
            products = session.scalars(
                select(Product).where(Product.sku.in_(skus)).order_by(Product.sku)
            ).all()
        return products

    def upsert(self, incoming: Product) -> int:
        with SessionLocal() as session:
            merged = session.merge(incoming)
            session.commit()
            product_id = merged.id
        logger.debug("upserted %s as #%s", incoming.sku, product_id)
        return product_id
