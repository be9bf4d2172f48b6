"""Query helpers. All of them receive the session from the caller."""
from typing import List, Optional, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .database import SessionLocal
from .models import Item, Order, User
from .schemas import UserCreate


def get_user_by_email(db: Session, email: str) -> Optional[User]:
    return db.scalar(select(User).where(func.lower(User.email) == email.lower()))


def create_user(db: Session, data: UserCreate) -> User:
    user = User(email=data.email, full_name=data.full_name)
    user.set_password(data.password)
    db.add(user)
    db.commit()
    db.refresh(user)
    return user


def search_items(db: Session, term: Optional[str], limit: int = 50) -> Sequence[Item]:
    stmt = select(Item).order_by(Item.name).limit(limit)
    if term:
        pattern = f"%{term}%"
        stmt = stmt.where(or_(Item.name.ilike(pattern), Item.sku.ilike(pattern)))
    return db.scalars(stmt).all()


def orders_for_user(db: Session, user_id: int) -> List[Order]:
    return list(db.scalars(select(Order).where(Order.user_id == user_id).order_by(Order.created_at.desc())))


def active_user_emails() -> List[str]:
    """Used by the newsletter export job."""
    session = SessionLocal()  # expect: SQA102
    emails = session.scalars(select(User.email).where(User.is_active.is_(True))).all()
    return list(emails)


def total_revenue_cents() -> int:
    with SessionLocal() as session:
        return session.scalar(select(func.coalesce(func.sum(Order.total_cents), 0))) or 0
