#!/usr/bin/env python
"""Populate a development database with fake users, items and orders."""
import argparse
import random

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.database import Base
from app.models import Item, Order, OrderLine, User

FIRST = ["Ada", "Grace", "Linus", "Guido", "Barbara", "Ken", "Margaret", "Dennis"]
LAST = ["Lovelace", "Hopper", "Torvalds", "van Rossum", "Liskov", "Thompson", "Hamilton", "Ritchie"]


def seed(engine: Engine, n_users: int, n_items: int, n_orders: int) -> None:
    with Session(engine) as session, session.begin():
        users = []
        for i in range(n_users):
            first, last = random.choice(FIRST), random.choice(LAST)
            user = User(email=f"{first}.{last}.{i}@example.com".lower().replace(" ", ""), full_name=f"{first} {last}")
            user.set_password("password123")
            users.append(user)
        session.add_all(users)

        items = [
            Item(sku=f"SKU-{i:05}", name=f"Product {i}", price_cents=random.randint(199, 19999))
            for i in range(n_items)
        ]
        session.add_all(items)
        session.flush()

        for _ in range(n_orders):
            order = Order(user=random.choice(users), status=random.choice(["pending", "paid", "shipped"]))
            for item in random.sample(items, k=random.randint(1, 4)):
                qty = random.randint(1, 3)
                order.lines.append(OrderLine(item_id=item.id, quantity=qty, unit_price_cents=item.price_cents))
                order.total_cents += qty * item.price_cents
            session.add(order)


def report(engine: Engine) -> None:
    with Session(engine) as session:
        for model in (User, Item, Order):
            count = session.scalar(select(func.count()).select_from(model))
            print(f"{model.__tablename__:>12}: {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql+psycopg://shop:shop@localhost:5432/shop")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--drop", action="store_true", help="drop and recreate all tables first")
    args = parser.parse_args()

    engine = create_engine(args.database_url, echo=False)
    try:
        if args.drop:
            Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        seed(engine, args.users, args.items, args.orders)
        report(engine)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
