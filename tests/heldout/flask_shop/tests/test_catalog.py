from sqlalchemy import select, text

from shop.models import Product


def test_products_are_seeded(session):
    session.execute(text("INSERT INTO products (name, category, price) VALUES ('a', 'b', 1)"))
    assert session.query(Product).count() == 1  # expect: SQA203


def test_truncate(session):
    session.execute("TRUNCATE products RESTART IDENTITY CASCADE")  # expect: SQA202
    assert session.scalars(select(Product)).all() == []
