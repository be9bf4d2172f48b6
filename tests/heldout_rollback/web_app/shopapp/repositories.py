"""Thin repository classes wrapping a request-scoped Session."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from .models import Customer, Order, OrderLine, Product, Tag, User

logger = logging.getLogger(__name__)


class DuplicateEmail(Exception):
    def __init__(self, email: str) -> None:
        super().__init__(f"email already registered: {email}")
        self.email = email


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_email(self, email: str) -> User | None:
        return self.session.scalars(select(User).where(User.email == email)).first()

    def add(self, user: User) -> User:
        self.session.add(user)
        try:
            self.session.flush()
        except IntegrityError as exc:
            self.session.rollback()
            raise DuplicateEmail(user.email) from exc
        return user

    def get_or_create_by_email(self, email: str, name: str) -> User:
        user = self.by_email(email)
        if user is not None:
            return user
        try:
            with self.session.begin_nested():
                user = User(email=email, name=name)
                self.session.add(user)
        except IntegrityError:
            # another request created it in the meantime
            user = self.session.scalars(select(User).where(User.email == email)).one()
        return user

    def touch_last_login(self, user: User) -> None:
        user.last_login_at = datetime.now(timezone.utc)
        try:
            self.session.commit()
        except OperationalError:  # expect: SQA110
            logger.warning("could not record last login for user %s", user.id)
        self.session.refresh(user)


class TagRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def ensure_tags(self, names: Iterable[str]) -> list[Tag]:
        tags: list[Tag] = []
        for raw in names:
            tag = Tag(name=raw.strip().lower())
            try:
                self.session.add(tag)
                self.session.flush()
            except IntegrityError:  # expect: SQA110
                # already exists, load the stored one instead
                self.session.expunge(tag)
                tag = self.session.scalars(select(Tag).where(Tag.name == tag.name)).one()
            tags.append(tag)
        return tags


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, order_id: int) -> Order | None:
        return self.session.get(Order, order_id)

    def add_line(self, order: Order, product: Product, quantity: int) -> OrderLine:
        line = OrderLine(order=order, product=product, quantity=quantity, unit_price=product.price)
        try:
            self.session.add(line)
            total = (
                self.session.query(func.sum(OrderLine.quantity))
                .filter(OrderLine.order_id == order.id)
                .scalar()
            )
        except IntegrityError:  # expect: SQA110
            logger.warning("product %s is already on order %s", product.sku, order.id)
            total = None
        order.total_quantity = total
        self.session.commit()
        return line


def get_or_create_customer(session: Session, email: str) -> Customer:
    customer = Customer(email=email.lower())
    session.add(customer)
    try:
        session.flush()
    except IntegrityError:  # bonus: SQA110
        customer = session.scalars(select(Customer).where(Customer.email == email.lower())).one()
    return customer
